//! Which accounts Tvarit can post from, and the platform calls to do it.
//! Tokens come from the environment or files, never the repository:
//! `TVARIT_X_USER_TOKEN_<HANDLE>` (OAuth 2.0 user-context bearer) and
//! `TVARIT_META_PAGE_TOKEN_<HANDLE>`, where `<HANDLE>` is the handle
//! upper-cased without `@` (`@SP_Balotra` → `SP_BALOTRA`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tvarit_platforms::PlatformError;
use tvarit_platforms::meta::MetaClient;
use tvarit_platforms::x::{XClient, find_reply};
use tvarit_platforms::youtube::YouTubeClient;
use tvarit_registry::Registry;

/// A reply to deliver, as recorded before the call.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    pub id: i64,
    pub case_id: i64,
    pub operator: String,
    pub text: String,
    pub platform: String,
    pub account: String,
    pub in_reply_to: String,
    pub attempts: i32,
}

/// What the platform confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub reply_id: Option<String>,
    /// Platform time of the reply when it can be known, else when the
    /// platform answered.
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Senders {
    x: Option<XClient>,
    meta: Option<MetaClient>,
    /// Lowercase handle → token.
    x_tokens: HashMap<String, String>,
    meta_tokens: HashMap<String, String>,
    /// Lowercase handle → X user id, from the registry.
    x_ids: HashMap<String, String>,
    youtube: Option<YouTubeClient>,
    /// Lowercase handle → OAuth token of the channel (`youtube.force-ssl`).
    youtube_tokens: HashMap<String, String>,
    /// Lowercase handle → channel id (`UC…`), from the registry.
    youtube_ids: HashMap<String, String>,
    wake: Notify,
}

fn env_key(handle: &str) -> String {
    handle.trim_start_matches('@').to_uppercase()
}

/// X ids are snowflakes: milliseconds since X's epoch in the high bits.
pub fn snowflake_time(id: &str) -> Option<DateTime<Utc>> {
    let n: u64 = id.parse().ok()?;
    DateTime::from_timestamp_millis(((n >> 22) + 1_288_834_974_657) as i64)
}

/// YouTube's `publishedAt` (whole seconds), if it is near our clock; else now.
fn youtube_time(published_at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(published_at)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| (Utc::now() - *t).num_seconds().abs() < 300)
        .unwrap_or_else(Utc::now)
}

impl Senders {
    pub fn from_env(registry: &Registry, x_base: &str, meta_base: &str, youtube_base: &str) -> anyhow::Result<Self> {
        let mut s = Senders::default();
        for a in registry.accounts() {
            let handle = a.handle.to_lowercase();
            let token = |prefix: &str| tvarit_config::read_secret(&format!("{prefix}{}", env_key(&a.handle)));
            match a.platform.as_str() {
                "x" => {
                    if let Some(t) = token("TVARIT_X_USER_TOKEN_")? {
                        s.x_tokens.insert(handle.clone(), secrecy::ExposeSecret::expose_secret(&t).to_owned());
                    }
                    if let Some(id) = &a.platform_id {
                        s.x_ids.insert(handle, id.clone());
                    }
                }
                "facebook" | "instagram" => {
                    if let Some(t) = token("TVARIT_META_PAGE_TOKEN_")? {
                        s.meta_tokens.insert(handle, secrecy::ExposeSecret::expose_secret(&t).to_owned());
                    }
                }
                "youtube" => {
                    if let Some(t) = token("TVARIT_YOUTUBE_TOKEN_")? {
                        s.youtube_tokens.insert(handle.clone(), secrecy::ExposeSecret::expose_secret(&t).to_owned());
                    }
                    if let Some(id) = &a.platform_id {
                        s.youtube_ids.insert(handle, id.clone());
                    }
                }
                _ => {}
            }
        }
        if !s.x_tokens.is_empty() {
            s.x = Some(XClient::new(tvarit_platforms::http_client(), x_base));
        }
        if !s.meta_tokens.is_empty() {
            s.meta = Some(MetaClient::new(tvarit_platforms::http_client(), meta_base));
        }
        if !s.youtube_tokens.is_empty() {
            s.youtube = Some(YouTubeClient::new(tvarit_platforms::http_client(), youtube_base));
        }
        tracing::info!(x = s.x_tokens.len(), meta = s.meta_tokens.len(), "reply senders configured");
        Ok(s)
    }

    /// Whether Tvarit posts replies for this account itself.
    pub fn can_send(&self, platform: &str, account: &str) -> bool {
        let handle = account.to_lowercase();
        match platform {
            "x" => self.x_tokens.contains_key(&handle),
            "facebook" | "instagram" => self.meta_tokens.contains_key(&handle),
            "youtube" => self.youtube_tokens.contains_key(&handle),
            _ => false,
        }
    }

    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    fn unconfigured(platform: &str) -> PlatformError {
        PlatformError::Terminal { platform: "tvarit", status: 0, detail: format!("no sender for {platform}") }
    }

    pub async fn send(&self, r: &Outgoing) -> Result<Sent, PlatformError> {
        let handle = r.account.to_lowercase();
        match r.platform.as_str() {
            "x" => {
                let (Some(x), Some(token)) = (&self.x, self.x_tokens.get(&handle)) else {
                    return Err(Self::unconfigured("x"));
                };
                let created = x.reply(token, &r.in_reply_to, &r.text).await?;
                let at = snowflake_time(&created.id)
                    .filter(|t| (Utc::now() - *t).num_seconds().abs() < 300)
                    .unwrap_or_else(Utc::now);
                Ok(Sent { reply_id: Some(created.id), at })
            }
            "facebook" | "instagram" => {
                let (Some(meta), Some(token)) = (&self.meta, self.meta_tokens.get(&handle)) else {
                    return Err(Self::unconfigured(&r.platform));
                };
                let created = meta.reply(token, &r.in_reply_to, &r.text).await?;
                Ok(Sent { reply_id: Some(created.id), at: Utc::now() })
            }
            "youtube" => {
                let (Some(yt), Some(token)) = (&self.youtube, self.youtube_tokens.get(&handle)) else {
                    return Err(Self::unconfigured("youtube"));
                };
                let created = yt.reply(token, &r.in_reply_to, &r.text).await?;
                Ok(Sent { reply_id: Some(created.id), at: youtube_time(&created.published_at) })
            }
            other => Err(Self::unconfigured(other)),
        }
    }

    /// After a crash during the call: the reply as posted, if it was.
    /// `Ok(None)` means it was not posted and may be sent. A platform
    /// Tvarit cannot look on is an error: the reply must not be re-sent.
    pub async fn find_posted(&self, r: &Outgoing) -> Result<Option<Sent>, PlatformError> {
        let handle = r.account.to_lowercase();
        match (r.platform.as_str(), &self.x, self.x_tokens.get(&handle)) {
            ("x", Some(x), Some(token)) => {
                let user_id = match self.x_ids.get(&handle) {
                    Some(id) => id.clone(),
                    None => x.user_by_username(token, &r.account).await?.id,
                };
                let posts = x.recent_posts(token, &user_id).await?;
                Ok(find_reply(&posts, &r.in_reply_to, &r.text)
                    .map(|t| Sent { reply_id: Some(t.id.clone()), at: snowflake_time(&t.id).unwrap_or_else(Utc::now) }))
            }
            ("youtube", _, _) => {
                let (Some(yt), Some(token), Some(channel)) =
                    (&self.youtube, self.youtube_tokens.get(&handle), self.youtube_ids.get(&handle))
                else {
                    return Err(PlatformError::Terminal {
                        platform: "tvarit",
                        status: 0,
                        detail: format!(
                            "cannot check youtube for {}: no token or channel id; check by hand",
                            r.account
                        ),
                    });
                };
                let replies = yt.replies(token, &r.in_reply_to).await?;
                Ok(tvarit_platforms::youtube::find_reply(&replies, channel, &r.text)
                    .map(|c| Sent { reply_id: Some(c.id.clone()), at: youtube_time(&c.snippet.published_at) }))
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
