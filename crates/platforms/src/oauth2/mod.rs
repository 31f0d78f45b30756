//! OAuth 2.0 for the accounts Tvarit posts from: the Authorization Code
//! flow with PKCE (RFC 7636, S256) that connects an account, and the token
//! endpoint that exchanges the code and renews access tokens.
//!
//! X and Google both speak it, with two differences that matter here: X's
//! refresh tokens rotate (every refresh returns a new one and the old one
//! is refused from then on with `invalid_grant`), Google's do not (the
//! answer to a refresh carries no `refresh_token`; the old one stays good).
//! [`Tokens::renewed`] keeps the right one either way.

mod pkce;
mod token;

use std::time::Duration;

pub use pkce::{Pkce, random_state};
pub use token::{ClientAuth, OAuthClient, TokenClient, TokenResponse};

use crate::encode::{percent_encode, query_pairs};

/// X's consent page; tests point it at `tvarit-sim`.
pub const X_AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";
/// What Tvarit asks X for: posting (`tweet.write`), reading our own posts
/// after a crash (`tweet.read`, `users.read`), and a refresh token
/// (`offline.access`), without which the connection ends after 2 hours.
pub const X_SCOPES: &str = "tweet.read tweet.write users.read offline.access";
pub const GOOGLE_AUTHORIZE_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Replying to comments needs `youtube.force-ssl`.
pub const YOUTUBE_SCOPES: &str = "https://www.googleapis.com/auth/youtube.force-ssl";

/// Why the token endpoint or the consent step did not give us tokens.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OAuthError {
    /// The code or refresh token was refused: expired, revoked, or (X) a
    /// rotated refresh token used twice. Only a person can reconnect.
    #[error("{provider} refused the grant ({description}): the account must be connected again")]
    InvalidGrant { provider: &'static str, description: String },
    /// Any other refusal (a wrong client id or secret, a bad request):
    /// retrying cannot help until the configuration is fixed.
    #[error("{provider} token endpoint refused ({status} {error}): {description}")]
    Refused { provider: &'static str, status: u16, error: String, description: String },
    /// Network, 5xx, 429 or an unreadable answer: try again later.
    #[error("{provider} token endpoint unavailable: {detail}")]
    Unavailable { provider: &'static str, detail: String, retry_after: Option<Duration> },
    /// What was pasted after consent is not a code for this authorization.
    #[error("{0}")]
    Callback(String),
}

impl OAuthError {
    /// Whether only a person can fix it (reconnect, or fix the client).
    pub fn needs_person(&self) -> bool {
        !matches!(self, OAuthError::Unavailable { .. })
    }
}

/// The consent page's address: where a person signs in as the account and
/// allows Tvarit. `extra` carries provider specifics (Google's
/// `access_type=offline&prompt=consent`).
pub fn authorize_url(
    base: &str,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    state: &str,
    pkce: &Pkce,
    extra: &[(&str, &str)],
) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
        ("scope", scope),
        ("state", state),
        ("code_challenge", pkce.challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let query: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", query.join("&"))
}

/// What the person pasted after consent: the whole redirect address
/// (`…?state=…&code=…`), or the code alone. Returns the code and the state
/// the address carried, if it did; a refusal (`error=access_denied`) is an
/// error in the provider's words.
pub fn parse_callback(pasted: &str) -> Result<(String, Option<String>), OAuthError> {
    let pasted = pasted.trim();
    if pasted.is_empty() {
        return Err(OAuthError::Callback("nothing was pasted".into()));
    }
    let Some((_, query)) = pasted.split_once('?') else {
        if pasted.contains(char::is_whitespace) || pasted.contains('/') {
            return Err(OAuthError::Callback(format!("not a code or a redirect address: {pasted:?}")));
        }
        return Ok((pasted.to_owned(), None));
    };
    let query = query.split('#').next().unwrap_or_default();
    let pairs = query_pairs(query);
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    if let Some(error) = get("error") {
        let words = get("error_description").unwrap_or_default();
        return Err(OAuthError::Callback(format!("consent was not given: {error} {words}").trim().to_owned()));
    }
    let code = get("code").filter(|c| !c.is_empty()).ok_or_else(|| {
        OAuthError::Callback("the redirect address has no code: paste the whole address after consent".into())
    })?;
    Ok((code, get("state")))
}

/// An account's tokens as Tvarit keeps them (sealed at rest).
#[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").field("refresh_token", &self.refresh_token.is_some()).finish_non_exhaustive()
    }
}

impl Tokens {
    /// The tokens after a refresh answered `r`: X sends a new refresh token
    /// (the old one is now dead), Google none (the old one stays good).
    pub fn renewed(&self, r: &TokenResponse) -> Tokens {
        Tokens {
            access_token: r.access_token.clone(),
            refresh_token: r.refresh_token.clone().or_else(|| self.refresh_token.clone()),
        }
    }
}

#[cfg(test)]
mod tests;
