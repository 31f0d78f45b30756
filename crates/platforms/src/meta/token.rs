//! Whether a Page token still works, before a send finds out:
//! `GET /debug_token?input_token=PAGE_TOKEN&access_token=APP_ID|APP_SECRET`.
//! A Page token made from a long-lived user token has no expiry
//! (`expires_at` 0), but is invalidated when the person who granted it
//! changes their password, loses their role on the Page, or removes the app.

use serde::Deserialize;

use super::{MetaClient, classify};
use crate::{PlatformError, network};

/// What Meta says about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub is_valid: bool,
    /// Epoch seconds; `None` when the token does not expire (Meta sends 0).
    pub expires_at: Option<i64>,
    /// Meta's words when the token is invalid.
    pub error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Debugged {
    data: Data,
}

#[derive(Debug, Deserialize)]
struct Data {
    #[serde(default)]
    is_valid: bool,
    #[serde(default)]
    expires_at: i64,
    #[serde(default)]
    error: Option<DataError>,
}

#[derive(Debug, Deserialize)]
struct DataError {
    #[serde(default)]
    message: String,
}

/// Reads a `debug_token` answer.
pub fn read_token_info(body: &str) -> Result<TokenInfo, PlatformError> {
    let d: Debugged = serde_json::from_str(body).map_err(|e| PlatformError::Retryable {
        platform: "meta",
        detail: format!("unreadable debug_token answer: {e}"),
        retry_after: None,
    })?;
    Ok(TokenInfo {
        is_valid: d.data.is_valid,
        expires_at: (d.data.expires_at > 0).then_some(d.data.expires_at),
        error: d.data.error.map(|e| e.message).filter(|m| !m.is_empty()),
    })
}

impl MetaClient {
    /// `GET /debug_token`, authenticated with the app token `APP_ID|APP_SECRET`.
    pub async fn debug_token(
        &self,
        input_token: &str,
        app_id: &str,
        app_secret: &str,
    ) -> Result<TokenInfo, PlatformError> {
        let url = format!("{}/debug_token", self.base);
        let app_token = format!("{app_id}|{app_secret}");
        let query = [("input_token", input_token), ("access_token", app_token.as_str())];
        let resp = self.http.get(url).query(&query).send().await.map_err(|e| network("meta", e))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| network("meta", e))?;
        if !(200..300).contains(&status) {
            return Err(classify(status, &body));
        }
        read_token_info(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Graph API that knows one Page token and one app.
    async fn graph(axum::extract::RawQuery(q): axum::extract::RawQuery) -> axum::response::Response {
        use axum::response::IntoResponse;
        let pairs = crate::query_pairs(&q.unwrap_or_default());
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
        if get("access_token") != Some("123|app-secret") {
            let body =
                r#"{"error":{"message":"Invalid OAuth access token signature.","type":"OAuthException","code":190}}"#;
            return (axum::http::StatusCode::BAD_REQUEST, body).into_response();
        }
        let valid = get("input_token") == Some("page-token");
        axum::Json(serde_json::json!({"data": {"is_valid": valid, "expires_at": 0}})).into_response()
    }

    #[tokio::test]
    async fn asks_with_the_app_token_and_reads_the_answer() {
        let app = axum::Router::new().route("/v21.0/debug_token", axum::routing::get(graph));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v21.0", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let meta = MetaClient::new(crate::http_client(), &base);
        let ok = meta.debug_token("page-token", "123", "app-secret").await.unwrap();
        assert_eq!(ok, TokenInfo { is_valid: true, expires_at: None, error: None });
        assert!(!meta.debug_token("other", "123", "app-secret").await.unwrap().is_valid);
        let bad_app = meta.debug_token("page-token", "123", "wrong").await.unwrap_err();
        assert!(!bad_app.is_retryable(), "a wrong app secret needs a person: {bad_app:?}");
    }

    #[test]
    fn reads_valid_expiring_and_invalidated_tokens() {
        let never = r#"{"data":{"app_id":"1","type":"PAGE","application":"Tvarit","expires_at":0,"is_valid":true,"scopes":["pages_manage_engagement"]}}"#;
        assert_eq!(read_token_info(never).unwrap(), TokenInfo { is_valid: true, expires_at: None, error: None });
        let soon = r#"{"data":{"is_valid":true,"expires_at":1767225600}}"#;
        assert_eq!(read_token_info(soon).unwrap().expires_at, Some(1_767_225_600));
        let dead = r#"{"data":{"app_id":"1","error":{"code":190,"message":"Error validating access token: The session has been invalidated because the user changed their password.","subcode":460},"is_valid":false,"scopes":[]}}"#;
        let info = read_token_info(dead).unwrap();
        assert!(!info.is_valid);
        assert!(info.error.unwrap().contains("changed their password"));
        assert!(read_token_info("<html>").unwrap_err().is_retryable());
    }
}
