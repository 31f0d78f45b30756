//! Polling the comment threads of our YouTube channels
//! (`commentThreads.list?allThreadsRelatedToChannelId=`), within the
//! project's daily quota.
//!
//! YouTube has no `since_id`: threads come newest first, so each poll pages
//! until it reaches the checkpoint time. The checkpoint (`youtube-comments`
//! in the `checkpoints` table) is the newest `publishedAt` stored, plus the
//! ids of the comments published at that very second (`publishedAt` has
//! whole seconds, so several comments share one). It moves only after the
//! posts are stored and acknowledged. On first start it is set at the
//! newest comment without taking any old one. The channel's own comments
//! (its replies, its pinned notes) are not the public's and are dropped.
//!
//! Each page costs one quota unit; the wait between polls is chosen from
//! the pages the last poll used so that all channels together spend at
//! most [`POLL_SHARE`] of the daily quota, leaving the rest for replies
//! (50 units each). A `quotaExceeded` waits for the Pacific-midnight reset.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;
use tvarit_platforms::youtube::{CommentThread, YouTubeClient};
use tvarit_proto::v1::{Author, Post};
use tvarit_registry::{Account, Registry};

use super::checkpoints::{self, Checkpoint};
use crate::accept::Acceptor;
use crate::post_input::{Draft, build_post};

pub const SOURCE: &str = "youtube-comments";
pub const PLATFORM: &str = "youtube";
/// The share of the daily quota polling may spend; the rest is for replies.
pub const POLL_SHARE: f64 = 0.8;
/// Pages (of 100 threads) one poll reads at most.
pub const MAX_PAGES: u32 = 10;

/// The wait after a poll that read `pages` pages, so that `channels`
/// channels polled alike spend at most [`POLL_SHARE`] of `daily_quota`
/// units a day: `86400 × pages / (Q × 0.8 / N)` seconds.
pub fn poll_interval(daily_quota: u32, channels: usize, pages: u32) -> Duration {
    let per_channel = f64::from(daily_quota) * POLL_SHARE / channels.max(1) as f64;
    if per_channel < 1.0 {
        return Duration::from_secs(86_400);
    }
    Duration::from_secs_f64(86_400.0 * f64::from(pages.max(1)) / per_channel)
}

pub struct YouTubePoller {
    pub client: YouTubeClient,
    /// An API key (or an OAuth access token, `ya29.…`).
    pub api_key: String,
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

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("storing posts: {0}")]
    Accept(#[from] crate::accept::AcceptError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] sqlx::Error),
    #[error("account {0} has no platform_id (the channel id, UC…)")]
    NoChannel(String),
}

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollReport {
    /// Posts stored for the first time.
    pub new: usize,
    /// Pages read (quota units spent).
    pub pages: u32,
}

/// Where polling resumes: the newest `publishedAt` stored, and the ids of
/// the comments published at that second.
#[derive(Debug, Clone, PartialEq)]
pub struct YtCheckpoint {
    pub since: DateTime<Utc>,
    pub ids_at_since: Vec<String>,
}

impl YtCheckpoint {
    /// Before any comment: everything is newer.
    pub fn origin() -> Self {
        YtCheckpoint { since: DateTime::UNIX_EPOCH, ids_at_since: Vec::new() }
    }

    /// Stored in the shared table's text columns: `since_id` holds the
    /// time (RFC 3339), `overlap_since_id` the ids, comma-separated.
    pub fn to_row(&self, now: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            since_id: self.since.to_rfc3339_opts(SecondsFormat::Secs, true),
            overlap_since_id: self.ids_at_since.join(","),
            next_overlap_id: String::new(),
            overlap_set_at: now,
        }
    }

    pub fn from_row(row: &Checkpoint) -> Option<Self> {
        let since = DateTime::parse_from_rfc3339(&row.since_id).ok()?.with_timezone(&Utc);
        let ids = row.overlap_since_id.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Some(YtCheckpoint { since, ids_at_since: ids })
    }

    /// Whether a comment published at `at` with `id` is past the checkpoint.
    pub fn is_new(&self, at: DateTime<Utc>, id: &str) -> bool {
        at > self.since || (at == self.since && !self.ids_at_since.iter().any(|i| i == id))
    }

    /// The checkpoint after storing `seen` (time, id) comments.
    pub fn advance<'a>(&self, seen: impl IntoIterator<Item = (DateTime<Utc>, &'a str)>) -> YtCheckpoint {
        let mut next = self.clone();
        for (at, id) in seen {
            if at > next.since {
                next = YtCheckpoint { since: at, ids_at_since: vec![id.to_owned()] };
            } else if at == next.since && !next.ids_at_since.iter().any(|i| i == id) {
                next.ids_at_since.push(id.to_owned());
            }
        }
        next
    }
}

fn published(t: &CommentThread) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&t.snippet.top_level_comment.snippet.published_at).ok().map(|d| d.with_timezone(&Utc))
}

/// The new threads of one page (newest first), and whether paging may
/// stop: a thread older than the checkpoint with no replies means every
/// later one is older still (a thread with replies may be listed by its
/// latest activity, so it proves nothing), and so does a page with
/// nothing new on it.
pub fn select<'a>(cp: &YtCheckpoint, page: &'a [CommentThread]) -> (Vec<(&'a CommentThread, DateTime<Utc>)>, bool) {
    let mut new = Vec::new();
    let mut older_seen = false;
    for t in page {
        let Some(at) = published(t) else {
            tracing::warn!(thread = %t.id, "youtube comment without a readable publishedAt skipped");
            continue;
        };
        if cp.is_new(at, &t.snippet.top_level_comment.id) {
            new.push((t, at));
        } else if at < cp.since && t.snippet.total_reply_count == 0 {
            older_seen = true;
        }
    }
    let stop = older_seen || new.is_empty();
    (new, stop)
}

/// A top-level comment as a post draft, addressed to `account`.
pub fn draft(t: &CommentThread, account: &Account) -> Draft {
    let c = &t.snippet.top_level_comment;
    let author = c.author_channel().map(|id| Author {
        id: id.to_owned(),
        handle: c.snippet.author_display_name.clone(),
        name: c.snippet.author_display_name.clone(),
    });
    Draft {
        platform: PLATFORM.into(),
        post_id: c.id.clone(),
        text: c.snippet.text_original.clone(),
        mentions: vec![account.handle.clone()],
        author,
        created_at: DateTime::parse_from_rfc3339(&c.snippet.published_at).ok().map(|d| d.with_timezone(&Utc)),
        conversation_id: t.snippet.video_id.clone().or_else(|| c.snippet.video_id.clone()).unwrap_or_default(),
    }
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
            let page = self.client.comment_threads(&self.api_key, channel_id, None).await?;
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
            let page = self.client.comment_threads(&self.api_key, channel_id, token.as_deref()).await?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use tvarit_platforms::youtube::{ChannelRef, Comment, CommentSnippet, ThreadSnippet};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn thread(id: &str, at: &str, replies: u64, author: &str) -> CommentThread {
        CommentThread {
            id: id.into(),
            snippet: ThreadSnippet {
                channel_id: Some("UCours".into()),
                video_id: Some("vid00000001".into()),
                top_level_comment: Comment {
                    id: id.into(),
                    snippet: CommentSnippet {
                        text_original: format!("comment {id}"),
                        author_display_name: "@asha".into(),
                        author_channel_id: Some(ChannelRef { value: author.into() }),
                        published_at: at.into(),
                        ..Default::default()
                    },
                },
                total_reply_count: replies,
            },
        }
    }

    #[test]
    fn the_interval_keeps_polling_within_the_quota_share() {
        // 10,000 units, one channel, one page a poll: 8,000 polls a day.
        assert_eq!(poll_interval(10_000, 1, 1), Duration::from_secs_f64(10.8));
        // Four channels share it; a poll that read 3 pages waits 3 times as long.
        assert_eq!(poll_interval(10_000, 4, 3), Duration::from_secs_f64(129.6));
        // Polls at this pace for a day spend at most 80% of the quota.
        let per_day = 86_400.0 / poll_interval(10_000, 5, 1).as_secs_f64() * 5.0;
        assert!(per_day <= 8_000.0 + 1e-6, "{per_day}");
        assert_eq!(poll_interval(0, 1, 1), Duration::from_secs(86_400));
        assert_eq!(poll_interval(10_000, 0, 0), poll_interval(10_000, 1, 1));
    }

    #[test]
    fn the_checkpoint_round_trips_through_the_shared_table() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:15:42Z"), ids_at_since: vec!["UgzA".into(), "UgzB".into()] };
        let row = cp.to_row(Utc::now());
        assert_eq!(row.since_id, "2026-11-03T10:15:42Z");
        assert_eq!(row.overlap_since_id, "UgzA,UgzB");
        assert_eq!(YtCheckpoint::from_row(&row), Some(cp));
        let origin = YtCheckpoint::origin();
        assert_eq!(YtCheckpoint::from_row(&origin.to_row(Utc::now())), Some(origin));
        let x_row = Checkpoint::start("1860000000000000000", Utc::now());
        assert_eq!(YtCheckpoint::from_row(&x_row), None);
    }

    #[test]
    fn comments_in_the_checkpoints_second_are_told_apart_by_id() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:15:42Z"), ids_at_since: vec!["a".into()] };
        assert!(!cp.is_new(t("2026-11-03T10:15:42Z"), "a"));
        assert!(cp.is_new(t("2026-11-03T10:15:42Z"), "b"));
        assert!(cp.is_new(t("2026-11-03T10:15:43Z"), "a"));
        assert!(!cp.is_new(t("2026-11-03T10:15:41Z"), "c"));
        let next = cp.advance([(t("2026-11-03T10:15:42Z"), "b")]);
        assert_eq!(next.ids_at_since, ["a", "b"]);
        let later = next.advance([(t("2026-11-03T10:16:00Z"), "d"), (t("2026-11-03T10:16:00Z"), "e")]);
        assert_eq!(
            (later.since, later.ids_at_since.clone()),
            (t("2026-11-03T10:16:00Z"), vec!["d".into(), "e".into()])
        );
        // An older comment never moves it back.
        assert_eq!(later.advance([(t("2026-11-03T09:00:00Z"), "z")]), later);
    }

    #[test]
    fn paging_stops_at_the_checkpoint() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:00:00Z"), ids_at_since: vec!["c2".into()] };
        let page = [
            thread("c5", "2026-11-03T10:05:00Z", 0, "UCa"),
            thread("c3", "2026-11-03T10:00:00Z", 0, "UCa"),
            thread("c2", "2026-11-03T10:00:00Z", 0, "UCa"),
            thread("c1", "2026-11-03T09:00:00Z", 0, "UCa"),
        ];
        let (new, stop) = select(&cp, &page);
        assert_eq!(new.iter().map(|(t, _)| t.id.as_str()).collect::<Vec<_>>(), ["c5", "c3"]);
        assert!(stop);
        // An old thread that has replies may be listed by its latest reply:
        // it does not end the paging while new comments keep coming.
        let bumped = [thread("c9", "2026-11-03T10:09:00Z", 0, "UCa"), thread("c0", "2026-11-03T08:00:00Z", 4, "UCa")];
        let (new, stop) = select(&cp, &bumped);
        assert_eq!(new.len(), 1);
        assert!(!stop);
        let (none, stop) = select(&cp, &page[2..]);
        assert!(none.is_empty() && stop);
    }

    #[test]
    fn a_comment_becomes_a_post_for_the_channels_account() {
        let account = Account {
            platform: "youtube".into(),
            handle: "@PoliceRajasthanYT".into(),
            unit: "hq".into(),
            platform_id: Some("UCours".into()),
            sources: vec!["poll".into()],
        };
        let d = draft(&thread("UgzX", "2026-11-03T10:15:42Z", 0, "UCasha"), &account);
        assert_eq!(d.platform, "youtube");
        assert_eq!(d.post_id, "UgzX");
        assert_eq!(d.mentions, ["@PoliceRajasthanYT"]);
        assert_eq!(d.conversation_id, "vid00000001");
        assert_eq!(d.created_at, Some(t("2026-11-03T10:15:42Z")));
        assert_eq!(d.author.as_ref().map(|a| a.id.as_str()), Some("UCasha"));
        assert_eq!(d.text, "comment UgzX");
    }
}
