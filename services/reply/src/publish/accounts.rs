//! The accounts Tvarit publishes from and the platform calls to do it:
//! X `POST /2/tweets` with the account's user token, a Facebook Page's
//! `POST /{page-id}/feed` with its Page token. Credentials are the reply
//! senders' ([`crate::accounts::Credentials`]: connected and renewed, or
//! from the environment; docs/platforms.md). YouTube has no API for community posts: its targets
//! are skipped with that reason.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tvarit_platforms::PlatformError;
use tvarit_platforms::meta::MetaClient;
use tvarit_platforms::meta::publish::find_page_post;
use tvarit_platforms::x::publish::find_post;
use tvarit_platforms::x::{UserAuth, XClient};
use tvarit_registry::Registry;

use crate::accounts::Credentials;
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
    /// X user id or Facebook Page id, from the registry.
    platform_id: Option<String>,
}

pub struct PostingAccounts {
    x: XClient,
    meta: MetaClient,
    creds: Arc<Credentials>,
    /// Lowercase handle → account.
    accounts: HashMap<String, Account>,
}

fn refused(detail: String) -> PlatformError {
    PlatformError::Terminal { platform: "tvarit", status: 0, detail }
}

impl PostingAccounts {
    pub fn new(creds: Arc<Credentials>, registry: &Registry, x_base: &str, meta_base: &str) -> Self {
        let accounts = registry
            .accounts()
            .map(|a| {
                (a.handle.to_lowercase(), Account { platform: a.platform.clone(), platform_id: a.platform_id.clone() })
            })
            .collect();
        Self {
            x: XClient::new(tvarit_platforms::http_client(), x_base),
            meta: MetaClient::new(tvarit_platforms::http_client(), meta_base),
            creds,
            accounts,
        }
    }

    /// Why Tvarit cannot publish from this account, if it cannot: the
    /// target is then skipped with this reason instead of queued.
    pub fn cannot_post(&self, handle: &str) -> Option<String> {
        let Some(a) = self.accounts.get(&handle.to_lowercase()) else {
            return Some(format!("{handle} is not in the registry"));
        };
        match a.platform.as_str() {
            "youtube" => Some("YouTube has no API for community posts; post it by hand".into()),
            "x" | "facebook" if !self.creds.can_send(&a.platform, handle) => {
                Some(format!("no {} token configured for {handle}; post it by hand", a.platform))
            }
            "facebook" if a.platform_id.is_none() => Some(format!("no Page id (platform_id) registered for {handle}")),
            "x" | "facebook" => None,
            other => Some(format!("Tvarit does not publish on {other}")),
        }
    }

    fn account(&self, handle: &str) -> Result<&Account, PlatformError> {
        self.accounts.get(&handle.to_lowercase()).ok_or_else(|| refused(format!("unknown {handle}")))
    }

    /// The account's X credential (a stored one renewed first if near its end).
    async fn x_auth(&self, handle: &str) -> Result<UserAuth, PlatformError> {
        Ok(self.creds.x(handle).await?.auth)
    }

    fn page_token(&self, handle: &str) -> Result<&str, PlatformError> {
        self.creds.meta(handle).ok_or_else(|| refused(format!("no token for {handle}")))
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
        let a = self.account(handle)?;
        match a.platform.as_str() {
            "x" => {
                let created = self.creds.with_x(handle, |auth| async move { self.x.post(&auth, text).await }).await?;
                Ok(Self::x_posted(handle, created.id))
            }
            "facebook" => {
                let created = self.meta.feed_post(self.page_token(handle)?, Self::page_id(a, handle)?, text).await?;
                Ok(Self::meta_posted(created.id))
            }
            other => Err(refused(format!("Tvarit does not publish on {other}"))),
        }
    }

    /// After a crash during the call: the post as published, if it was.
    /// `Ok(None)` means it was not, and it may be sent.
    pub async fn find_posted(&self, handle: &str, text: &str) -> Result<Option<Posted>, PlatformError> {
        let a = self.account(handle)?;
        match a.platform.as_str() {
            "x" => {
                let user_id = match &a.platform_id {
                    Some(id) => id.clone(),
                    None => self.x.user_by_username_as(&self.x_auth(handle).await?, handle).await?.id,
                };
                let posts = self
                    .creds
                    .with_x(handle, |auth| {
                        let user_id = user_id.clone();
                        async move { self.x.recent_posts(&auth, &user_id).await }
                    })
                    .await?;
                Ok(find_post(&posts, text).map(|t| Self::x_posted(handle, t.id.clone())))
            }
            "facebook" => {
                let posts = self.meta.page_posts(self.page_token(handle)?, Self::page_id(a, handle)?).await?;
                Ok(find_page_post(&posts, text).map(|p| Self::meta_posted(p.id.clone())))
            }
            other => Err(refused(format!("cannot look on {other}; check by hand"))),
        }
    }

    pub async fn engagement(&self, handle: &str, post_id: &str) -> Result<Measured, PlatformError> {
        let a = self.account(handle)?;
        match a.platform.as_str() {
            "x" => {
                let ids = &[post_id.to_owned()];
                let found =
                    self.creds.with_x(handle, |auth| async move { self.x.public_metrics(&auth, ids).await }).await?;
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
                let e = self.meta.post_engagement(self.page_token(handle)?, post_id).await?;
                Ok(Measured { likes: e.reactions, reposts: e.shares, replies: e.comments, ..Default::default() })
            }
            other => Err(refused(format!("no engagement from {other}"))),
        }
    }
}
