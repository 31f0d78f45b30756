//! Credentials given in the environment or in files (`…_FILE`), never in
//! the repository: the tokens an account can be configured with instead of
//! connecting it, and the OAuth clients that connecting and renewing use.
//! `<HANDLE>` is the registered handle upper-cased without `@`.
//!
//! | what | variables |
//! |---|---|
//! | X OAuth 2.0 client | `TVARIT_X_CLIENT_ID`, `TVARIT_X_CLIENT_SECRET` (a confidential client) |
//! | X OAuth 1.0a | `TVARIT_X_CONSUMER_KEY`, `TVARIT_X_CONSUMER_SECRET`, `TVARIT_X_ACCESS_TOKEN_<HANDLE>`, `TVARIT_X_ACCESS_TOKEN_SECRET_<HANDLE>` |
//! | X static user token | `TVARIT_X_USER_TOKEN_<HANDLE>` (ends after 2 hours unless renewed elsewhere) |
//! | Google OAuth client | `TVARIT_YOUTUBE_CLIENT_ID`, `TVARIT_YOUTUBE_CLIENT_SECRET` |
//! | YouTube static token | `TVARIT_YOUTUBE_TOKEN_<HANDLE>` |
//! | Meta Page token | `TVARIT_META_PAGE_TOKEN_<HANDLE>`; checked with `TVARIT_META_APP_ID` and `TVARIT_META_APP_SECRET` |

use std::collections::HashMap;

use tvarit_config::{ExposeSecret, SecretError, SecretString, read_secret};
use tvarit_platforms::oauth2::{ClientAuth, OAuthClient};
use tvarit_platforms::x::oauth1::OAuth1;
use tvarit_registry::Registry;

fn env_key(handle: &str) -> String {
    handle.trim_start_matches('@').to_uppercase()
}

fn secret(name: &str) -> Result<Option<String>, SecretError> {
    Ok(read_secret(name)?.map(|s| s.expose_secret().to_owned()))
}

/// The environment's credentials. Tokens stay `SecretString`s until the
/// moment a call needs one, so a `{:?}` of this (or of a struct holding it)
/// never prints them.
#[derive(Debug, Default)]
pub struct EnvCredentials {
    /// Lower-case handle → token.
    pub x_tokens: HashMap<String, SecretString>,
    pub x_oauth1: HashMap<String, OAuth1>,
    pub youtube_tokens: HashMap<String, SecretString>,
    pub meta_tokens: HashMap<String, SecretString>,
    /// Clients for connecting and renewing; `None` when not configured.
    pub x_client: Option<OAuthClient>,
    pub google_client: Option<OAuthClient>,
    /// `(app id, app secret)` for Meta's `debug_token`.
    pub meta_app: Option<(String, SecretString)>,
}

impl EnvCredentials {
    pub fn read(registry: &Registry) -> Result<Self, SecretError> {
        let mut env = EnvCredentials::default();
        let consumer = (secret("TVARIT_X_CONSUMER_KEY")?, secret("TVARIT_X_CONSUMER_SECRET")?);
        for a in registry.accounts() {
            let handle = a.handle.to_lowercase();
            let key = env_key(&a.handle);
            match a.platform.as_str() {
                "x" => {
                    if let Some(t) = read_secret(&format!("TVARIT_X_USER_TOKEN_{key}"))? {
                        env.x_tokens.insert(handle.clone(), t);
                    }
                    let token = secret(&format!("TVARIT_X_ACCESS_TOKEN_{key}"))?;
                    let token_secret = secret(&format!("TVARIT_X_ACCESS_TOKEN_SECRET_{key}"))?;
                    if let (Some(ck), Some(cs), Some(token), Some(token_secret)) =
                        (&consumer.0, &consumer.1, token, token_secret)
                    {
                        let creds =
                            OAuth1 { consumer_key: ck.clone(), consumer_secret: cs.clone(), token, token_secret };
                        env.x_oauth1.insert(handle, creds);
                    }
                }
                "facebook" | "instagram" => {
                    if let Some(t) = read_secret(&format!("TVARIT_META_PAGE_TOKEN_{key}"))? {
                        env.meta_tokens.insert(handle, t);
                    }
                }
                "youtube" => {
                    if let Some(t) = read_secret(&format!("TVARIT_YOUTUBE_TOKEN_{key}"))? {
                        env.youtube_tokens.insert(handle, t);
                    }
                }
                _ => {}
            }
        }
        env.x_client = secret("TVARIT_X_CLIENT_ID")?
            .map(|client_id| -> Result<_, SecretError> {
                Ok(OAuthClient { client_id, client_secret: secret("TVARIT_X_CLIENT_SECRET")?, auth: ClientAuth::Basic })
            })
            .transpose()?;
        env.google_client = secret("TVARIT_YOUTUBE_CLIENT_ID")?
            .map(|client_id| -> Result<_, SecretError> {
                Ok(OAuthClient {
                    client_id,
                    client_secret: secret("TVARIT_YOUTUBE_CLIENT_SECRET")?,
                    auth: ClientAuth::Form,
                })
            })
            .transpose()?;
        if let (Some(id), Some(app_secret)) = (secret("TVARIT_META_APP_ID")?, read_secret("TVARIT_META_APP_SECRET")?) {
            env.meta_app = Some((id, app_secret));
        }
        Ok(env)
    }

    /// How the environment lets Tvarit post as this account, if it does.
    pub fn kind(&self, platform: &str, handle: &str) -> Option<&'static str> {
        let h = handle.to_lowercase();
        match platform {
            "x" if self.x_oauth1.contains_key(&h) => Some("oauth1"),
            "x" if self.x_tokens.contains_key(&h) => Some("token"),
            "youtube" if self.youtube_tokens.contains_key(&h) => Some("token"),
            "facebook" | "instagram" if self.meta_tokens.contains_key(&h) => Some("page token"),
            _ => None,
        }
    }
}
