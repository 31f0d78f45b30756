//! Polling X's mentions timeline per account: page to the end, re-query an
//! overlap window for late-indexed posts, store before moving the
//! checkpoint, and sleep until `x-rate-limit-reset` on 429.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;
use tvarit_platforms::x::XClient;
use tvarit_platforms::x::types::{Timeline, Tweet};
use tvarit_proto::v1::{Author, Media, Post};
use tvarit_registry::{Account, Registry};

use super::PollError;
use super::checkpoints::{self, Checkpoint};
use crate::accept::Acceptor;
use crate::post_input::{Draft, build_post, mentions_in};

pub const SOURCE: &str = "x-mentions";
/// X keeps only the 800 most recent mentions reachable: 8 pages of 100.
const MAX_PAGES: usize = 8;

pub struct XPoller {
    pub client: XClient,
    pub app_bearer: SecretString,
    pub pool: PgPool,
    pub acceptor: Acceptor,
    pub registry: Registry,
    pub interval: Duration,
    pub overlap: chrono::Duration,
}

/// A tweet as a post draft; the author comes from `includes.users`.
pub fn draft(timeline: &Timeline, t: &Tweet) -> Draft {
    let author = timeline.author(t).map(|u| Author {
        id: u.id.clone(),
        handle: format!("@{}", u.username),
        name: u.name.clone(),
    });
    Draft {
        platform: "x".into(),
        post_id: t.id.clone(),
        text: t.text.clone(),
        mentions: mentions_in(&t.text),
        author,
        created_at: t.created_at.as_deref().and_then(|c| DateTime::parse_from_rfc3339(c).ok()).map(|c| c.into()),
        conversation_id: t.conversation_id.clone().unwrap_or_default(),
        media: timeline
            .media(t)
            .into_iter()
            .map(|m| Media {
                r#type: m.kind.clone(),
                url: m.url.clone().unwrap_or_default(),
                preview_url: m.preview_image_url.clone().unwrap_or_default(),
                alt_text: m.alt_text.clone().unwrap_or_default(),
            })
            .collect(),
        private: false,
    }
}

impl XPoller {
    /// Polls `account` until shutdown.
    pub async fn run(self, account: Account, shutdown: CancellationToken) {
        let mut user_id = account.platform_id.clone();
        loop {
            let wait = match self.tick(&account, &mut user_id).await {
                Ok(()) => self.interval,
                Err(PollError::Platform(PlatformError::Retryable { retry_after, detail, .. })) => {
                    tracing::warn!(account = %account.handle, %detail, "x mentions poll deferred");
                    metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "retryable")
                        .increment(1);
                    retry_after.unwrap_or(self.interval).max(self.interval)
                }
                Err(e) => {
                    tracing::error!(account = %account.handle, error = %e, "x mentions poll failed");
                    metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "failed")
                        .increment(1);
                    self.interval * 4
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn tick(&self, account: &Account, user_id: &mut Option<String>) -> Result<(), PollError> {
        let id = match user_id {
            Some(id) => id.clone(),
            None => {
                let user = self.client.user_by_username(self.app_bearer.expose_secret(), &account.handle).await?;
                user_id.insert(user.id).clone()
            }
        };
        self.poll_once(account, &id, Utc::now()).await.map(|_| ())
    }

    /// One poll; returns how many posts were new.
    pub async fn poll_once(&self, account: &Account, user_id: &str, now: DateTime<Utc>) -> Result<usize, PollError> {
        let store = Checkpointed { pool: &self.pool, acceptor: &self.acceptor, source: SOURCE, key: &account.handle };
        let fetch = |since: Option<String>, token: Option<String>, max: u8| {
            let (client, bearer) = (&self.client, self.app_bearer.expose_secret());
            async move { client.mentions(bearer, user_id, since.as_deref(), token.as_deref(), max).await }
        };
        store
            .poll(now, self.overlap, MAX_PAGES, 5, fetch, |posts, timeline, t| {
                self.push(posts, timeline, t, account, now)
            })
            .await
    }

    fn push(&self, posts: &mut Vec<Post>, timeline: &Timeline, t: &Tweet, account: &Account, now: DateTime<Utc>) {
        let mut d = draft(timeline, t);
        // Our own posts in our mentions (replies, threads) are not the public's.
        if d.author.as_ref().is_some_and(|a| self.registry.account(&a.handle).is_some()) {
            return;
        }
        // The timeline is this account's, even if the text's @ was elided.
        if !d.mentions.iter().any(|m| m.eq_ignore_ascii_case(&account.handle)) {
            d.mentions.push(account.handle.clone());
        }
        match build_post(d, &self.registry, now, SOURCE) {
            Ok(p) => posts.push(p),
            Err(e) => {
                tracing::warn!(post_id = %t.id, error = %e, "x mention skipped");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "invalid").increment(1);
            }
        }
    }
}

/// One X timeline read from a durable checkpoint (mentions of an account,
/// a district's recent search): every page after the checkpoint's overlap
/// start, the posts stored and acknowledged, and only then the checkpoint
/// moved, so a restart resumes without gaps. On first start it begins at
/// the newest post, without flooding the queue with old ones.
pub struct Checkpointed<'a> {
    pub pool: &'a PgPool,
    pub acceptor: &'a Acceptor,
    pub source: &'static str,
    /// The checkpoint's key (an account's handle, `watch:<unit>`).
    pub key: &'a str,
}

impl Checkpointed<'_> {
    /// `fetch(since_id, next_token, max_results)` reads one page; `push`
    /// turns a page's post into what is stored. Returns how many were new.
    #[allow(clippy::too_many_arguments)]
    pub async fn poll<F, Fut>(
        &self,
        now: DateTime<Utc>,
        overlap: chrono::Duration,
        max_pages: usize,
        first_page: u8,
        fetch: F,
        mut push: impl FnMut(&mut Vec<Post>, &Timeline, &Tweet),
    ) -> Result<usize, PollError>
    where
        F: Fn(Option<String>, Option<String>, u8) -> Fut,
        Fut: std::future::Future<Output = Result<tvarit_platforms::x::MentionsPage, PlatformError>>,
    {
        let Some(cp) = checkpoints::load(self.pool, self.source, self.key).await? else {
            let page = fetch(None, None, first_page).await?;
            let start = page.timeline.meta.newest_id.unwrap_or_else(|| "0".into());
            checkpoints::save(self.pool, self.source, self.key, &Checkpoint::start(&start, now)).await?;
            tracing::info!(source = self.source, key = self.key, since_id = %start, "x checkpoint started");
            return Ok(0);
        };
        let since = (cp.overlap_since_id != "0").then(|| cp.overlap_since_id.clone());
        let mut posts: Vec<Post> = Vec::new();
        let mut newest: Option<String> = None;
        let mut token: Option<String> = None;
        for _ in 0..max_pages {
            let page = fetch(since.clone(), token.take(), 100).await?;
            for t in &page.timeline.data {
                if newest.as_deref().is_none_or(|n| checkpoints::newer(&t.id, n)) {
                    newest = Some(t.id.clone());
                }
                push(&mut posts, &page.timeline, t);
            }
            token = page.timeline.meta.next_token.clone();
            if token.is_none() {
                break;
            }
        }
        let outcomes = self.acceptor.accept(&posts).await?;
        let new = outcomes.iter().filter(|o| **o == crate::accept::Outcome::New).count();
        // Stored and acknowledged: only now may the checkpoint move.
        let next = cp.advance(newest.as_deref(), now, overlap);
        if next != cp {
            checkpoints::save(self.pool, self.source, self.key, &next).await?;
        }
        metrics::counter!("tvarit_ingest_polled_total", "source" => self.source, "account" => self.key.to_owned())
            .increment(new as u64);
        Ok(new)
    }
}
