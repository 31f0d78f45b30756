//! Purpose-bound retention (India's DPDP Act 2023, s. 8(7)): a finished
//! case's post text, author and personal data are purged once the
//! retention period after the post has passed; the case row, docket,
//! labels, times and state stay, and so do tvarit-metrics' facts (which
//! never held a post's words or author), so every figure and ranking is
//! unchanged. A case under legal hold (sensitive, with preserved evidence)
//! stays whole until the hold is released. Each run is one audit entry per
//! batch and counted in Prometheus. docs/operations.md, "Retention".

use chrono::{DateTime, Duration, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use super::redact;
use crate::store::audit::{self, Entry};

/// A year: long enough for a complaint's follow-up, an RTI request and the
/// annual review of the monthly rankings; then the words go.
pub const DEFAULT_DAYS: u32 = 365;

/// Cases purged in one transaction.
const BATCH: i64 = 200;

/// Purge what was posted before `cutoff`.
#[derive(Debug, Clone)]
pub struct Policy {
    pub days: u32,
    pub cutoff: DateTime<Utc>,
}

impl Policy {
    pub fn days(days: u32) -> Self {
        Self { days, cutoff: Utc::now() - Duration::days(days.into()) }
    }
}

/// A case past the retention period that has not been purged.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Due {
    pub docket: String,
    pub unit: String,
    pub state: String,
    pub post_created_at: DateTime<Utc>,
    /// Sensitive with preserved evidence, not released: stays.
    pub held: bool,
}

const DUE: &str = "SELECT c.docket, c.unit, c.state, c.post_created_at,
            (EXISTS (SELECT 1 FROM evidence e WHERE e.case_id = c.id) AND c.legal_hold_released_at IS NULL) AS held
     FROM cases c
     WHERE c.purged_at IS NULL AND c.state IN ('closed', 'not_actionable') AND c.post_created_at < $1";

/// Every case the policy reaches, oldest first (what `--dry-run` lists).
pub async fn due(pool: &PgPool, policy: &Policy) -> sqlx::Result<Vec<Due>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{DUE} ORDER BY c.post_created_at, c.docket")))
        .bind(policy.cutoff)
        .fetch_all(pool)
        .await
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub cases: usize,
    pub held: usize,
    /// Hand-over notes written before the cutoff, deleted (migration 0018).
    pub handover_notes: usize,
}

/// Purges every due case not under legal hold, in batches; each batch one
/// transaction with its audit entry.
pub async fn apply(pool: &PgPool, policy: &Policy, actor: &str) -> sqlx::Result<Done> {
    let optional = search_columns(pool).await?;
    let mut done = Done { held: due(pool, policy).await?.iter().filter(|d| d.held).count(), ..Default::default() };
    loop {
        let mut tx = pool.begin().await?;
        let ids: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT c.id, c.docket FROM cases c
             WHERE c.purged_at IS NULL AND c.state IN ('closed', 'not_actionable') AND c.post_created_at < $1
               AND NOT (EXISTS (SELECT 1 FROM evidence e WHERE e.case_id = c.id) AND c.legal_hold_released_at IS NULL)
             ORDER BY c.post_created_at LIMIT {BATCH} FOR UPDATE SKIP LOCKED"
        )))
        .bind(policy.cutoff)
        .fetch_all(&mut *tx)
        .await?;
        if ids.is_empty() {
            drop(tx);
            done.handover_notes = purge_handover_notes(pool, policy, actor).await?;
            return Ok(done);
        }
        let (ids, dockets): (Vec<i64>, Vec<String>) = ids.into_iter().unzip();
        purge(&mut tx, &ids, &optional).await?;
        let detail = format!(
            "{} cases posted before {} (retention {} days): {}",
            ids.len(),
            policy.cutoff.to_rfc3339(),
            policy.days,
            dockets.join(",")
        );
        let entry = Entry { actor, action: "retention.purge", subject: "cases", detail: &detail };
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        metrics::counter!("tvarit_retention_purged_cases_total").increment(ids.len() as u64);
        done.cases += ids.len();
    }
}

/// A shift's hand-over notes name people and places as case notes do, and
/// serve one change of shift: past the period they go, with one audit entry.
async fn purge_handover_notes(pool: &PgPool, policy: &Policy, actor: &str) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("DELETE FROM handover_notes WHERE written_at < $1")
        .bind(policy.cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    if gone > 0 {
        let detail = format!("{gone} hand-over notes written before {}", policy.cutoff.to_rfc3339());
        let entry = Entry { actor, action: "retention.purge", subject: "handover_notes", detail: &detail };
        audit::append(&mut tx, entry).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// The personal-data columns other features added to `cases` (case search
/// keeps the post's words and the author's handle) that exist here.
async fn search_columns(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = 'cases'
           AND column_name IN ('search_text', 'author_handle')",
    )
    .fetch_all(pool)
    .await
}

/// Rewrites every copy of the cases' posts without what identifies a person.
async fn purge(tx: &mut Transaction<'_, Postgres>, ids: &[i64], optional: &[String]) -> sqlx::Result<()> {
    let clear: String = optional.iter().map(|c| format!(", {c} = ''")).collect();
    let cases: Vec<(i64, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT id, post, classification FROM cases WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(&mut **tx)
            .await?;
    for (id, post, classification) in cases {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE cases SET post = $2, classification = $3, author_id = '', conversation_id = '', draft_text = '',
                              purged_at = now() {clear}
             WHERE id = $1"
        )))
        .bind(id)
        .bind(redact::post_bytes(&post))
        .bind(redact::classification_bytes(&classification))
        .execute(&mut **tx)
        .await?;
    }
    let posts: Vec<(String, String, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT platform, post_id, post, classification FROM case_posts WHERE case_id = ANY($1)")
            .bind(ids)
            .fetch_all(&mut **tx)
            .await?;
    for (platform, post_id, post, classification) in posts {
        sqlx::query("UPDATE case_posts SET post = $3, classification = $4 WHERE platform = $1 AND post_id = $2")
            .bind(platform)
            .bind(post_id)
            .bind(redact::post_bytes(&post))
            .bind(redact::classification_bytes(&classification))
            .execute(&mut **tx)
            .await?;
    }
    let events: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT id, payload FROM case_events WHERE case_id = ANY($1)")
        .bind(ids)
        .fetch_all(&mut **tx)
        .await?;
    for (id, payload) in events {
        sqlx::query("UPDATE case_events SET payload = $2 WHERE id = $1")
            .bind(id)
            .bind(redact::case_event_bytes(&payload))
            .execute(&mut **tx)
            .await?;
    }
    let alerts: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT id, body FROM alerts WHERE case_id = ANY($1)").bind(ids).fetch_all(&mut **tx).await?;
    for (id, body) in alerts {
        sqlx::query("UPDATE alerts SET body = $2 WHERE id = $1")
            .bind(id)
            .bind(redact::alert_body(&body))
            .execute(&mut **tx)
            .await?;
    }
    // Internal notes are the unit's words about the person (migration 0018).
    sqlx::query("DELETE FROM case_notes WHERE case_id = ANY($1)").bind(ids).execute(&mut **tx).await?;
    // Evidence of a released hold: the preserved copy goes with the rest.
    sqlx::query("DELETE FROM evidence WHERE case_id = ANY($1)").bind(ids).execute(&mut **tx).await?;
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error("no case {0:?}")]
    NoCase(String),
    #[error("case {0:?} is not under legal hold (no preserved evidence, or already released)")]
    NotHeld(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Releases a case's legal hold (audited), so retention may purge it.
pub async fn release(pool: &PgPool, docket: &str, actor: &str) -> Result<(), ReleaseError> {
    let mut tx = pool.begin().await?;
    let row: Option<(bool,)> = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM evidence e WHERE e.case_id = c.id) AND c.legal_hold_released_at IS NULL
         FROM cases c WHERE c.docket = $1 FOR UPDATE",
    )
    .bind(docket)
    .fetch_optional(&mut *tx)
    .await?;
    match row {
        None => return Err(ReleaseError::NoCase(docket.into())),
        Some((false,)) => return Err(ReleaseError::NotHeld(docket.into())),
        Some((true,)) => {}
    }
    sqlx::query("UPDATE cases SET legal_hold_released_at = now() WHERE docket = $1")
        .bind(docket)
        .execute(&mut *tx)
        .await?;
    let entry = Entry { actor, action: "retention.release_hold", subject: docket, detail: "" };
    audit::append(&mut tx, entry).await?;
    tx.commit().await?;
    Ok(())
}
