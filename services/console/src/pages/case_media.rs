//! `GET /cases/{docket}/media/{n}`: the post's n-th photo (or a video's
//! still), fetched by the console from the platform and passed on, for a
//! person who may see the case. The browser only ever talks to the console:
//! the page's CSP stays `img-src 'self'`, and the platform's servers never
//! see an operator's address. Only images, at most `MAX_BYTES`, within
//! `FETCH_TIMEOUT`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::security::Signed;

const MAX_BYTES: usize = 10 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

pub async fn file(State(state): State<AppState>, signed: Signed, Path((docket, n)): Path<(String, usize)>) -> Response {
    let case = match super::case::visible_case(&state, &signed, &docket).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(m) = case.post.as_ref().and_then(|p| p.media.get(n)) else {
        return (StatusCode::NOT_FOUND, "no such attachment").into_response();
    };
    let url = if m.preview_url.is_empty() { &m.url } else { &m.preview_url };
    match fetch(&state.media_http, url).await {
        Ok((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(why) => {
            tracing::info!(%docket, n, %why, "media preview not shown");
            (StatusCode::BAD_GATEWAY, format!("the platform did not give the file: {why}")).into_response()
        }
    }
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<(String, Vec<u8>), String> {
    let get = async {
        let resp = http.get(url).send().await.map_err(|e| format!("request failed: {e}"))?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status().as_u16()));
        }
        let content_type =
            resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        // Anything but an image (HTML, a script) is not passed to the browser.
        if !content_type.starts_with("image/") {
            return Err(format!("not an image ({content_type:?})"));
        }
        if resp.content_length().is_some_and(|l| l > MAX_BYTES as u64) {
            return Err("larger than the preview cap".into());
        }
        let mut resp = resp;
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| format!("reading: {e}"))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_BYTES {
                return Err("larger than the preview cap".into());
            }
        }
        Ok((content_type, bytes))
    };
    tokio::time::timeout(FETCH_TIMEOUT, get).await.map_err(|_| format!("no answer in {} s", FETCH_TIMEOUT.as_secs()))?
}
