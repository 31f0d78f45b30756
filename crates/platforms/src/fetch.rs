//! A file from a platform's CDN (a post's photo, a video's still), read
//! with a time limit and a size cap: for evidence (reply) and for the
//! console's previews, each with its own limits.

use std::time::Duration;

/// Why no file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// Larger than the cap (the size announced, or read so far).
    TooLarge(u64),
    /// Not the kind of file asked for (its content type).
    WrongType(String),
    /// Refused, unreachable, or too slow; in words for the log or the operator.
    Failed(String),
}

/// A file read whole: its content type and bytes.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// GETs `url` within `within`, reading at most `max_bytes`; with
/// `content_prefix` (e.g. `image/`), any other content type is refused
/// before the body is read.
pub async fn fetch_capped(
    http: &reqwest::Client,
    url: &str,
    max_bytes: usize,
    within: Duration,
    content_prefix: Option<&str>,
) -> Result<Fetched, FetchError> {
    let read = async {
        let mut resp = http.get(url).send().await.map_err(|e| FetchError::Failed(format!("request failed: {e}")))?;
        if !resp.status().is_success() {
            return Err(FetchError::Failed(format!("HTTP {}", resp.status().as_u16())));
        }
        let content_type =
            resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        if content_prefix.is_some_and(|p| !content_type.starts_with(p)) {
            return Err(FetchError::WrongType(content_type));
        }
        if let Some(len) = resp.content_length().filter(|l| *l > max_bytes as u64) {
            return Err(FetchError::TooLarge(len));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| FetchError::Failed(format!("reading the body: {e}")))? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > max_bytes {
                return Err(FetchError::TooLarge(bytes.len() as u64));
            }
        }
        Ok(Fetched { content_type, bytes })
    };
    tokio::time::timeout(within, read)
        .await
        .unwrap_or_else(|_| Err(FetchError::Failed(format!("no answer in {} s", within.as_secs()))))
}
