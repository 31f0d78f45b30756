//! Fan-out: every approved publication's targets, delivered each on its
//! own, at most once.
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
//!   asked it becomes `needs_check` for a person, never re-sent blind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;

use super::accounts::{Posted, PostingAccounts};
use super::store;

const TICK: Duration = Duration::from_millis(250);
/// Sends in flight at once, across accounts.
const POOL: usize = 8;

/// A target claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Claimed {
    id: i64,
    publication_id: i64,
    account: String,
    attempts: i32,
}

#[derive(Clone)]
pub struct Fanout {
    pool: PgPool,
    accounts: Arc<PostingAccounts>,
    wake: Arc<Notify>,
    /// A `sending` target older than this was cut off by a crash.
    in_flight_timeout: Duration,
    /// Lowercase handle → until when a 429 told it to wait.
    blocked: Arc<Mutex<HashMap<String, Instant>>>,
}

fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.clamp(1, 8) as u32)).min(Duration::from_secs(300))
}

impl Fanout {
    pub fn new(pool: PgPool, accounts: Arc<PostingAccounts>, wake: Arc<Notify>, in_flight_timeout: Duration) -> Self {
        Self { pool, accounts, wake, in_flight_timeout, blocked: Arc::default() }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let permits = Arc::new(Semaphore::new(POOL));
        let mut sends = JoinSet::new();
        let mut last_recovery: Option<Instant> = None;
        let every = (self.in_flight_timeout / 4).max(Duration::from_secs(1));
        loop {
            while sends.try_join_next().is_some() {}
            if last_recovery.is_none_or(|t| t.elapsed() >= every) {
                if let Err(e) = self.recover().await {
                    tracing::warn!(error = %e, "publish: recovering interrupted targets");
                }
                last_recovery = Some(Instant::now());
            }
            let free = permits.available_permits();
            if free > 0 {
                match self.claim(free).await {
                    Ok(claimed) => {
                        for c in claimed {
                            let Ok(permit) = permits.clone().acquire_owned().await else { break };
                            let me = self.clone();
                            sends.spawn(async move {
                                me.deliver(c).await;
                                drop(permit);
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "publish: claiming due targets"),
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(TICK) => {}
            }
        }
        // Let calls in flight finish and be recorded; a hard stop is what
        // recovery is for.
        let _ =
            tokio::time::timeout(Duration::from_secs(10), async { while sends.join_next().await.is_some() {} }).await;
    }

    fn blocked_now(&self) -> Vec<String> {
        let now = Instant::now();
        let mut b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        b.retain(|_, until| *until > now);
        b.keys().cloned().collect()
    }

    async fn claim(&self, limit: usize) -> Result<Vec<Claimed>, sqlx::Error> {
        sqlx::query_as(
            "UPDATE publication_targets SET status = 'sending', attempts = attempts + 1, sending_started_at = now()
             WHERE id IN (
                 SELECT t.id FROM publication_targets t JOIN publications p ON p.id = t.publication_id
                 WHERE t.status = 'queued' AND t.next_attempt_at <= now() AND p.state = 'approved'
                   AND NOT (lower(t.account) = ANY($1))
                 ORDER BY t.next_attempt_at, t.id LIMIT $2 FOR UPDATE OF t SKIP LOCKED)
             RETURNING id, publication_id, account, attempts",
        )
        .bind(self.blocked_now())
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await
    }

    async fn body(&self, publication_id: i64) -> Result<String, sqlx::Error> {
        let mut db = self.pool.acquire().await?;
        let p = store::get(&mut db, publication_id).await?.ok_or(sqlx::Error::RowNotFound)?;
        Ok(p.body())
    }

    async fn deliver(&self, c: Claimed) {
        let outcome = match self.body(c.publication_id).await {
            Ok(text) => {
                let sent = self.accounts.post(&c.account, &text).await;
                // X refuses the same text twice: on a later attempt that
                // means an earlier one was posted; find it for its id.
                match sent {
                    Err(PlatformError::Terminal { ref detail, .. })
                        if c.attempts > 1 && detail.contains("duplicate content") =>
                    {
                        match self.accounts.find_posted(&c.account, &text).await {
                            Ok(Some(p)) => Ok(p),
                            _ => sent,
                        }
                    }
                    other => other,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, target = c.id, "publish: reading the post");
                Err(PlatformError::Retryable {
                    platform: "tvarit",
                    detail: "database unavailable".into(),
                    retry_after: None,
                })
            }
        };
        if let Err(e) = self.record(&c, outcome).await {
            // Left `sending`: recovery looks on the platform.
            tracing::warn!(error = %e, target = c.id, "publish: recording an outcome");
        }
    }

    async fn record(&self, c: &Claimed, outcome: Result<Posted, PlatformError>) -> Result<(), sqlx::Error> {
        match outcome {
            Ok(p) => {
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
            }
            Err(PlatformError::Retryable { retry_after, detail, .. }) => {
                let wait = retry_after.unwrap_or_default().max(backoff(c.attempts));
                if retry_after.is_some() {
                    let until = Instant::now() + wait;
                    self.blocked.lock().unwrap_or_else(|e| e.into_inner()).insert(c.account.to_lowercase(), until);
                }
                sqlx::query(
                    "UPDATE publication_targets SET status = 'queued', last_error = $2,
                         next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
                )
                .bind(c.id)
                .bind(&detail)
                .bind(wait.as_secs_f64())
                .execute(&self.pool)
                .await?;
                metrics::counter!("tvarit_publish_retries_total").increment(1);
                tracing::info!(target = c.id, account = %c.account, %detail, wait_s = wait.as_secs_f64(), "publish: retrying later");
            }
            Err(PlatformError::Terminal { detail, .. }) => {
                sqlx::query("UPDATE publication_targets SET status = 'failed', last_error = $2 WHERE id = $1")
                    .bind(c.id)
                    .bind(&detail)
                    .execute(&self.pool)
                    .await?;
                metrics::counter!("tvarit_publish_failures_total").increment(1);
                tracing::warn!(target = c.id, account = %c.account, %detail, "publish: refused");
            }
        }
        Ok(())
    }

    /// Resolves targets a stopped process left `sending`.
    async fn recover(&self) -> Result<(), sqlx::Error> {
        let stale: Vec<Claimed> = sqlx::query_as(
            "SELECT id, publication_id, account, attempts FROM publication_targets
             WHERE status = 'sending' AND sending_started_at < now() - make_interval(secs => $1)",
        )
        .bind(self.in_flight_timeout.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        for c in stale {
            let text = self.body(c.publication_id).await?;
            match self.accounts.find_posted(&c.account, &text).await {
                Ok(Some(p)) => {
                    tracing::info!(target = c.id, account = %c.account, "interrupted post was published; recording it");
                    self.record(&c, Ok(p)).await?;
                }
                Ok(None) => {
                    tracing::info!(target = c.id, account = %c.account, "interrupted post was not published; queueing it");
                    sqlx::query(
                        "UPDATE publication_targets SET status = 'queued', next_attempt_at = now()
                         WHERE id = $1 AND status = 'sending'",
                    )
                    .bind(c.id)
                    .execute(&self.pool)
                    .await?;
                }
                // Try the lookup again on the next round.
                Err(e @ PlatformError::Retryable { .. }) => {
                    tracing::info!(target = c.id, error = %e, "publish: cannot look on the platform yet");
                }
                Err(PlatformError::Terminal { detail, .. }) => {
                    sqlx::query(
                        "UPDATE publication_targets SET status = 'needs_check', last_error = $2
                         WHERE id = $1 AND status = 'sending'",
                    )
                    .bind(c.id)
                    .bind(format!("the outcome was lost in a crash and the platform could not be asked ({detail}); check the account, then retry or leave it"))
                    .execute(&self.pool)
                    .await?;
                }
            }
        }
        Ok(())
    }
}
