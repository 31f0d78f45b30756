//! A shift's hand-over: what is live in a unit (open, claimed by whom,
//! waiting for a supervisor, breached), the emergencies of the shift, and
//! the note the outgoing operator leaves for the incoming one, who marks it
//! read. Both note actions are audited in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::cases::{HANDED_TO_HQ, HQ, LIVE};
use super::operators::Operator;
use super::{CASE_COLUMNS, CaseRow, StoreError, audit};

/// Longer than a shift's worth of words is a report, not a note.
pub const NOTE_MAX_CHARS: usize = 4000;

/// Lists are cut here: the counts say the rest, and the queue has them all.
const LIST_MAX: i64 = 100;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub unit: String,
    pub author: String,
    pub text: String,
    pub written_at: DateTime<Utc>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
}

const NOTE_COLUMNS: &str = "id, unit, author, text, written_at, acknowledged_by, acknowledged_at";

#[derive(Debug, Default)]
pub struct UnitState {
    pub open: i64,
    /// (operator, live cases they hold), most first.
    pub claimed: Vec<(String, i64)>,
    pub awaiting_approval: Vec<CaseRow>,
    pub breached: Vec<CaseRow>,
    pub emergencies: Vec<CaseRow>,
    pub handed_to_hq: i64,
    pub note: Option<NoteRow>,
}

/// The cases a unit's hand-over covers, as SQL over `$1` (the unit) and,
/// for HQ, `$2` (the viewer's units): HQ's own, and the live district cases
/// handed to HQ that the viewer may see (as HQ's queue holds them).
fn scope(unit: &str) -> String {
    if unit == HQ {
        format!("(unit = $1 OR ({LIVE} AND {HANDED_TO_HQ} AND ('*' = ANY($2) OR unit = ANY($2))))")
    } else {
        "unit = $1".into()
    }
}

/// What the next shift of `unit` must know, as `viewer` may see it.
/// `since`: the shift's start, for its emergencies.
pub async fn unit_state(
    pool: &PgPool,
    unit: &str,
    viewer: &Operator,
    since: DateTime<Utc>,
) -> Result<UnitState, sqlx::Error> {
    let scope = scope(unit);
    let hq = unit == HQ;
    let rows = |sql: String| {
        let q = sqlx::query_as::<_, CaseRow>(sqlx::AssertSqlSafe(sql)).bind(unit.to_owned());
        if hq { q.bind(viewer.units.clone()) } else { q }
    };
    let held: Vec<(Option<String>, i64)> = {
        let sql = format!("SELECT claimed_by, count(*) FROM cases WHERE {LIVE} AND {scope} GROUP BY claimed_by");
        let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit);
        let q = if hq { q.bind(&viewer.units) } else { q };
        q.fetch_all(pool).await?
    };
    let mut state = UnitState::default();
    for (holder, n) in held {
        match holder {
            None => state.open += n,
            Some(name) => state.claimed.push((name, n)),
        }
    }
    state.claimed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    state.awaiting_approval = rows(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE reply_status = 'awaiting_approval' AND {LIVE} AND {scope}
         ORDER BY opened_at LIMIT {LIST_MAX}"
    ))
    .fetch_all(pool)
    .await?;
    state.breached = rows(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE {LIVE} AND first_reply_at IS NULL AND breach_at <= now() AND {scope}
         ORDER BY breach_at LIMIT {LIST_MAX}"
    ))
    .fetch_all(pool)
    .await?;
    let emergencies = format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE category = 'emergency' AND opened_at >= ${} AND {scope}
         ORDER BY opened_at DESC LIMIT {LIST_MAX}",
        if hq { 3 } else { 2 }
    );
    state.emergencies = rows(emergencies).bind(since).fetch_all(pool).await?;
    if hq {
        let sql =
            format!("SELECT count(*) FROM cases WHERE {LIVE} AND {HANDED_TO_HQ} AND ('*' = ANY($1) OR unit = ANY($1))");
        state.handed_to_hq = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(&viewer.units).fetch_one(pool).await?;
    }
    state.note = latest_note(pool, unit).await?;
    Ok(state)
}

pub async fn latest_note(pool: &PgPool, unit: &str) -> Result<Option<NoteRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTE_COLUMNS} FROM handover_notes WHERE unit = $1 ORDER BY id DESC LIMIT 1"
    )))
    .bind(unit)
    .fetch_optional(pool)
    .await
}

/// The outgoing operator's note for the next shift of `unit` (the caller
/// has checked that `op` works it). Audited with its length, not its words.
pub async fn write_note(pool: &PgPool, op: &Operator, unit: &str, text: &str) -> Result<NoteRow, StoreError> {
    let mut tx = pool.begin().await?;
    let note: NoteRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO handover_notes (unit, author, text) VALUES ($1, $2, $3) RETURNING {NOTE_COLUMNS}"
    )))
    .bind(unit)
    .bind(&op.name)
    .bind(text)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("note={} chars={}", note.id, text.chars().count());
    audit::append(&mut tx, audit::Entry { actor: &op.name, action: "handover.note", subject: unit, detail: &detail })
        .await?;
    tx.commit().await?;
    Ok(note)
}

/// The incoming operator has read note `id`. Once: a second
/// acknowledgement (anyone's) returns the note as the first left it.
/// Its author cannot acknowledge it; that is the next shift's word.
pub async fn acknowledge_note(pool: &PgPool, op: &Operator, id: i64) -> Result<NoteRow, StoreError> {
    let mut tx = pool.begin().await?;
    let note: NoteRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTE_COLUMNS} FROM handover_notes WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?
    .filter(|n: &NoteRow| op.may_see(&n.unit))
    .ok_or_else(|| StoreError::NoSuchCase(format!("hand-over note {id}")))?;
    if note.acknowledged_at.is_some() {
        return Ok(note);
    }
    if note.author == op.name {
        return Err(StoreError::Conflict(format!(
            "{} wrote hand-over note {id}; the incoming shift acknowledges it",
            op.name
        )));
    }
    let note: NoteRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE handover_notes SET acknowledged_by = $2, acknowledged_at = now() WHERE id = $1 RETURNING {NOTE_COLUMNS}"
    )))
    .bind(id)
    .bind(&op.name)
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("note={id} by={}", note.author);
    audit::append(
        &mut tx,
        audit::Entry { actor: &op.name, action: "handover.acknowledge", subject: &note.unit, detail: &detail },
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}
