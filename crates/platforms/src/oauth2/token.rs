//! The token endpoint (RFC 6749 §4.1.3 and §6): exchanging a consent code
//! and renewing with a refresh token. X: `POST {api}/2/oauth2/token`, the
//! client authenticated with HTTP Basic when it is confidential. Google:
//! `POST https://oauth2.googleapis.com/token`, the client id and secret in
//! the form.

use std::time::Duration;

use serde::Deserialize;

use super::OAuthError;
use crate::RateLimit;

/// How the client proves who it is to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(id:secret)` (X's confidential clients).
    Basic,
    /// `client_id` and `client_secret` in the form (Google).
    Form,
}

#[derive(Clone)]
pub struct OAuthClient {
    pub client_id: String,
    /// None for a public client (PKCE alone).
    pub client_secret: Option<String>,
    pub auth: ClientAuth,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("confidential", &self.client_secret.is_some())
            .finish()
    }
}

/// A successful answer: `{"token_type","expires_in","access_token","scope","refresh_token"}`.
#[derive(Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    /// Seconds from now; X gives 7200, Google 3599.
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &self.refresh_token.is_some())
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

#[derive(Clone)]
pub struct TokenClient {
    http: reqwest::Client,
    url: String,
    client: OAuthClient,
    /// "x" or "google", in errors and logs.
    provider: &'static str,
}

impl TokenClient {
    pub fn new(http: reqwest::Client, provider: &'static str, url: &str, client: OAuthClient) -> Self {
        Self { http, url: url.to_owned(), client, provider }
    }

    /// X's token endpoint under its API base (`{base}/2/oauth2/token`).
    pub fn x(http: reqwest::Client, api_base: &str, client: OAuthClient) -> Self {
        Self::new(http, "x", &format!("{}/2/oauth2/token", api_base.trim_end_matches('/')), client)
    }

    pub fn client_id(&self) -> &str {
        &self.client.client_id
    }

    /// `grant_type=authorization_code`: the code from consent, with the
    /// verifier whose challenge the consent address carried.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ];
        self.call(&form).await
    }

    /// `grant_type=refresh_token`. With X the answer's refresh token
    /// replaces this one, which is dead from now on: store it before use.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenResponse, OAuthError> {
        self.call(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }

    async fn call(&self, fields: &[(&str, &str)]) -> Result<TokenResponse, OAuthError> {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("client_id", &self.client.client_id));
        let mut req = self.http.post(&self.url);
        match (&self.client.client_secret, self.client.auth) {
            (Some(secret), ClientAuth::Basic) => req = req.basic_auth(&self.client.client_id, Some(secret)),
            (Some(secret), ClientAuth::Form) => form.push(("client_secret", secret)),
            (None, _) => {}
        }
        let unavailable =
            |detail: String, retry_after| OAuthError::Unavailable { provider: self.provider, detail, retry_after };
        let resp = req.form(&form).send().await.map_err(|e| unavailable(format!("network: {e}"), None))?;
        let status = resp.status().as_u16();
        let rate = RateLimit::from_headers(resp.headers());
        let body = resp.text().await.map_err(|e| unavailable(format!("network: {e}"), None))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&body).map_err(|e| unavailable(format!("unreadable answer: {e}"), None));
        }
        let e: ErrorBody = serde_json::from_str(&body).unwrap_or_default();
        Err(match status {
            429 => unavailable(
                format!("rate limited: {}", e.error_description),
                Some(rate.until_reset(std::time::SystemTime::now()).unwrap_or(Duration::from_secs(60))),
            ),
            500..=599 => unavailable(format!("HTTP {status}"), None),
            _ if e.error == "invalid_grant" => {
                OAuthError::InvalidGrant { provider: self.provider, description: e.error_description }
            }
            _ => OAuthError::Refused {
                provider: self.provider,
                status,
                error: if e.error.is_empty() { "unknown".into() } else { e.error },
                description: if e.error_description.is_empty() {
                    body.chars().take(200).collect()
                } else {
                    e.error_description
                },
            },
        })
    }
}
