//! Meta's Graph API for Facebook Pages and Instagram: the webhook
//! handshake and signature, Page feed changes, replying to a comment,
//! Instagram comments (`instagram`), direct messages (`messaging`), and
//! checking a Page token (`token`).

use serde::Deserialize;

pub mod instagram;
pub mod messaging;
pub mod publish;
pub mod token;

use crate::{PlatformError, network};

/// `GET ?hub.mode=subscribe&hub.challenge=C&hub.verify_token=T`: the
/// challenge to echo, or `None` (answer 403).
pub fn verify_subscription<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    verify_token: &str,
) -> Option<&'a str> {
    (mode == Some("subscribe") && token == Some(verify_token)).then_some(challenge).flatten()
}

/// Checks `X-Hub-Signature-256: sha256=<hex>` over the raw body.
pub fn signature_valid(app_secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    crate::verify_hex_sha256(app_secret, body, header)
}

#[derive(Debug, Deserialize)]
pub struct Delivery {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub struct Entry {
    /// The Page (or Instagram account) id.
    pub id: String,
    /// When Meta sent the change, epoch seconds (Instagram's comments name no other time).
    #[serde(default)]
    pub time: Option<i64>,
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Messenger or Instagram messages (`messages` subscription).
    #[serde(default)]
    pub messaging: Vec<messaging::Messaging>,
}

#[derive(Debug, Deserialize)]
pub struct Change {
    pub field: String,
    pub value: serde_json::Value,
}

/// A `feed` or `mention` change's value, for the items Tvarit answers.
/// `feed` names the author in `from`; a Page `mention` in
/// `sender_id`/`sender_name`.
#[derive(Debug, Deserialize)]
pub struct FeedChange {
    #[serde(default)]
    pub from: Option<From>,
    #[serde(default)]
    pub sender_id: Option<String>,
    #[serde(default)]
    pub sender_name: Option<String>,
    pub item: String,
    pub verb: String,
    #[serde(default)]
    pub post_id: Option<String>,
    #[serde(default)]
    pub comment_id: Option<String>,
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Epoch seconds.
    #[serde(default)]
    pub created_time: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    /// A comment's attached photo, as a URL.
    #[serde(default)]
    pub photo: Option<String>,
    /// A comment's attached video, as a URL.
    #[serde(default)]
    pub video: Option<String>,
}

impl FeedChange {
    /// Who wrote it, whichever way the change names them.
    pub fn author(&self) -> Option<From> {
        match (&self.from, &self.sender_id) {
            (Some(f), _) => Some(From { id: f.id.clone(), name: f.name.clone() }),
            (None, Some(id)) => Some(From { id: id.clone(), name: self.sender_name.clone().unwrap_or_default() }),
            (None, None) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct From {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    error: GraphError,
}

#[derive(Debug, Default, Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
}

/// Meta's throttling codes: wait and retry.
const THROTTLING: [i64; 4] = [4, 17, 32, 80001];

pub fn classify(status: u16, body: &str) -> PlatformError {
    let e = serde_json::from_str::<ErrorBody>(body).unwrap_or_default().error;
    if THROTTLING.contains(&e.code) || status == 429 {
        return PlatformError::Retryable {
            platform: "meta",
            detail: format!("throttled (code {}): {}", e.code, e.message),
            retry_after: Some(std::time::Duration::from_secs(60)),
        };
    }
    if status >= 500 || e.code == 1 || e.code == 2 {
        return PlatformError::Retryable { platform: "meta", detail: e.message, retry_after: None };
    }
    PlatformError::Terminal { platform: "meta", status, detail: e.message }
}

#[derive(Clone)]
pub struct MetaClient {
    http: reqwest::Client,
    base: String,
}

#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

impl MetaClient {
    /// `base` like `https://graph.facebook.com/v21.0`.
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self { http, base: base.trim_end_matches('/').to_owned() }
    }

    /// `POST /{comment-id}/comments` as the Page.
    pub async fn reply(&self, page_token: &str, comment_id: &str, message: &str) -> Result<Created, PlatformError> {
        let url = format!("{}/{comment_id}/comments", self.base);
        let resp = self
            .http
            .post(url)
            .form(&[("message", message), ("access_token", page_token)])
            .send()
            .await
            .map_err(|e| network("meta", e))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| network("meta", e))?;
        if !(200..300).contains(&status) {
            return Err(classify(status, &body));
        }
        serde_json::from_str(&body).map_err(|e| PlatformError::Retryable {
            platform: "meta",
            detail: format!("unreadable response: {e}"),
            retry_after: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_signature_vector_and_handshake() {
        let sig = "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf";
        assert!(signature_valid(b"test_app_secret", br#"{"object":"page","entry":[]}"#, Some(sig)));
        assert!(!signature_valid(b"test_app_secret", br#"{"object":"page","entry":[ ]}"#, Some(sig)));
        assert_eq!(verify_subscription(Some("subscribe"), Some("tok"), Some("123"), "tok"), Some("123"));
        assert_eq!(verify_subscription(Some("subscribe"), Some("bad"), Some("123"), "tok"), None);
    }

    #[test]
    fn throttling_is_retried_and_permission_errors_are_shown() {
        assert!(classify(400, r#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"x"}}"#).is_retryable());
        let e = classify(400, r#"{"error":{"message":"(#200) Permissions error","type":"OAuthException","code":200}}"#);
        assert_eq!(
            e,
            PlatformError::Terminal { platform: "meta", status: 400, detail: "(#200) Permissions error".into() }
        );
    }
}
