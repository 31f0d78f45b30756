//! The accounts Tvarit posts from, and credentials that last for months.
//!
//! Where an account's credential comes from, first found wins:
//! 1. **stored**: connected with `tvarit-reply accounts connect` (OAuth 2.0
//!    with PKCE on X, Google's OAuth for YouTube), sealed in
//!    `account_credentials` and renewed before it ends ([`renewer`]);
//! 2. **env**: OAuth 1.0a keys for X, or a static token
//!    (`TVARIT_X_USER_TOKEN_<HANDLE>`, `TVARIT_YOUTUBE_TOKEN_<HANDLE>`,
//!    `TVARIT_META_PAGE_TOKEN_<HANDLE>`), see [`env`].
//!
//! A stored credential is read from the database at every use, so a
//! reconnection by the command line (another process) is taken at once.
//! An access token is never used within [`SKEW`] of its end: it is renewed
//! first. A renewal the platform refuses marks the account "reconnect
//! needed", raises an `account` alert, and the account's replies wait.

pub mod connect;
pub mod env;
pub mod list;
pub mod meta_watch;
mod renew;
pub mod renewer;
pub mod seal;
pub mod store;

use std::collections::HashSet;
use std::future::Future;
use std::sync::RwLock;
use std::time::Duration;

use chrono::Utc;
use sqlx::PgPool;
use tvarit_config::ExposeSecret;
use tvarit_platforms::PlatformError;
use tvarit_platforms::oauth2::{TokenClient, Tokens};
use tvarit_platforms::x::UserAuth;
use tvarit_registry::Registry;

pub use env::EnvCredentials;
use seal::{SealError, SealKey};
use store::StoredRow;

use crate::config::ReplyConfig;

/// How long before its end an access token is no longer used: a call made
/// with it must not be refused half-way for expiry.
pub const SKEW: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("account {handle} needs reconnecting: run tvarit-reply accounts connect {handle}")]
    ReconnectNeeded { handle: String },
    #[error("renewing the token of {handle}: {detail}")]
    Unavailable { handle: String, detail: String },
    #[error("no {platform} credentials for {handle}")]
    NotConfigured { platform: String, handle: String },
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("credentials store: {0}")]
    Database(#[from] sqlx::Error),
}

impl From<CredentialError> for PlatformError {
    /// Only "not configured" fails a reply; the rest make it wait, because
    /// they are mended without touching the reply (reconnecting, the key,
    /// the database, the token endpoint coming back). `platform: "tvarit"`
    /// says no platform call was made.
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::NotConfigured { .. } => {
                PlatformError::Terminal { platform: "tvarit", status: 0, detail: e.to_string() }
            }
            other => PlatformError::Retryable { platform: "tvarit", detail: other.to_string(), retry_after: None },
        }
    }
}

/// A 401: the platform did not take the token, so nothing was done.
fn unauthorized(e: &PlatformError) -> bool {
    matches!(e, PlatformError::Terminal { status: 401, .. })
}

/// A token to call with, and the generation of the stored credential it
/// came from (`None` for the environment's, which Tvarit cannot renew).
#[derive(Debug, Clone)]
pub struct Access<T> {
    pub auth: T,
    pub generation: Option<i64>,
}

pub struct Credentials {
    pool: PgPool,
    key: Option<SealKey>,
    pub env: EnvCredentials,
    registry: Registry,
    x_tokens: Option<TokenClient>,
    google_tokens: Option<TokenClient>,
    /// Renew this long before the access token ends.
    pub margin: Duration,
    /// Accounts with a stored credential (any status), for `can_send`.
    stored: RwLock<HashSet<String>>,
}

impl Credentials {
    /// The environment's credentials and the stored accounts. Refuses to
    /// start when credentials are stored but no key is given to open them.
    pub async fn open(
        pool: PgPool,
        registry: Registry,
        config: &ReplyConfig,
        env: EnvCredentials,
        key: Option<SealKey>,
    ) -> anyhow::Result<Credentials> {
        let http = tvarit_platforms::http_client;
        let x_tokens = env.x_client.clone().map(|c| TokenClient::x(http(), &config.reply_x_api_base, c));
        let google_tokens =
            env.google_client.clone().map(|c| TokenClient::new(http(), "google", &config.reply_google_token_url, c));
        let creds = Credentials {
            key,
            pool,
            env,
            registry,
            x_tokens,
            google_tokens,
            margin: Duration::from_secs_f64(config.reply_token_refresh_margin_seconds),
            stored: RwLock::new(HashSet::new()),
        };
        let rows = creds.reload().await?;
        if !rows.is_empty() && creds.key.is_none() {
            return Err(SealError::NoKey.into());
        }
        Ok(creds)
    }

    /// Re-reads which accounts have stored credentials.
    pub async fn reload(&self) -> Result<Vec<StoredRow>, sqlx::Error> {
        let rows = store::all(&self.pool).await?;
        *self.stored.write().expect("not poisoned") = rows.iter().map(|r| r.account.clone()).collect();
        Ok(rows)
    }

    /// Whether Tvarit posts for this account itself (else replies are
    /// recorded as sent by hand). An account needing reconnection still
    /// counts: its replies wait for it.
    pub fn can_send(&self, platform: &str, handle: &str) -> bool {
        self.stored.read().expect("not poisoned").contains(&handle.to_lowercase())
            || self.env.kind(platform, handle).is_some()
    }

    /// How to post as an X account.
    pub async fn x(&self, handle: &str) -> Result<Access<UserAuth>, CredentialError> {
        let h = handle.to_lowercase();
        if let Some((token, generation)) = self.stored_access(&h).await? {
            return Ok(Access { auth: UserAuth::Bearer(token), generation: Some(generation) });
        }
        if let Some(c) = self.env.x_oauth1.get(&h) {
            return Ok(Access { auth: UserAuth::OAuth1(c.clone()), generation: None });
        }
        match self.env.x_tokens.get(&h) {
            Some(t) => Ok(Access { auth: UserAuth::Bearer(t.expose_secret().to_owned()), generation: None }),
            None => Err(CredentialError::NotConfigured { platform: "x".into(), handle: handle.into() }),
        }
    }

    /// The OAuth token of a YouTube channel.
    pub async fn youtube(&self, handle: &str) -> Result<Access<String>, CredentialError> {
        let h = handle.to_lowercase();
        if let Some((token, generation)) = self.stored_access(&h).await? {
            return Ok(Access { auth: token, generation: Some(generation) });
        }
        match self.env.youtube_tokens.get(&h) {
            Some(t) => Ok(Access { auth: t.expose_secret().to_owned(), generation: None }),
            None => Err(CredentialError::NotConfigured { platform: "youtube".into(), handle: handle.into() }),
        }
    }

    pub fn meta(&self, handle: &str) -> Option<&str> {
        self.env.meta_tokens.get(&handle.to_lowercase()).map(|t| t.expose_secret())
    }

    /// Calls `call` as the X account. A stored access token the platform
    /// refuses (401) is renewed and the call made once more: a 401 posted
    /// nothing, so the retry cannot double a post.
    pub async fn with_x<T, F, Fut>(&self, handle: &str, call: F) -> Result<T, PlatformError>
    where
        F: Fn(UserAuth) -> Fut,
        Fut: Future<Output = Result<T, PlatformError>>,
    {
        let Access { auth, generation } = self.x(handle).await?;
        match (call(auth).await, generation) {
            (Err(e), Some(g)) if unauthorized(&e) => call(UserAuth::Bearer(self.renew_refused(handle, g).await?)).await,
            (outcome, _) => outcome,
        }
    }

    /// As [`with_x`](Self::with_x), with a YouTube channel's token.
    pub async fn with_youtube<T, F, Fut>(&self, handle: &str, call: F) -> Result<T, PlatformError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, PlatformError>>,
    {
        let Access { auth, generation } = self.youtube(handle).await?;
        match (call(auth).await, generation) {
            (Err(e), Some(g)) if unauthorized(&e) => call(self.renew_refused(handle, g).await?).await,
            (outcome, _) => outcome,
        }
    }

    /// The platform refused a stored access token (401) that our clock
    /// still thought good: renew it, unless another call already has.
    pub async fn renew_refused(&self, handle: &str, generation: i64) -> Result<String, CredentialError> {
        Ok(self.renew(&handle.to_lowercase(), renew::Need::Replace(generation)).await?.0)
    }

    /// A stored, usable access token and its generation; renewed first if
    /// it is within [`SKEW`] of its end.
    async fn stored_access(&self, account: &str) -> Result<Option<(String, i64)>, CredentialError> {
        let Some(row) = store::get(&self.pool, account).await? else { return Ok(None) };
        if row.status != "ok" {
            return Err(CredentialError::ReconnectNeeded { handle: row.handle });
        }
        if row.expires_at.is_none_or(|t| t > Utc::now() + SKEW) {
            return Ok(Some((self.tokens(&row)?.access_token, row.generation)));
        }
        self.renew(account, renew::Need::Fresh).await.map(Some)
    }

    fn key(&self) -> Result<&SealKey, SealError> {
        self.key.as_ref().ok_or(SealError::NoKey)
    }

    fn tokens(&self, row: &StoredRow) -> Result<Tokens, SealError> {
        let plain = self.key()?.open(&seal::credential_context(&row.account, &row.platform), &row.sealed)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Unreadable)
    }

    fn unit_of(&self, account: &str) -> String {
        self.registry.account(account).map_or_else(|| "hq".to_owned(), |a| a.unit.clone())
    }
}
