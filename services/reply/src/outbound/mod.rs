//! Delivering operators' replies to the platforms, at most once.
//!
//! The loop is [`crate::worker`]'s; this is the replies' part of it. A
//! reply is claimed (`pending → sending`, attempt counted) and committed
//! before the platform is called; the outcome is recorded after, with the
//! case and its event in one transaction. A process killed during the call
//! leaves the reply `sending`: on recovery Tvarit looks on the platform for
//! it and records it if found, and only if it is not there sends again; if
//! the platform cannot be asked yet it stays `sending` and the case says
//! why, and if it will not let Tvarit look the reply is `failed` with that
//! said, for the operator to check and decide. Retryable failures wait
//! (honouring the platform's rate-limit reset); terminal ones are shown to
//! the operator in the platform's own words and the case stays open. A
//! direct message to the author (`private`) goes the same way through the
//! platform's DM API.

mod private;
mod senders;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::{PgPool, Postgres, Transaction};
use tokio_util::sync::CancellationToken;
use tvarit_proto::v1::CaseEventKind;

pub use senders::{Outgoing, Senders, Sent, dm_capable, snowflake_time};

use crate::store::outbox::{self, Publisher};
use crate::store::{CaseRow, returning};
use crate::worker::{self, Failure, Job, Recovery, Retry, Settings, Worker};

/// Delivers operators' replies: [`Replies`] on the shared worker.
pub struct Deliverer {
    worker: Worker<Replies>,
}

const COLUMNS: &str = "id, case_id, operator, text, platform, account, in_reply_to, attempts, private, mention_media";

impl Deliverer {
    /// `in_flight_timeout`: a `sending` reply older than this was
    /// interrupted by a crash; longer than any call may take (the HTTP
    /// client gives up after 30 s).
    pub fn new(pool: PgPool, senders: Arc<Senders>, publisher: Publisher, in_flight_timeout: Duration) -> Self {
        let settings = Settings::platform(Duration::from_secs(1), in_flight_timeout);
        Self { worker: Worker::new(Replies { pool, senders, publisher }, settings) }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        self.worker.run(shutdown).await;
    }
}

pub struct Replies {
    pool: PgPool,
    senders: Arc<Senders>,
    publisher: Publisher,
}

type Tx = Transaction<'static, Postgres>;

impl Replies {
    /// Records the case's event in the outbox, commits, then publishes it.
    async fn commit(&self, mut tx: Tx, r: &Outgoing, kind: CaseEventKind, case: Option<CaseRow>) -> anyhow::Result<()> {
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

impl Job for Replies {
    type Item = Outgoing;
    type Done = Sent;
    const NAME: &'static str = "replies";
    const RECOVERY: Recovery = Recovery::LookFirst;

    fn id(r: &Outgoing) -> i64 {
        r.id
    }
    fn key(r: &Outgoing) -> &str {
        &r.account
    }
    fn attempts(r: &Outgoing) -> i32 {
        r.attempts
    }

    async fn claim(&self, limit: usize, blocked: &[String]) -> anyhow::Result<Vec<Outgoing>> {
        let sql = format!(
            "UPDATE replies SET status = 'sending', attempts = attempts + 1, sending_started_at = now()
             WHERE id IN (SELECT id FROM replies
                          WHERE status = 'pending' AND next_attempt_at <= now() AND NOT (lower(account) = ANY($1))
                          ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        );
        let claimed = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(blocked).bind(limit as i64).fetch_all(&self.pool);
        Ok(claimed.await?)
    }

    async fn call(&self, r: &Outgoing) -> Result<Sent, Failure> {
        match self.senders.send(r).await {
            // X refuses the same text twice: on a retry the earlier attempt
            // was posted.
            Err(e) if worker::duplicate_on_retry(&e, r.attempts) => Ok(Sent { reply_id: None, at: Utc::now() }),
            other => other.map_err(Failure::from),
        }
    }

    async fn record_sent(&self, r: &Outgoing, sent: Sent) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE replies SET status = 'sent', platform_reply_id = $2, sent_at = $3, error = NULL WHERE id = $1",
        )
        .bind(r.id)
        .bind(&sent.reply_id)
        .bind(sent.at)
        .execute(&mut *tx)
        .await?;
        let case = sqlx::query_as(returning(
            "UPDATE cases SET first_reply_at = LEAST(first_reply_at, $2), reply_status = 'sent', reply_error = NULL
             WHERE id = $1",
        ))
        .bind(r.case_id)
        .bind(sent.at)
        .fetch_one(&mut *tx)
        .await?;
        metrics::counter!("tvarit_reply_sent_total", "platform" => r.platform.clone()).increment(1);
        self.commit(tx, r, CaseEventKind::Replied, Some(case)).await
    }

    async fn record_retry(&self, r: &Outgoing, retry: &Retry) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        // Tvarit's own hold made no call: the attempt is taken back.
        sqlx::query(
            "UPDATE replies SET status = 'pending', error = $2, attempts = attempts - $4::int,
                 next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1",
        )
        .bind(r.id)
        .bind(&retry.detail)
        .bind(retry.wait.as_secs_f64())
        .bind(i32::from(!retry.counted))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE cases SET reply_status = 'retrying', reply_error = $2 WHERE id = $1")
            .bind(r.case_id)
            .bind(&retry.detail)
            .execute(&mut *tx)
            .await?;
        metrics::counter!("tvarit_reply_send_retries_total", "platform" => r.platform.clone()).increment(1);
        self.commit(tx, r, CaseEventKind::Unspecified, None).await
    }

    async fn record_failed(&self, r: &Outgoing, detail: &str) -> anyhow::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE replies SET status = 'failed', error = $2 WHERE id = $1")
            .bind(r.id)
            .bind(detail)
            .execute(&mut *tx)
            .await?;
        let case =
            sqlx::query_as(returning("UPDATE cases SET reply_status = 'failed', reply_error = $2 WHERE id = $1"))
                .bind(r.case_id)
                .bind(detail)
                .fetch_one(&mut *tx)
                .await?;
        metrics::counter!("tvarit_reply_send_failures_total", "platform" => r.platform.clone()).increment(1);
        self.commit(tx, r, CaseEventKind::ReplyFailed, Some(case)).await
    }

    async fn woken(&self) {
        self.senders.woken().await;
    }

    async fn interrupted(&self, older_than: Duration) -> anyhow::Result<Vec<Outgoing>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM replies
             WHERE status = 'sending' AND sending_started_at < now() - make_interval(secs => $1)"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(older_than.as_secs_f64()).fetch_all(&self.pool).await?)
    }

    async fn look(&self, r: &Outgoing) -> Result<Option<Sent>, Failure> {
        self.senders.find_posted(r).await.map_err(Failure::from)
    }

    async fn requeue(&self, r: &Outgoing) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE replies SET status = 'pending', next_attempt_at = now() WHERE id = $1 AND status = 'sending'",
        )
        .bind(r.id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The reply stays `sending`, never re-queued unseen; the case says why
    /// it waits (for a hold, the words that say how to end it).
    async fn unresolved(&self, r: &Outgoing, detail: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE cases SET reply_error = $2 WHERE id = $1")
            .bind(r.case_id)
            .bind(detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A reply has no state of its own for this: it is `failed`, saying the
    /// outcome is unknown (the platform's refusal says to check by hand), so
    /// the operator looks at the thread before replying again or leaves it.
    async fn needs_check(&self, r: &Outgoing, detail: &str) -> anyhow::Result<()> {
        self.record_failed(r, &format!("the outcome was lost in a crash: {detail}")).await
    }
}
