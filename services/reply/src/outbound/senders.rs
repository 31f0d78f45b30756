//! The platform calls that deliver a reply, as the account it answers
//! from. Credentials come from [`crate::accounts::Credentials`]: a stored
//! OAuth 2.0 credential renewed before it ends, else the environment's
//! (`TVARIT_X_USER_TOKEN_<HANDLE>`, OAuth 1.0a keys, Page and channel
//! tokens). A stored access token the platform refuses (401) is renewed
//! and the call made once more: a 401 means nothing was posted.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tvarit_platforms::PlatformError;
use tvarit_platforms::meta::MetaClient;
use tvarit_platforms::x::{XClient, find_reply};
use tvarit_platforms::youtube::YouTubeClient;
use tvarit_registry::Registry;

use crate::accounts::Credentials;

/// A reply to deliver, as recorded before the call.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub case_id: i64,
    pub operator: String,
    pub text: String,
    pub platform: String,
    pub account: String,
    /// The post answered, or for a direct message the person's platform id.
    pub in_reply_to: String,
    pub attempts: i32,
    /// A direct message to the author, not a public reply.
    pub private: bool,
    /// An Instagram @mention's media: answered through `/{ig-user-id}/mentions`.
    pub mention_media: Option<String>,
}

/// Platforms whose direct messages Tvarit reads and answers.
pub fn dm_capable(platform: &str) -> bool {
    matches!(platform, "x" | "facebook" | "instagram")
}

/// What the platform confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub reply_id: Option<String>,
    /// Platform time of the reply when it can be known, else when the
    /// platform answered.
    pub at: DateTime<Utc>,
}

pub struct Senders {
    pub(super) creds: Arc<Credentials>,
    pub(super) x: XClient,
    pub(super) meta: MetaClient,
    youtube: YouTubeClient,
    registry: Registry,
    wake: Notify,
}

/// X ids are snowflakes: milliseconds since X's epoch in the high bits.
pub fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
    let n: u64 = id.parse().ok()?;
    DateTime::from_timestamp_millis(((n >> 22) + 1_288_834_974_657) as i64)
}

/// A platform's time of a reply if it is near our clock; else now.
fn near_now(parsed: Option<DateTime<chrono::FixedOffset>>) -> DateTime<Utc> {
    parsed
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| (Utc::now() - *t).num_seconds().abs() < 300)
        .unwrap_or_else(Utc::now)
}

/// YouTube's `publishedAt` (RFC 3339, whole seconds).
fn youtube_time(published_at: &str) -> DateTime<Utc> {
    near_now(DateTime::parse_from_rfc3339(published_at).ok())
}

/// Graph's `2026-11-03T10:15:42+0000`.
fn graph_time(timestamp: &str) -> DateTime<Utc> {
    near_now(DateTime::parse_from_str(timestamp, "%Y-%m-%dT%H:%M:%S%z").ok())
}

impl Senders {
    pub fn new(creds: Arc<Credentials>, registry: Registry, x_base: &str, meta_base: &str, youtube_base: &str) -> Self {
        let http = tvarit_platforms::http_client;
        Senders {
            creds,
            x: XClient::new(http(), x_base),
            meta: MetaClient::new(http(), meta_base),
            youtube: YouTubeClient::new(http(), youtube_base),
            registry,
            wake: Notify::new(),
        }
    }

    /// Whether Tvarit posts replies for this account itself.
    pub fn can_send(&self, platform: &str, account: &str) -> bool {
        matches!(platform, "x" | "facebook" | "instagram" | "youtube") && self.creds.can_send(platform, account)
    }

    pub(super) fn platform_id(&self, account: &str) -> Option<String> {
        self.registry.account(account).and_then(|a| a.platform_id.clone())
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    pub(super) fn unconfigured(platform: &str) -> PlatformError {
        PlatformError::Terminal { platform: "tvarit", status: 0, detail: format!("no sender for {platform}") }
    }

    pub async fn send(&self, r: &Outgoing) -> Result<Sent, PlatformError> {
        if r.private {
            return self.send_private(r).await;
        }
        match r.platform.as_str() {
            "x" => {
                let created = self
                    .creds
                    .with_x(&r.account, |auth| async move { self.x.reply(&auth, &r.in_reply_to, &r.text).await })
                    .await?;
                let at = snowflake_time(&created.id)
                    .filter(|t| (Utc::now() - *t).num_seconds().abs() < 300)
                    .unwrap_or_else(Utc::now);
                Ok(Sent { reply_id: Some(created.id), at })
            }
            "facebook" => {
                let Some(token) = self.creds.meta(&r.account) else { return Err(Self::unconfigured(&r.platform)) };
                let created = self.meta.reply(token, &r.in_reply_to, &r.text).await?;
                Ok(Sent { reply_id: Some(created.id), at: Utc::now() })
            }
            // Instagram answers a comment through its own endpoint, not /comments.
            "instagram" => {
                let Some(token) = self.creds.meta(&r.account) else { return Err(Self::unconfigured(&r.platform)) };
                let created = match &r.mention_media {
                    // On someone else's media, as the account they @mentioned; a
                    // caption's mention has no comment to answer under.
                    Some(media) => {
                        let Some(account_id) = self.platform_id(&r.account) else {
                            return Err(Self::unconfigured("instagram mentions without a platform_id"));
                        };
                        let comment = (r.in_reply_to != *media).then_some(r.in_reply_to.as_str());
                        self.meta.reply_mention(token, &account_id, media, comment, &r.text).await?
                    }
                    None => self.meta.reply_instagram(token, &r.in_reply_to, &r.text).await?,
                };
                Ok(Sent { reply_id: Some(created.id), at: Utc::now() })
            }
            "youtube" => {
                let created = self
                    .creds
                    .with_youtube(&r.account, |token| async move {
                        self.youtube.reply(&token, &r.in_reply_to, &r.text).await
                    })
                    .await?;
                Ok(Sent { reply_id: Some(created.id), at: youtube_time(&created.published_at) })
            }
            other => Err(Self::unconfigured(other)),
        }
    }

    /// After a crash during the call: the reply as posted, if it was.
    /// `Ok(None)` means it was not posted and may be sent. A platform
    /// Tvarit cannot look on is an error: the reply must not be re-sent.
    pub async fn find_posted(&self, r: &Outgoing) -> Result<Option<Sent>, PlatformError> {
        if r.private {
            return self.find_private(r).await;
        }
        match r.platform.as_str() {
            "x" => {
                let user_id = match self.platform_id(&r.account) {
                    Some(id) => id,
                    None => {
                        self.creds
                            .with_x(
                                &r.account,
                                |auth| async move { self.x.user_by_username_as(&auth, &r.account).await },
                            )
                            .await?
                            .id
                    }
                };
                let posts = self
                    .creds
                    .with_x(&r.account, |auth| {
                        let user_id = user_id.clone();
                        async move { self.x.recent_posts(&auth, &user_id).await }
                    })
                    .await?;
                Ok(find_reply(&posts, &r.in_reply_to, &r.text)
                    .map(|t| Sent { reply_id: Some(t.id.clone()), at: snowflake_time(&t.id).unwrap_or_else(Utc::now) }))
            }
            "youtube" => {
                let Some(channel) = self.platform_id(&r.account) else {
                    return Err(PlatformError::Terminal {
                        platform: "tvarit",
                        status: 0,
                        detail: format!(
                            "cannot check youtube for {}: no channel id registered; check by hand",
                            r.account
                        ),
                    });
                };
                let replies = self
                    .creds
                    .with_youtube(&r.account, |token| async move { self.youtube.replies(&token, &r.in_reply_to).await })
                    .await?;
                Ok(tvarit_platforms::youtube::find_reply(&replies, &channel, &r.text)
                    .map(|c| Sent { reply_id: Some(c.id.clone()), at: youtube_time(&c.snippet.published_at) }))
            }
            "instagram" if r.mention_media.is_some() => Err(PlatformError::Terminal {
                platform: "tvarit",
                status: 0,
                detail: "cannot list the replies on another account's media; check the mention by hand".into(),
            }),
            "instagram" => {
                let Some(token) = self.creds.meta(&r.account) else { return Err(Self::unconfigured(&r.platform)) };
                let replies = self.meta.instagram_replies(token, &r.in_reply_to).await?;
                let username = r.account.trim_start_matches('@');
                Ok(replies
                    .iter()
                    .find(|c| c.username.eq_ignore_ascii_case(username) && c.text.trim() == r.text.trim())
                    .map(|c| Sent { reply_id: Some(c.id.clone()), at: graph_time(&c.timestamp) }))
            }
            _ => Err(PlatformError::Terminal {
                platform: "tvarit",
                status: 0,
                detail: format!("cannot check {} for a reply already posted; check by hand", r.platform),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_carry_their_time() {
        // (id >> 22) + 1288834974657 ms = 2018-11-09T20:46:22.670Z.
        let t = snowflake_time("1060997045474574338").unwrap();
        assert_eq!(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), "2018-11-09T20:46:22.670Z");
        assert!(snowflake_time("not a number").is_none());
    }
}
