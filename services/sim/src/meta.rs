//! Meta webhooks: Page `feed` and Instagram `comments` changes signed `X-Hub-Signature-256:
//! sha256=HEX(HMAC-SHA256(app secret, body))`, and the subscription
//! handshake `GET <url>?hub.mode=subscribe&hub.challenge=C&hub.verify_token=T`
//! which must echo C with 200 (and refuse a wrong token).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::delivery::http_request;
use crate::state::{Platform, Post, Sim};

/// `sha256=` + hex(HMAC-SHA256(app secret, body)).
pub fn signature(app_secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("hmac takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A `feed` change for one comment, from its author (the public, or the
/// Page itself for its own replies, which receivers must drop); an
/// Instagram comment as Instagram's `comments` change.
pub fn payload(p: &Post, from_name: &str) -> Vec<u8> {
    if p.platform == Platform::Instagram {
        return instagram_payload(p);
    }
    let page = p.page_id.clone().unwrap_or_default();
    let post_id = p.fb_post_id.clone().unwrap_or_default();
    let created = p.created_at.timestamp();
    let value = json!({
        "from": {"id": p.author.id, "name": from_name},
        "post": {"status_type": "added_photos", "is_published": true, "id": post_id},
        "message": p.text,
        "post_id": post_id,
        "comment_id": p.id,
        "created_time": created,
        "item": "comment",
        "parent_id": p.in_reply_to_id.clone().unwrap_or_else(|| post_id.clone()),
        "verb": "add",
    });
    // A comment's attachment: Meta sends its file's URL as `photo` or `video`.
    let mut value = value;
    if let Some(m) = p.media.first() {
        let key = if m.kind == "photo" { "photo" } else { "video" };
        value[key] = json!(m.url.clone().or_else(|| m.preview_url.clone()));
    }
    json!({"object": "page", "entry": [{"id": page, "time": created, "changes": [{"field": "feed", "value": value}]}]})
        .to_string()
        .into_bytes()
}

/// `object: instagram`, field `comments`: the comment's id, text, author
/// (Instagram-scoped id and username), media, and `parent_id` for a reply
/// to another comment. Instagram names no time but the entry's.
fn instagram_payload(p: &Post) -> Vec<u8> {
    let account = p.page_id.clone().unwrap_or_default();
    let mut value = json!({
        "from": {"id": p.author.id, "username": p.author.username},
        "media": {"id": p.fb_post_id.clone().unwrap_or_default(), "media_product_type": "FEED"},
        "id": p.id,
        "text": p.text,
    });
    if let Some(parent) = &p.in_reply_to_id {
        value["parent_id"] = json!(parent);
    }
    let time = p.created_at.timestamp();
    json!({"object": "instagram", "entry": [{"id": account, "time": time, "changes": [{"field": "comments", "value": value}]}]})
        .to_string()
        .into_bytes()
}

/// `object: instagram`, field `mentions`: only the media and comment ids,
/// as Meta documents it; the words are read back with `mentioned_comment`.
pub fn mention_payload(p: &Post) -> Vec<u8> {
    let account = p.page_id.clone().unwrap_or_default();
    let value = json!({"media_id": p.fb_post_id.clone().unwrap_or_default(), "comment_id": p.id});
    let time = p.created_at.timestamp();
    json!({"object": "instagram", "entry": [{"id": account, "time": time, "changes": [{"field": "mentions", "value": value}]}]})
        .to_string()
        .into_bytes()
}

/// Outcome of the verification handshake.
pub struct Handshake {
    pub status: u16,
    pub echoed: bool,
}

pub async fn handshake(url: &str, verify_token: &str) -> Result<Handshake, String> {
    let challenge = format!("{}", rand::random::<u32>());
    let sep = if url.contains('?') { '&' } else { '?' };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.challenge", &challenge)
        .append_pair("hub.verify_token", verify_token)
        .finish();
    let (status, body) = http_request(Method::GET, &format!("{url}{sep}{query}"), &[], Bytes::new()).await?;
    Ok(Handshake { status, echoed: status == 200 && body.as_ref() == challenge.as_bytes() })
}

/// `POST /sim/webhooks/meta/verify` (`{"verify_token": ..}` optional): runs
/// the handshake now; `accepted` says whether the receiver echoed the challenge.
pub async fn verify_now(State(sim): State<Arc<Sim>>, body: Bytes) -> Json<Value> {
    let Some(hook) = &sim.cfg.meta_webhook else {
        return Json(json!({"accepted": false, "detail": "no --meta-webhook-url configured"}));
    };
    let asked: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let token = asked.get("verify_token").and_then(Value::as_str).unwrap_or(&hook.verify_token);
    match handshake(&hook.url, token).await {
        Ok(h) => Json(json!({"accepted": h.echoed, "status": h.status})),
        Err(e) => Json(json!({"accepted": false, "detail": e})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PLATFORMS.md's test vector.
    #[test]
    fn signature_matches_the_documented_vector() {
        assert_eq!(
            signature("test_app_secret", br#"{"object":"page","entry":[]}"#),
            "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf"
        );
    }
}
