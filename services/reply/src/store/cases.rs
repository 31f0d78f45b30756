//! Reading cases and the operator actions on them. An action locks its case
//! row, checks the state machine (`open → in_process → closed`), and writes
//! the change, its event and its audit entry in one transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tvarit_proto::v1::{CaseEventKind, Relabel};
use tvarit_proto::{Category, Urgency};

use super::operators::Operator;
use super::{CASE_COLUMNS, CaseRow, StoreError, audit, claim_for, outbox, returning};

/// Emergencies on top, then the longest waiting.
const QUEUE_ORDER: &str =
    "CASE urgency WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END, opened_at";

pub async fn get(pool: &PgPool, docket: &str) -> Result<CaseRow, StoreError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE docket = $1")))
        .bind(docket)
        .fetch_optional(pool)
        .await?
        .ok_or_else(|| StoreError::NoSuchCase(docket.into()))
}

/// The case `docket` if `op` may see it; any other case is missing, so a
/// docket of another unit tells nothing about it.
pub async fn visible(pool: &PgPool, op: &Operator, docket: &str) -> Result<CaseRow, StoreError> {
    Some(get(pool, docket).await?).filter(|c| op.may_see(&c.unit)).ok_or_else(|| StoreError::NoSuchCase(docket.into()))
}

/// The unit's open and in-process cases, or with `all` every case, newest
/// first after the live ones. HQ's queue also holds the live district cases
/// handed to HQ (out of shift, or an emergency's `hq` rung; docs/sla.md),
/// those of them `viewer` may see: HQ works them from its own desk.
pub async fn list(
    pool: &PgPool,
    unit: &str,
    all: bool,
    limit: i64,
    viewer: &Operator,
) -> Result<Vec<CaseRow>, StoreError> {
    // Handed-over cases only while live: the live-queue index finds them, and
    // once closed they belong to their district's history.
    let handed = if unit == HQ {
        format!("OR ({LIVE} AND {HANDED_TO_HQ} AND ('*' = ANY($3) OR unit = ANY($3)))")
    } else {
        String::new()
    };
    let sql = if all {
        format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE unit = $1 {handed}
             ORDER BY state NOT IN ('open', 'in_process'), {QUEUE_ORDER} LIMIT $2"
        )
    } else {
        format!(
            "SELECT {CASE_COLUMNS} FROM cases WHERE {LIVE} AND (unit = $1 {handed}) ORDER BY {QUEUE_ORDER} LIMIT $2"
        )
    };
    let query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(unit).bind(limit);
    let query = if unit == HQ { query.bind(&viewer.units) } else { query };
    Ok(query.fetch_all(pool).await?)
}

/// The state desk's unit.
pub const HQ: &str = "hq";

pub(super) const LIVE: &str = "state IN ('open', 'in_process')";

/// A district case handed to HQ: the handoff sets `escalated_to = 'hq'`, and
/// ladder steps after it `'hq/<rung>'`.
pub(super) const HANDED_TO_HQ: &str = "unit <> 'hq' AND (escalated_to = 'hq' OR escalated_to LIKE 'hq/%')";

/// As [`HANDED_TO_HQ`], for a case in hand.
pub fn handed_to_hq(unit: &str, escalated_to: &str) -> bool {
    unit != HQ && (escalated_to == HQ || escalated_to.starts_with("hq/"))
}

/// An Instagram @mention (ingest's `instagram-mention` route) is answered on
/// the media it is on, which the reply must carry.
fn mention_media(post: &tvarit_proto::v1::Post, private: bool) -> Option<String> {
    (post.source == tvarit_proto::source::INSTAGRAM_MENTION && !private).then(|| post.conversation_id.clone())
}

#[derive(Debug, Clone)]
pub enum Action {
    Claim,
    /// `send`: a platform sender will deliver it (else it is recorded as
    /// sent by hand, and its time is the first reply time).
    /// `private`: a direct message to the author, not a public reply.
    Reply {
        text: String,
        send: bool,
        private: bool,
    },
    Close,
    /// `None` keeps the current value.
    Relabel {
        category: Option<Category>,
        urgency: Option<Urgency>,
    },
    /// "Seen, on it": silences an emergency's alarm without claiming it.
    Acknowledge,
    /// Gives a claimed case back to the queue.
    Release,
    /// Opens a closed case again.
    Reopen,
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Claim => "case.claim",
            Action::Reply { .. } => "case.reply",
            Action::Close => "case.close",
            Action::Relabel { .. } => "case.relabel",
            Action::Acknowledge => "case.acknowledge",
            Action::Release => "case.release",
            Action::Reopen => "case.reopen",
        }
    }

    fn event(&self) -> CaseEventKind {
        match self {
            Action::Claim => CaseEventKind::Claimed,
            Action::Reply { send: true, .. } => CaseEventKind::ReplyQueued,
            Action::Reply { send: false, .. } => CaseEventKind::Replied,
            Action::Close => CaseEventKind::Closed,
            Action::Relabel { .. } => CaseEventKind::Relabelled,
            Action::Acknowledge => CaseEventKind::Acknowledged,
            Action::Release => CaseEventKind::Released,
            Action::Reopen => CaseEventKind::Reopened,
        }
    }
}

/// Applies `action` by `op`; returns the case after it and the event ids to
/// publish. A case outside the operator's units is reported as missing.
/// Another operator's claim holds for `claim_lease` after its holder last
/// acted on the case.
pub async fn act(
    pool: &PgPool,
    op: &Operator,
    docket: &str,
    action: Action,
    claim_lease: chrono::Duration,
) -> Result<(CaseRow, Vec<i64>), StoreError> {
    let mut tx = pool.begin().await?;
    let case = super::lock_visible(&mut tx, op, docket).await?;

    // A relabel may correct any case, e.g. a real complaint auto-closed as
    // spam; a reopen takes only a closed one.
    match action {
        Action::Relabel { .. } => {}
        Action::Reopen if case.state == "closed" => {}
        Action::Reopen => return Err(StoreError::Conflict(format!("case {docket} is {}, not closed", case.state))),
        _ if !matches!(case.state.as_str(), "open" | "in_process") => {
            return Err(StoreError::Conflict(format!("case {docket} is {}", case.state)));
        }
        _ => {}
    }
    if matches!(action, Action::Release) {
        match case.claimed_by.as_deref() {
            None => return Err(StoreError::Conflict(format!("case {docket} is not claimed"))),
            Some(holder) if holder != op.name && !op.supervises() => {
                return Err(StoreError::Forbidden(format!(
                    "case {docket} is claimed by {holder}; only they or a supervisor may release it"
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(holder) = case.claimed_by.as_deref().filter(|h| *h != op.name)
        && matches!(action, Action::Claim | Action::Reply { .. })
        && !op.supervises()
    {
        // A claim is a lease: an idle holder loses it.
        let active: Option<DateTime<Utc>> = sqlx::query_scalar("SELECT claim_active_at FROM cases WHERE id = $1")
            .bind(case.id)
            .fetch_one(&mut *tx)
            .await?;
        if active.is_some_and(|t| Utc::now() - t < claim_lease) {
            return Err(StoreError::Conflict(format!("case {docket} is claimed by {holder}")));
        }
    }
    // The same words to the same case go out once: a second Send, a double
    // click, a client's retry after a time-out or a second client all find
    // the first reply and get the case as it is (the case row is locked, so
    // concurrent requests see each other). Only a refused reply may be sent again.
    if let Action::Reply { text, private, .. } = &action {
        let repeat: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM replies WHERE case_id = $1 AND btrim(text) = btrim($2)
                            AND private = $3 AND status NOT IN ('failed', 'rejected'))",
        )
        .bind(case.id)
        .bind(text)
        .bind(private)
        .fetch_one(&mut *tx)
        .await?;
        if repeat {
            metrics::counter!("tvarit_reply_repeats_refused_total", "unit" => case.unit.clone()).increment(1);
            return Ok((case, Vec::new()));
        }
    }
    // An operator's reply to a sensitive case waits for a supervisor.
    let needs_approval = matches!(action, Action::Reply { .. }) && case.category == "sensitive" && !op.supervises();

    let now = Utc::now();
    let after: CaseRow = match &action {
        Action::Claim => claim_for(&mut tx, case.id, &op.name, now).await?,
        Action::Reply { text, send, private } => {
            let previous: i64 = sqlx::query_scalar("SELECT count(*) FROM replies WHERE case_id = $1")
                .bind(case.id)
                .fetch_one(&mut *tx)
                .await?;
            let post = case.to_proto().post.unwrap_or_default();
            let status = match (needs_approval, *send) {
                (true, _) => "awaiting_approval",
                (false, true) => "pending",
                (false, false) => "manual",
            };
            // A direct message goes to the person, not under their post.
            let to = if *private { post.author.clone().unwrap_or_default().id } else { post.post_id.clone() };
            sqlx::query(
                "INSERT INTO replies (case_id, operator, text, idempotency_key, status, platform, account, in_reply_to,
                                      sent_at, private, mention_media)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $5 = 'manual' THEN $9 END, $10, $11)",
            )
            .bind(case.id)
            .bind(&op.name)
            .bind(text)
            .bind(format!("{docket}:{}", previous + 1))
            .bind(status)
            .bind(&post.platform)
            .bind(&post.account)
            .bind(&to)
            .bind(now)
            .bind(private)
            .bind(mention_media(&post, *private))
            .execute(&mut *tx)
            .await?;
            // A reply sent by hand counts now; one Tvarit sends counts when
            // the platform confirms it (outbound::deliver).
            sqlx::query_as(returning(
                "UPDATE cases SET state = 'in_process', claimed_by = $2, claimed_at = COALESCE(claimed_at, $3),
                     claim_active_at = $3,
                     first_reply_at = CASE WHEN $5 = 'manual' THEN COALESCE(first_reply_at, $3) ELSE first_reply_at END,
                     last_reply_text = $4, reply_status = $5, reply_error = NULL
                 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(&op.name)
            .bind(now)
            .bind(text)
            .bind(status)
            .fetch_one(&mut *tx)
            .await?
        }
        Action::Close => {
            sqlx::query_as(returning("UPDATE cases SET state = 'closed', closed_at = $2 WHERE id = $1"))
                .bind(case.id)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?
        }
        Action::Release => {
            sqlx::query_as(returning(
                "UPDATE cases SET state = 'open', claimed_by = NULL, claimed_at = NULL, claim_active_at = NULL
                 WHERE id = $1",
            ))
            .bind(case.id)
            .fetch_one(&mut *tx)
            .await?
        }
        Action::Reopen => {
            // Back in the queue unclaimed; a case already answered keeps its
            // first reply time (the ranking does not restart).
            sqlx::query_as(returning(
                "UPDATE cases SET state = 'open', closed_at = NULL, claimed_by = NULL, claimed_at = NULL,
                     claim_active_at = NULL
                 WHERE id = $1",
            ))
            .bind(case.id)
            .fetch_one(&mut *tx)
            .await?
        }
        Action::Acknowledge => {
            if case.category != "emergency" {
                return Err(StoreError::Conflict(format!("case {docket} is not an emergency")));
            }
            sqlx::query_as(returning(
                "UPDATE cases SET acknowledged_at = COALESCE(acknowledged_at, $2),
                     acknowledged_by = COALESCE(acknowledged_by, $3)
                 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(now)
            .bind(&op.name)
            .fetch_one(&mut *tx)
            .await?
        }
        Action::Relabel { category, urgency } => {
            let category = category.map_or(case.category.as_str(), |c| c.slug());
            // Every emergency is critical (the classifier's rule, kept by hand too).
            let urgency =
                if category == "emergency" { "critical" } else { urgency.map_or(case.urgency.as_str(), |u| u.slug()) };
            // `other` needs no answer; anything else relabelled from it goes back in the queue.
            let state = match (category, case.state.as_str()) {
                ("other", "open" | "in_process") => "not_actionable",
                (c, "not_actionable") if c != "other" => "open",
                (_, s) => s,
            };
            sqlx::query_as(returning(
                "UPDATE cases SET category = $2, urgency = $3, state = $4,
                     closed_at = CASE WHEN $4 = 'not_actionable' THEN COALESCE(closed_at, $5)
                                      WHEN $4 = 'open' THEN NULL ELSE closed_at END
                 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(category)
            .bind(urgency)
            .bind(state)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    if matches!(action, Action::Relabel { .. }) && after.category == "sensitive" {
        // As intake does for a post classified sensitive: the post as it
        // arrived, with its SHA-256, kept for the action workflow.
        sqlx::query(
            "INSERT INTO evidence (case_id, post, sha256) SELECT id, post, sha256(post) FROM cases WHERE id = $1
             ON CONFLICT (case_id) DO NOTHING",
        )
        .bind(after.id)
        .execute(&mut *tx)
        .await?;
    }
    let change = match &action {
        Action::Relabel { .. } => Some(Relabel {
            from_category: Category::from_slug(&case.category).unwrap_or_default() as i32,
            to_category: Category::from_slug(&after.category).unwrap_or_default() as i32,
            from_urgency: Urgency::from_slug(&case.urgency).unwrap_or_default() as i32,
            to_urgency: Urgency::from_slug(&after.urgency).unwrap_or_default() as i32,
        }),
        _ => None,
    };
    let kind = if needs_approval { CaseEventKind::ApprovalRequested } else { action.event() };
    let events = outbox::record(&mut tx, kind, &op.name, std::slice::from_ref(&after), change).await?;
    let detail = match &action {
        Action::Reply { text, send, private } => {
            format!("chars={} send={send} private={private}", text.chars().count())
        }
        Action::Relabel { .. } => {
            format!("category {}→{} urgency {}→{}", case.category, after.category, case.urgency, after.urgency)
        }
        _ => String::new(),
    };
    audit::append(&mut tx, audit::Entry { actor: &op.name, action: action.name(), subject: docket, detail: &detail })
        .await?;
    tx.commit().await?;
    Ok((after, events))
}
