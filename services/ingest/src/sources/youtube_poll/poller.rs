//! The polling loop of one channel: read pages of comment threads until
//! the checkpoint, store the public's comments, and only then move the
//! checkpoint. A retryable refusal (rate limit, spent quota) defers the
//! next poll; the first poll of a channel only sets the checkpoint.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;
use tvarit_platforms::youtube::{CommentThread, YouTubeClient};
use tvarit_proto::v1::Post;
use tvarit_registry::{Account, Registry};

use super::threads::published;
use super::{PLATFORM, PollError, PollReport, SOURCE, YtCheckpoint, draft, poll_interval, select};
use crate::accept::Acceptor;
use crate::post_input::build_post;
use crate::sources::checkpoints;

pub struct YouTubePoller {
    pub client: YouTubeClient,
    /// An API key (or an OAuth access token, `ya29.…`).
    pub api_key: SecretString,
    pub pool: PgPool,
    pub acceptor: Acceptor,
    pub registry: Registry,
    /// The project's quota units per day.
    pub daily_quota: u32,
    /// How many channels share that quota.
    pub channels: usize,
    /// Never poll more often than this, whatever the quota allows.
    pub min_interval: Duration,
    pub max_pages: u32,
}

impl YouTubePoller {
    /// The wait after a poll that read `pages` pages.
    pub fn interval(&self, pages: u32) -> Duration {
        poll_interval(self.daily_quota, self.channels, pages).max(self.min_interval)
    }

    /// Polls `account` until shutdown.
    pub async fn run(self, account: Account, shutdown: CancellationToken) {
        let Some(channel) = account.platform_id.clone() else {
            tracing::error!(account = %account.handle, "youtube account has no platform_id (channel id); not polled");
            return;
        };
        loop {
            let wait = match self.poll_once(&account, &channel, Utc::now()).await {
                Ok(report) => self.interval(report.pages),
                Err(PollError::Platform(PlatformError::Retryable { retry_after, detail, .. })) => {
                    tracing::warn!(account = %account.handle, %detail, "youtube comments poll deferred");
                    metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "retryable")
                        .increment(1);
                    retry_after.unwrap_or_default().max(self.interval(1))
                }
                Err(e) => {
                    tracing::error!(account = %account.handle, error = %e, "youtube comments poll failed");
                    metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "failed")
                        .increment(1);
                    self.interval(1) * 4
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// One poll of `channel_id` for `account`.
    pub async fn poll_once(
        &self,
        account: &Account,
        channel_id: &str,
        now: DateTime<Utc>,
    ) -> Result<PollReport, PollError> {
        if channel_id.is_empty() {
            return Err(PollError::NoChannel(account.handle.clone()));
        }
        let row = checkpoints::load(&self.pool, SOURCE, &account.handle).await?;
        let Some(cp) = row.as_ref().and_then(YtCheckpoint::from_row) else {
            if row.is_some() {
                tracing::warn!(account = %account.handle, "unreadable youtube checkpoint; starting again at the newest comment");
            }
            // First start: begin at the newest comment, without flooding the
            // queue with old ones.
            let page = self.client.comment_threads(self.api_key.expose_secret(), channel_id, None).await?;
            let start = YtCheckpoint::origin().advance(
                page.items.iter().filter_map(|t| Some((published(t)?, t.snippet.top_level_comment.id.as_str()))),
            );
            checkpoints::save(&self.pool, SOURCE, &account.handle, &start.to_row(now)).await?;
            tracing::info!(account = %account.handle, since = %start.since, "youtube comments checkpoint started");
            return Ok(PollReport { new: 0, pages: 1 });
        };

        let mut threads: Vec<(CommentThread, DateTime<Utc>)> = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = self.client.comment_threads(self.api_key.expose_secret(), channel_id, token.as_deref()).await?;
            pages += 1;
            let (new, stop) = select(&cp, &page.items);
            threads.extend(new.into_iter().map(|(t, at)| (t.clone(), at)));
            token = page.next_page_token;
            if stop || token.is_none() {
                break;
            }
            if pages >= self.max_pages.max(1) {
                tracing::warn!(account = %account.handle, pages, "more new youtube comments than one poll reads; older ones are skipped");
                break;
            }
        }

        let mut posts: Vec<Post> = Vec::new();
        for (t, _) in &threads {
            let author = t.snippet.top_level_comment.author_channel();
            // Our own channels' comments are not the public's.
            if author.is_some_and(|a| a == channel_id || self.registry.account_by_platform_id(PLATFORM, a).is_some()) {
                continue;
            }
            match build_post(draft(t, account), &self.registry, now, SOURCE) {
                Ok(p) => posts.push(p),
                Err(e) => {
                    tracing::warn!(comment_id = %t.id, error = %e, "youtube comment skipped");
                    metrics::counter!("tvarit_ingest_rejected_total", "reason" => "invalid").increment(1);
                }
            }
        }
        let outcomes = self.acceptor.accept(&posts).await?;
        let new = outcomes.iter().filter(|o| **o == crate::accept::Outcome::New).count();
        // Stored and acknowledged: only now may the checkpoint move.
        let next = cp.advance(threads.iter().map(|(t, at)| (*at, t.snippet.top_level_comment.id.as_str())));
        if next != cp {
            checkpoints::save(&self.pool, SOURCE, &account.handle, &next.to_row(now)).await?;
        }
        metrics::counter!("tvarit_ingest_polled_total", "source" => SOURCE, "account" => account.handle.clone())
            .increment(new as u64);
        Ok(PollReport { new, pages })
    }
}
