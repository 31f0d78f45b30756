//! The reply service's PostgreSQL state: cases, the event outbox, operators
//! and the audit log. Every change to a case writes its event and (for a
//! person's action) its audit entry in the same transaction.

pub mod audit;
pub mod cases;
pub mod follow_ups;
pub mod forward;
pub mod handover;
pub mod intake;
pub mod notes;
pub mod operators;
pub mod outbox;
pub mod search;
pub mod supervision;
pub mod thread;

use chrono::{DateTime, Utc};
use prost::Message;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{Case, Classification, Post};
use tvarit_proto::{CaseState, Category, Urgency};

/// Columns every case query selects, in `CaseRow` order.
pub const CASE_COLUMNS: &str = "id, docket, unit, category, urgency, state, post, classification, \
     opened_at, claimed_by, first_reply_at, last_reply_text, closed_at, reply_status, reply_error, follow_ups, \
     goal_at, breach_at, escalation_level, escalated_to, draft_text, draft_source, acknowledged_at, acknowledged_by";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseRow {
    pub id: i64,
    pub docket: String,
    pub unit: String,
    pub category: String,
    pub urgency: String,
    pub state: String,
    pub post: Vec<u8>,
    pub classification: Vec<u8>,
    pub opened_at: DateTime<Utc>,
    pub claimed_by: Option<String>,
    pub first_reply_at: Option<DateTime<Utc>>,
    pub last_reply_text: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub reply_status: String,
    pub reply_error: Option<String>,
    pub follow_ups: i32,
    /// SLA deadlines, fixed when the case opened (migration 0005).
    pub goal_at: Option<DateTime<Utc>>,
    pub breach_at: Option<DateTime<Utc>>,
    pub escalation_level: i32,
    pub escalated_to: String,
    /// The suggested reply and where it came from (migration 0006, `library::drafts`).
    pub draft_text: String,
    pub draft_source: String,
    /// Someone silenced the emergency's alarm without claiming (migration 0011).
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
}

impl CaseRow {
    /// Whether the SLA clock runs: live and not yet answered.
    pub fn clock_running(&self) -> bool {
        matches!(self.state.as_str(), "open" | "in_process") && self.first_reply_at.is_none()
    }

    /// Whether the emergency's alarm rings: open, and nobody has claimed or
    /// acknowledged it.
    pub fn alarm(&self) -> bool {
        self.category == "emergency"
            && self.state == "open"
            && self.claimed_by.is_none()
            && self.acknowledged_at.is_none()
    }

    // `..Default::default()` stays so a field added to `Case` builds at once.
    #[allow(clippy::needless_update)]
    pub fn to_proto(&self) -> Case {
        let clock = self.clock_running();
        let post = Post::decode(self.post.as_slice()).ok();
        let classification = Classification::decode(self.classification.as_slice()).ok();
        Case {
            // A case opened by a direct message stays private.
            private: post.as_ref().is_some_and(|p| p.private),
            docket: self.docket.clone(),
            unit: self.unit.clone(),
            category: Category::from_slug(&self.category).unwrap_or(Category::Unspecified) as i32,
            urgency: Urgency::from_slug(&self.urgency).unwrap_or(Urgency::Unspecified) as i32,
            state: CaseState::from_slug(&self.state).unwrap_or(CaseState::Unspecified) as i32,
            post,
            police_station: classification.as_ref().map(|c| police_station(c).to_owned()).unwrap_or_default(),
            classification,
            opened_at: Some(from_datetime(self.opened_at)),
            first_reply_at: self.first_reply_at.map(from_datetime),
            closed_at: self.closed_at.map(from_datetime),
            claimed_by: self.claimed_by.clone().unwrap_or_default(),
            last_reply_text: self.last_reply_text.clone().unwrap_or_default(),
            reply_status: self.reply_status.clone(),
            reply_error: self.reply_error.clone().unwrap_or_default(),
            draft_text: self.draft_text.clone(),
            draft_source: self.draft_source.clone(),
            follow_ups: self.follow_ups.max(0) as u32,
            goal_at: self.goal_at.filter(|_| clock).map(from_datetime),
            breach_at: self.breach_at.filter(|_| clock).map(from_datetime),
            escalation_level: self.escalation_level.max(0) as u32,
            escalated_to: self.escalated_to.clone(),
            acknowledged_at: self.acknowledged_at.map(from_datetime),
            acknowledged_by: self.acknowledged_by.clone().unwrap_or_default(),
            alarm: self.alarm(),
            ..Default::default()
        }
    }
}

/// The police station the classifier found in the post, in the case's
/// district (its `station:<name>` reason); "" when none. Read from the
/// classification the case keeps, so no column repeats it.
pub fn police_station(c: &Classification) -> &str {
    c.reasons.iter().find_map(|r| r.strip_prefix("station:")).unwrap_or("")
}

/// `sql`, an update of one case, returning the case as it is after.
pub(crate) fn returning(sql: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("{sql} RETURNING {CASE_COLUMNS}"))
}

/// Gives case `id` to `name` from `now` on (a claim, or a supervisor's
/// reassignment): in process, the claim's lease starting afresh.
pub(crate) async fn claim_for(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: i64,
    name: &str,
    now: DateTime<Utc>,
) -> Result<CaseRow, sqlx::Error> {
    sqlx::query_as(returning(
        "UPDATE cases SET state = 'in_process', claimed_by = $2, claimed_at = $3, claim_active_at = $3
         WHERE id = $1",
    ))
    .bind(id)
    .bind(name)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Locks `docket`'s case for an action by `op`. A case outside `op`'s units
/// is reported as missing, so a docket tells nothing about another unit.
pub(crate) async fn lock_visible(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    op: &operators::Operator,
    docket: &str,
) -> Result<CaseRow, StoreError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE docket = $1 FOR UPDATE")))
        .bind(docket)
        .fetch_optional(&mut **tx)
        .await?
        .filter(|c: &CaseRow| op.may_see(&c.unit))
        .ok_or_else(|| StoreError::NoSuchCase(docket.into()))
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no case {0}")]
    NoSuchCase(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
