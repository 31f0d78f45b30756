//! Fan-out: every approved publication's targets, delivered each on its
//! own, at most once, on [`crate::worker`]'s loop.
//!
//! - Due targets (`queued`, `next_attempt_at` passed, publication approved)
//!   are claimed with `FOR UPDATE SKIP LOCKED` and marked `sending` with the
//!   attempt counted, and that is committed before the platform is called:
//!   two replicas never send the same target, and a crash leaves a trace.
//! - The schedule lives in the database (`next_attempt_at` is the scheduled
//!   time), so a restart loses nothing: the loop ticks every 250 ms and a
//!   post goes out within a tick of its time, late but once if no process ran.
//! - Targets are sent concurrently (a bounded pool), so one slow or failing
//!   account never holds the others. A 429 makes that account wait until
//!   the platform's reset; a 5xx or network error backs off; a refusal is
//!   recorded in the platform's words.
//! - A target left `sending` by a stopped process is looked up on the
//!   platform (X: the account's recent posts; Facebook: the Page's feed):
//!   recorded if found, queued again only if not. If the platform cannot be
//!   asked yet it stays `sending` (the reason in `last_error`) and is looked
//!   for again; if it will not let Tvarit look, it becomes `needs_check` for
//!   a person. Never re-sent blind.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::accounts::{Posted, PostingAccounts};
use super::store;
use crate::worker::{self, Failure, Job, Recovery, Retry, Settings, Worker};

/// A target claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    id: i64,
    publication_id: i64,
    account: String,
    attempts: i32,
}

/// The publication targets' delivery: [`Targets`] on the shared worker.
pub struct Fanout {
    worker: Worker<Targets>,
}

impl Fanout {
    /// `in_flight_timeout`: a `sending` target older than this was cut off
    /// by a crash.
    pub fn new(pool: PgPool, accounts: Arc<PostingAccounts>, wake: Arc<Notify>, in_flight_timeout: Duration) -> Self {
        let settings = Settings::platform(Duration::from_millis(250), in_flight_timeout);
        Self { worker: Worker::new(Targets { pool, accounts, wake }, settings) }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        self.worker.run(shutdown).await;
    }
}

pub struct Targets {
    pool: PgPool,
    accounts: Arc<PostingAccounts>,
    wake: Arc<Notify>,
}

impl Targets {
    /// The text to post; a database error holds the target (no call made).
    async fn body(&self, publication_id: i64) -> Result<String, Failure> {
        let read = async {
            let mut db = self.pool.acquire().await?;
            let p = store::get(&mut db, publication_id).await?.ok_or(sqlx::Error::RowNotFound)?;
            Ok::<_, sqlx::Error>(p.body())
        };
        read.await.map_err(|e| {
            tracing::warn!(error = %e, publication = publication_id, "publish: reading the post");
            Failure::Held { detail: "database unavailable".into() }
        })
    }
}

impl Job for Targets {
    type Item = Claimed;
    type Done = Posted;
    const NAME: &'static str = "publish";
    const RECOVERY: Recovery = Recovery::LookFirst;

    fn id(c: &Claimed) -> i64 {
        c.id
    }
    fn key(c: &Claimed) -> &str {
        &c.account
    }
    fn attempts(c: &Claimed) -> i32 {
        c.attempts
    }

    async fn claim(&self, limit: usize, blocked: &[String]) -> anyhow::Result<Vec<Claimed>> {
        let claimed = sqlx::query_as(
            "UPDATE publication_targets SET status = 'sending', attempts = attempts + 1, sending_started_at = now()
             WHERE id IN (
                 SELECT t.id FROM publication_targets t JOIN publications p ON p.id = t.publication_id
                 WHERE t.status = 'queued' AND t.next_attempt_at <= now() AND p.state = 'approved'
                   AND NOT (lower(t.account) = ANY($1))
                 ORDER BY t.next_attempt_at, t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED)
             RETURNING id, publication_id, account, attempts",
        )
        .bind(blocked)
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        Ok(claimed)
    }

    async fn call(&self, c: &Claimed) -> Result<Posted, Failure> {
        let text = self.body(c.publication_id).await?;
        match self.accounts.post(&c.account, &text).await {
            // X refuses the same text twice: on a later attempt an earlier
            // one was posted; find it for its id.
            Err(e) if worker::duplicate_on_retry(&e, c.attempts) => {
                match self.accounts.find_posted(&c.account, &text).await {
                    Ok(Some(p)) => Ok(p),
                    _ => Err(e.into()),
                }
            }
            other => other.map_err(Failure::from),
        }
    }

    async fn record_sent(&self, c: &Claimed, p: Posted) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE publication_targets SET status = 'sent', platform_post_id = $2, link = $3, sent_at = $4,
                 last_error = '' WHERE id = $1",
        )
        .bind(c.id)
        .bind(&p.post_id)
        .bind(&p.link)
        .bind(p.at)
        .execute(&self.pool)
        .await?;
        metrics::counter!("tvarit_publish_sent_total").increment(1);
        tracing::info!(target = c.id, account = %c.account, post = %p.post_id, "published");
        Ok(())
    }

    async fn record_retry(&self, c: &Claimed, retry: &Retry) -> anyhow::Result<()> {
        // Tvarit's own hold made no call: the attempt is taken back.
        sqlx::query(
            "UPDATE publication_targets SET status = 'queued', last_error = $2, attempts = attempts - $4::int,
                 next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
        )
        .bind(c.id)
        .bind(&retry.detail)
        .bind(retry.wait.as_secs_f64())
        .bind(i32::from(!retry.counted))
        .execute(&self.pool)
        .await?;
        metrics::counter!("tvarit_publish_retries_total").increment(1);
        Ok(())
    }

    async fn record_failed(&self, c: &Claimed, detail: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE publication_targets SET status = 'failed', last_error = $2 WHERE id = $1")
            .bind(c.id)
            .bind(detail)
            .execute(&self.pool)
            .await?;
        metrics::counter!("tvarit_publish_failures_total").increment(1);
        Ok(())
    }

    async fn woken(&self) {
        self.wake.notified().await;
    }

    async fn interrupted(&self, older_than: Duration) -> anyhow::Result<Vec<Claimed>> {
        let stale = sqlx::query_as(
            "SELECT id, publication_id, account, attempts FROM publication_targets
             WHERE status = 'sending' AND sending_started_at < now() - make_interval(secs => $1)",
        )
        .bind(older_than.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(stale)
    }

    async fn look(&self, c: &Claimed) -> Result<Option<Posted>, Failure> {
        let text = self.body(c.publication_id).await?;
        self.accounts.find_posted(&c.account, &text).await.map_err(Failure::from)
    }

    async fn requeue(&self, c: &Claimed) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE publication_targets SET status = 'queued', next_attempt_at = now() WHERE id = $1 AND status = 'sending'",
        )
        .bind(c.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stays `sending`; the console shows why it waits.
    async fn unresolved(&self, c: &Claimed, detail: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE publication_targets SET last_error = $2 WHERE id = $1 AND status = 'sending'")
            .bind(c.id)
            .bind(format!("the outcome was lost in a crash; cannot look on the platform yet ({detail})"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn needs_check(&self, c: &Claimed, detail: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE publication_targets SET status = 'needs_check', last_error = $2 WHERE id = $1 AND status = 'sending'",
        )
        .bind(c.id)
        .bind(format!(
            "the outcome was lost in a crash and the platform could not be asked ({detail}); check the account, then retry or leave it"
        ))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
