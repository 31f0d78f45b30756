//! Internal notes on a case: what the unit's people tell each other about
//! it ("caller's brother rang the thana", "wait for the SHO's reply").
//! A note is written with its NOTED event and audit entry in one
//! transaction; neither carries its words, which stay in `case_notes`
//! (migration 0018), so they reach no platform, no consumer of the bus and
//! no report, and retention can delete them (the audit log cannot forget).

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tvarit_proto::v1::CaseEventKind;

use super::operators::Operator;
use super::{CaseRow, StoreError, audit, outbox};

/// Longer notes belong in the case file, not the desk.
pub const MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Note {
    pub author: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// Adds `text` to `docket` as `op`; returns the case and the event ids to
/// publish. Any state: a closed case may still need a word for whoever
/// reopens it. A case outside `op`'s units is reported as missing.
pub async fn add(pool: &PgPool, op: &Operator, docket: &str, text: &str) -> Result<(CaseRow, Vec<i64>), StoreError> {
    let mut tx = pool.begin().await?;
    // Locked so the note and its event take the case's order with the
    // other actions on it.
    let case = super::lock_visible(&mut tx, op, docket).await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO case_notes (case_id, author, text) VALUES ($1, $2, $3) RETURNING id")
        .bind(case.id)
        .bind(&op.name)
        .bind(text)
        .fetch_one(&mut *tx)
        .await?;
    let events = outbox::record(&mut tx, CaseEventKind::Noted, &op.name, std::slice::from_ref(&case), None).await?;
    let detail = format!("note={id} chars={}", text.chars().count());
    audit::append(&mut tx, audit::Entry { actor: &op.name, action: "case.note", subject: docket, detail: &detail })
        .await?;
    tx.commit().await?;
    Ok((case, events))
}

/// The notes of a case, oldest first.
pub async fn of_case(pool: &PgPool, case_id: i64) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query_as("SELECT author, text, created_at FROM case_notes WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(pool)
        .await
}
