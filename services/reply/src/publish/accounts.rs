//! The accounts Tvarit publishes from and the platform calls to do it:
//! X `POST /2/tweets` with the account's user token, a Facebook Page's
//! `POST /{page-id}/feed` with its Page token. Tokens are the reply
//! senders' (`TVARIT_X_USER_TOKEN_<HANDLE>`, `TVARIT_META_PAGE_TOKEN_<HANDLE>`,
//! docs/platforms.md). YouTube has no API for community posts: its targets
//! are skipped with that reason.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use tvarit_platforms::PlatformError;
use tvarit_platforms::meta::MetaClient;
use tvarit_platforms::meta::publish::find_page_post;
use tvarit_platforms::x::XClient;
use tvarit_platforms::x::publish::find_post;
use tvarit_registry::Registry;

use crate::outbound::snowflake_time;

/// What the platform confirmed for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    pub post_id: String,
    pub link: String,
    pub at: DateTime<Utc>,
}

/// Engagement as the platform reported it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    pub likes: u64,
    pub reposts: u64,
    pub replies: u64,
    pub quotes: u64,
    pub impressions: u64,
}

struct Account {
    platform: String,
    token: Option<String>,
    /// X user id or Facebook Page id, from the registry.
    platform_id: Option<String>,
}

pub struct PostingAccounts {
    x: XClient,
    meta: MetaClient,
    /// Lowercase handle → account.
    accounts: HashMap<String, Account>,
}

fn env_key(handle: &str) -> String {
    handle.trim_start_matches('@').to_uppercase()
}

fn refused(detail: String) -> PlatformError {
    PlatformError::Terminal { platform: "tvarit", status: 0, detail }
}

impl PostingAccounts {
    pub fn from_env(registry: &Registry, x_base: &str, meta_base: &str) -> anyhow::Result<Self> {
        let mut accounts = HashMap::new();
        for a in registry.accounts() {
            let var = match a.platform.as_str() {
                "x" => Some("TVARIT_X_USER_TOKEN_"),
                "facebook" => Some("TVARIT_META_PAGE_TOKEN_"),
                _ => None,
            };
            let token = match var {
                Some(prefix) => tvarit_config::read_secret(&format!("{prefix}{}", env_key(&a.handle)))?
                    .map(|t| t.expose_secret().to_owned()),
                None => None,
            };
            let account = Account { platform: a.platform.clone(), token, platform_id: a.platform_id.clone() };
            accounts.insert(a.handle.to_lowercase(), account);
        }
        Ok(Self {
            x: XClient::new(tvarit_platforms::http_client(), x_base),
            meta: MetaClient::new(tvarit_platforms::http_client(), meta_base),
            accounts,
        })
    }

    /// Why Tvarit cannot publish from this account, if it cannot: the
    /// target is then skipped with this reason instead of queued.
    pub fn cannot_post(&self, handle: &str) -> Option<String> {
        let Some(a) = self.accounts.get(&handle.to_lowercase()) else {
            return Some(format!("{handle} is not in the registry"));
        };
        match a.platform.as_str() {
            "youtube" => Some("YouTube has no API for community posts; post it by hand".into()),
            "x" | "facebook" if a.token.is_none() => {
                Some(format!("no {} token configured for {handle}; post it by hand", a.platform))
            }
            "facebook" if a.platform_id.is_none() => Some(format!("no Page id (platform_id) registered for {handle}")),
            "x" | "facebook" => None,
            other => Some(format!("Tvarit does not publish on {other}")),
        }
    }

    fn account(&self, handle: &str) -> Result<(&Account, &str), PlatformError> {
        let a = self.accounts.get(&handle.to_lowercase()).ok_or_else(|| refused(format!("unknown {handle}")))?;
        let token = a.token.as_deref().ok_or_else(|| refused(format!("no token for {handle}")))?;
        Ok((a, token))
    }

    fn page_id<'a>(a: &'a Account, handle: &str) -> Result<&'a str, PlatformError> {
        a.platform_id.as_deref().ok_or_else(|| refused(format!("no Page id registered for {handle}")))
    }

    fn x_posted(handle: &str, id: String) -> Posted {
        let at = snowflake_time(&id).filter(|t| (Utc::now() - *t).num_seconds().abs() < 300).unwrap_or_else(Utc::now);
        Posted { link: format!("https://x.com/{}/status/{id}", handle.trim_start_matches('@')), post_id: id, at }
    }

    fn meta_posted(id: String) -> Posted {
        Posted { link: format!("https://www.facebook.com/{id}"), post_id: id, at: Utc::now() }
    }

    pub async fn post(&self, handle: &str, text: &str) -> Result<Posted, PlatformError> {
        let (a, token) = self.account(handle)?;
        match a.platform.as_str() {
            "x" => Ok(Self::x_posted(handle, self.x.post(token, text).await?.id)),
            "facebook" => Ok(Self::meta_posted(self.meta.feed_post(token, Self::page_id(a, handle)?, text).await?.id)),
            other => Err(refused(format!("Tvarit does not publish on {other}"))),
        }
    }

    /// After a crash during the call: the post as published, if it was.
    /// `Ok(None)` means it was not, and it may be sent.
    pub async fn find_posted(&self, handle: &str, text: &str) -> Result<Option<Posted>, PlatformError> {
        let (a, token) = self.account(handle)?;
        match a.platform.as_str() {
            "x" => {
                let user_id = match &a.platform_id {
                    Some(id) => id.clone(),
                    None => self.x.user_by_username(token, handle).await?.id,
                };
                let posts = self.x.recent_posts(token, &user_id).await?;
                Ok(find_post(&posts, text).map(|t| Self::x_posted(handle, t.id.clone())))
            }
            "facebook" => {
                let posts = self.meta.page_posts(token, Self::page_id(a, handle)?).await?;
                Ok(find_page_post(&posts, text).map(|p| Self::meta_posted(p.id.clone())))
            }
            other => Err(refused(format!("cannot look on {other}; check by hand"))),
        }
    }

    pub async fn engagement(&self, handle: &str, post_id: &str) -> Result<Measured, PlatformError> {
        let (a, token) = self.account(handle)?;
        match a.platform.as_str() {
            "x" => {
                let found = self.x.public_metrics(token, &[post_id.to_owned()]).await?;
                let m = found.into_iter().find(|t| t.id == post_id).map(|t| t.public_metrics).unwrap_or_default();
                Ok(Measured {
                    likes: m.like_count,
                    reposts: m.retweet_count,
                    replies: m.reply_count,
                    quotes: m.quote_count,
                    impressions: m.impression_count,
                })
            }
            "facebook" => {
                let e = self.meta.post_engagement(token, post_id).await?;
                Ok(Measured { likes: e.reactions, reposts: e.shares, replies: e.comments, ..Default::default() })
            }
            other => Err(refused(format!("no engagement from {other}"))),
        }
    }
}
