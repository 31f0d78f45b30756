//! Delivering operators' replies to the platforms, at most once.
//!
//! A reply is claimed (`pending → sending`, attempt counted) and committed
//! before the platform is called; the outcome is recorded after. A process
//! killed during the call leaves the reply `sending`: on recovery Tvarit
//! looks on the platform for it and records it if found, and only if it is
//! not there sends again. Retryable failures wait (honouring the platform's
//! rate-limit reset); terminal ones are shown to the operator in the
//! platform's own words and the case stays open. A direct message to the
//! author (`private`) goes the same way through the platform's DM API.

mod private;
mod senders;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;
use tvarit_proto::v1::CaseEventKind;

pub use senders::{Outgoing, Senders, Sent, dm_capable, snowflake_time};

use crate::store::outbox::{self, Publisher};
use crate::store::{CASE_COLUMNS, CaseRow};

pub struct Deliverer {
    pub pool: PgPool,
    pub senders: Arc<Senders>,
    pub publisher: Publisher,
    /// A `sending` reply older than this was interrupted by a crash. Longer
    /// than any call may take (the HTTP client gives up after 30 s).
    pub in_flight_timeout: Duration,
    /// Accounts told to wait by a 429, until when.
    blocked: HashMap<String, Instant>,
}

/// How long a reply held by Tvarit itself waits before it is looked at
/// again (`accounts connect` releases it sooner).
const HELD_WAIT: Duration = Duration::from_secs(15);

fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(2u64.saturating_pow(attempts.clamp(0, 8) as u32)).min(Duration::from_secs(300))
}

impl Deliverer {
    pub fn new(pool: PgPool, senders: Arc<Senders>, publisher: Publisher, in_flight_timeout: Duration) -> Self {
        Self { pool, senders, publisher, in_flight_timeout, blocked: HashMap::new() }
    }

    pub async fn run(mut self, shutdown: CancellationToken) {
        let mut last_recovery: Option<Instant> = None;
        let every = (self.in_flight_timeout / 4).max(Duration::from_secs(1));
        loop {
            if last_recovery.is_none_or(|t| t.elapsed() >= every) {
                if let Err(e) = self.recover().await {
                    tracing::warn!(error = %e, "recovering interrupted replies");
                }
                last_recovery = Some(Instant::now());
            }
            let worked = match self.deliver_due().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "delivering replies");
                    false
                }
            };
            if worked {
                continue;
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.senders.woken() => {}
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
    }

    /// Claims due replies (committing `sending` first) and delivers them.
    async fn deliver_due(&mut self) -> anyhow::Result<usize> {
        let now = Instant::now();
        self.blocked.retain(|_, until| *until > now);
        let blocked: Vec<String> = self.blocked.keys().cloned().collect();
        let claimed: Vec<Outgoing> = sqlx::query_as(
            "UPDATE replies SET status = 'sending', attempts = attempts + 1, sending_started_at = now()
             WHERE id IN (SELECT id FROM replies
                          WHERE status = 'pending' AND next_attempt_at <= now() AND NOT (lower(account) = ANY($1))
                          ORDER BY id LIMIT 16 FOR UPDATE SKIP LOCKED)
             RETURNING id, case_id, operator, text, platform, account, in_reply_to, attempts, private, mention_media",
        )
        .bind(&blocked)
        .fetch_all(&self.pool)
        .await?;
        for r in &claimed {
            let outcome = self.senders.send(r).await;
            self.record(r, outcome).await?;
        }
        Ok(claimed.len())
    }

    /// Resolves replies left `sending` by a stopped process by looking on
    /// the platform; never sends blind.
    async fn recover(&mut self) -> anyhow::Result<()> {
        let stale: Vec<Outgoing> = sqlx::query_as(
            "SELECT id, case_id, operator, text, platform, account, in_reply_to, attempts, private, mention_media FROM replies
             WHERE status = 'sending' AND sending_started_at < now() - make_interval(secs => $1)",
        )
        .bind(self.in_flight_timeout.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        for r in stale {
            match self.senders.find_posted(&r).await {
                Ok(Some(sent)) => {
                    tracing::info!(reply = r.id, "interrupted reply was posted; recording it");
                    self.record(&r, Ok(sent)).await?;
                }
                Ok(None) => {
                    tracing::info!(reply = r.id, "interrupted reply was not posted; sending again");
                    sqlx::query("UPDATE replies SET status = 'pending', next_attempt_at = now() WHERE id = $1")
                        .bind(r.id)
                        .execute(&self.pool)
                        .await?;
                }
                // Tvarit cannot look yet (the account needs reconnecting): the
                // reply stays `sending`, never re-queued unseen; looked for again
                // at the next round, and the case says why it waits.
                Err(PlatformError::Retryable { platform: "tvarit", detail, .. }) => {
                    tracing::warn!(reply = r.id, %detail, "cannot look for an interrupted reply yet");
                    sqlx::query("UPDATE cases SET reply_error = $2 WHERE id = $1")
                        .bind(r.case_id)
                        .bind(&detail)
                        .execute(&self.pool)
                        .await?;
                }
                Err(e) => self.record(&r, Err(e)).await?,
            }
        }
        Ok(())
    }

    async fn record(&mut self, r: &Outgoing, outcome: Result<Sent, PlatformError>) -> anyhow::Result<()> {
        let outcome = match outcome {
            // X refuses the same text twice: on a retry that means the
            // earlier attempt was posted.
            Err(PlatformError::Terminal { ref detail, .. })
                if r.attempts > 1 && detail.contains("duplicate content") =>
            {
                Ok(Sent { reply_id: None, at: Utc::now() })
            }
            other => other,
        };
        let mut tx = self.pool.begin().await?;
        let returning = |sql: &str| sqlx::AssertSqlSafe(format!("{sql} RETURNING {CASE_COLUMNS}"));
        let (case, kind): (Option<CaseRow>, _) = match &outcome {
            Ok(sent) => {
                sqlx::query(
                    "UPDATE replies SET status = 'sent', platform_reply_id = $2, sent_at = $3, error = NULL WHERE id = $1",
                )
                .bind(r.id)
                .bind(&sent.reply_id)
                .bind(sent.at)
                .execute(&mut *tx)
                .await?;
                let case = sqlx::query_as(returning(
                    "UPDATE cases SET first_reply_at = LEAST(first_reply_at, $2), reply_status = 'sent',
                         reply_error = NULL WHERE id = $1",
                ))
                .bind(r.case_id)
                .bind(sent.at)
                .fetch_one(&mut *tx)
                .await?;
                metrics::counter!("tvarit_reply_sent_total", "platform" => r.platform.clone()).increment(1);
                (Some(case), CaseEventKind::Replied)
            }
            Err(PlatformError::Retryable { platform, retry_after, detail }) => {
                // Tvarit's own hold (the account needs reconnecting, its token
                // could not be renewed yet): no call was made, so the attempt
                // does not count, and reconnecting releases it at once.
                let held = *platform == "tvarit";
                let wait = if held { HELD_WAIT } else { retry_after.unwrap_or_default().max(backoff(r.attempts)) };
                if retry_after.is_some() && !held {
                    self.blocked.insert(r.account.to_lowercase(), Instant::now() + wait);
                }
                sqlx::query(
                    "UPDATE replies SET status = 'pending', error = $2, attempts = attempts - $4::int,
                         next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
                )
                .bind(r.id)
                .bind(detail)
                .bind(wait.as_secs_f64())
                .bind(i32::from(held))
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE cases SET reply_status = 'retrying', reply_error = $2 WHERE id = $1")
                    .bind(r.case_id)
                    .bind(detail)
                    .execute(&mut *tx)
                    .await?;
                metrics::counter!("tvarit_reply_send_retries_total", "platform" => r.platform.clone()).increment(1);
                (None, CaseEventKind::Unspecified)
            }
            Err(PlatformError::Terminal { detail, .. }) => {
                sqlx::query("UPDATE replies SET status = 'failed', error = $2 WHERE id = $1")
                    .bind(r.id)
                    .bind(detail)
                    .execute(&mut *tx)
                    .await?;
                let case = sqlx::query_as(returning(
                    "UPDATE cases SET reply_status = 'failed', reply_error = $2 WHERE id = $1",
                ))
                .bind(r.case_id)
                .bind(detail)
                .fetch_one(&mut *tx)
                .await?;
                metrics::counter!("tvarit_reply_send_failures_total", "platform" => r.platform.clone()).increment(1);
                (Some(case), CaseEventKind::ReplyFailed)
            }
        };
        let events = match case {
            Some(case) => outbox::record(&mut tx, kind, &r.operator, std::slice::from_ref(&case), None).await?,
            None => Vec::new(),
        };
        tx.commit().await?;
        if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        Ok(())
    }
}
