//! Photos and videos attached to the public's posts: listed with the post
//! (X's `attachments.media_keys` and `includes.media`, v1.1
//! `extended_entities.media`, a Page comment's `photo`/`video`), and their
//! bytes served at `GET /sim/media/{key}.gif` so a receiver can fetch them
//! as evidence. The bytes are a function of the key, so a test can check a
//! stored copy's SHA-256 against a fetch of its own.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::state::Sim;

/// A post's attachment as the corpus (or `POST /sim/posts`) gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CorpusMedia {
    /// `photo` (default), `video` or `animated_gif`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub alt_text: Option<String>,
}

/// An attachment as the sim keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct Media {
    /// X's `media_key`: `3_<n>` for a photo, `7_<n>` for a video, `16_<n>` for a GIF.
    pub key: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// The full file (photos only, as on X).
    pub url: Option<String>,
    /// A still image (videos and GIFs).
    pub preview_url: Option<String>,
    pub alt_text: Option<String>,
}

/// The attachments of post `seq`, their files served by this sim at `base`.
pub fn attach(base: &str, seq: u64, input: &[CorpusMedia]) -> Result<Vec<Media>, String> {
    input
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let kind = m.kind.clone().unwrap_or_else(|| "photo".into());
            let prefix = match kind.as_str() {
                "photo" => "3",
                "video" => "7",
                "animated_gif" => "16",
                other => return Err(format!("media type {other:?} is not photo, video or animated_gif")),
            };
            let key = format!("{prefix}_{seq}{i}");
            let file = format!("{base}/sim/media/{key}.gif");
            let (url, preview_url) = if kind == "photo" { (Some(file), None) } else { (None, Some(file)) };
            Ok(Media { key, kind, url, preview_url, alt_text: m.alt_text.clone() })
        })
        .collect()
}

/// The bytes of a key's file: a valid 1×1 GIF whose comment block names the
/// key (so each file differs, and a browser can draw it).
pub fn bytes_of(key: &str) -> Vec<u8> {
    let mut out = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00".to_vec();
    let comment = format!("tvarit-sim media {key}");
    out.extend_from_slice(&[0x21, 0xFE, comment.len().min(255) as u8]);
    out.extend_from_slice(&comment.as_bytes()[..comment.len().min(255)]);
    out.push(0x00);
    out.extend_from_slice(b"\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b");
    out
}

/// `GET /sim/media/{key}.gif`.
pub async fn file(State(sim): State<Arc<Sim>>, Path(file): Path<String>) -> Response {
    Sim::count(&sim.stats.api_requests);
    let Some(key) = file.strip_suffix(".gif") else { return StatusCode::NOT_FOUND.into_response() };
    let known = sim.lock().posts.iter().any(|p| p.media.iter().any(|m| m.key == key));
    if !known {
        return StatusCode::NOT_FOUND.into_response();
    }
    ([(header::CONTENT_TYPE, "image/gif")], bytes_of(key)).into_response()
}

/// `includes.media` items for X v2, with the `media.fields` asked for.
pub fn x_include(m: &Media, fields: &std::collections::HashSet<String>) -> Value {
    let mut v = json!({"media_key": m.key, "type": m.kind});
    if fields.contains("url")
        && let Some(u) = &m.url
    {
        v["url"] = json!(u);
    }
    if fields.contains("preview_image_url")
        && let Some(u) = &m.preview_url
    {
        v["preview_image_url"] = json!(u);
    }
    if fields.contains("alt_text")
        && let Some(a) = &m.alt_text
    {
        v["alt_text"] = json!(a);
    }
    v
}

/// v1.1 `extended_entities.media` items (Account Activity webhooks).
pub fn x_v1(m: &Media) -> Value {
    let file = m.url.clone().or_else(|| m.preview_url.clone()).unwrap_or_default();
    let mut v = json!({"id_str": m.key.split('_').nth(1).unwrap_or_default(), "media_url_https": file, "type": m.kind});
    if let Some(a) = &m.alt_text {
        v["ext_alt_text"] = json!(a);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_is_a_whole_gif_of_its_own() {
        let a = bytes_of("3_123");
        assert!(a.starts_with(b"GIF89a") && a.ends_with(b";"));
        assert_ne!(a, bytes_of("3_124"));
        let m = attach(
            "http://sim:8090",
            7,
            &[CorpusMedia::default(), CorpusMedia { kind: Some("video".into()), alt_text: None }],
        )
        .unwrap();
        assert_eq!(m[0].url.as_deref(), Some("http://sim:8090/sim/media/3_70.gif"));
        assert_eq!(
            (m[1].url.as_deref(), m[1].preview_url.as_deref()),
            (None, Some("http://sim:8090/sim/media/7_71.gif"))
        );
        assert!(attach("", 1, &[CorpusMedia { kind: Some("sticker".into()), alt_text: None }]).is_err());
    }
}
