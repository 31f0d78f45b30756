//! What supervisors and HQ do beyond working cases: reassign a case, approve
//! or reject a reply waiting on a sensitive case, raise a case by hand, and
//! record what was done about a sensitive post (legal sections, takedown).
//! Each action locks its case, writes its event and audit entry, and commits
//! once.

use chrono::Utc;
use sqlx::PgPool;
use tvarit_proto::v1::CaseEventKind;

use super::operators::Operator;
use super::{CaseRow, StoreError, audit, claim_for, outbox, returning};

pub enum Supervision {
    Reassign {
        to: Operator,
    },
    /// `send`: a platform sender delivers the approved reply.
    Approve {
        approve: bool,
        send: bool,
        note: String,
    },
    /// `to`: who the next level is (the unit's escalation steps).
    Escalate {
        reason: String,
        to: String,
    },
    RecordAction {
        legal_sections: Vec<String>,
        takedown_requested: bool,
        note: String,
    },
}

impl Supervision {
    fn needs_supervisor(&self) -> bool {
        matches!(self, Supervision::Reassign { .. } | Supervision::Approve { .. })
    }
}

pub async fn supervise(
    pool: &PgPool,
    op: &Operator,
    docket: &str,
    action: Supervision,
) -> Result<(CaseRow, Vec<i64>), StoreError> {
    if action.needs_supervisor() && !op.supervises() {
        return Err(StoreError::Forbidden(format!("{} is an operator; a supervisor or HQ must do this", op.name)));
    }
    let mut tx = pool.begin().await?;
    let case = super::lock_visible(&mut tx, op, docket).await?;
    let now = Utc::now();
    let (after, kind, name, detail): (CaseRow, _, _, String) = match &action {
        Supervision::Reassign { to } => {
            if !to.may_see(&case.unit) {
                return Err(StoreError::Conflict(format!("{} does not work unit {}", to.name, case.unit)));
            }
            if !matches!(case.state.as_str(), "open" | "in_process") {
                return Err(StoreError::Conflict(format!("case {docket} is {}", case.state)));
            }
            let after = claim_for(&mut tx, case.id, &to.name, now).await?;
            let from = case.claimed_by.clone().unwrap_or_else(|| "nobody".into());
            (after, CaseEventKind::Reassigned, "case.reassign", format!("{from}→{}", to.name))
        }
        Supervision::Approve { approve, send, note } => {
            let waiting: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM replies WHERE case_id = $1 AND status = 'awaiting_approval' ORDER BY id DESC LIMIT 1",
            )
            .bind(case.id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(reply_id) = waiting else {
                return Err(StoreError::Conflict(format!("case {docket} has no reply waiting for approval")));
            };
            let status = match (approve, send) {
                (false, _) => "rejected",
                (true, true) => "pending",
                (true, false) => "manual",
            };
            sqlx::query(
                "UPDATE replies SET status = $2, sent_at = CASE WHEN $2 = 'manual' THEN $3 END,
                     next_attempt_at = $3 WHERE id = $1",
            )
            .bind(reply_id)
            .bind(status)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // A reply sent by hand counts now; one Tvarit sends counts when the platform confirms it.
            let after = sqlx::query_as(returning(
                "UPDATE cases SET reply_status = $2,
                     first_reply_at = CASE WHEN $2 = 'manual' THEN COALESCE(first_reply_at, $3) ELSE first_reply_at END
                 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(status)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            (after, CaseEventKind::Approved, "case.approve", format!("{status}: {note}"))
        }
        Supervision::Escalate { reason, to } => {
            let after = sqlx::query_as(returning(
                "UPDATE cases SET escalation_level = escalation_level + 1, escalated_to = $2 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(to)
            .fetch_one(&mut *tx)
            .await?;
            (after, CaseEventKind::Escalated, "case.escalate", format!("to {to}: {reason}"))
        }
        Supervision::RecordAction { legal_sections, takedown_requested, note } => {
            sqlx::query(
                "INSERT INTO case_actions (case_id, operator, legal_sections, takedown_requested, note)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(case.id)
            .bind(&op.name)
            .bind(legal_sections)
            .bind(takedown_requested)
            .bind(note)
            .execute(&mut *tx)
            .await?;
            let detail = format!("sections={} takedown={takedown_requested} {note}", legal_sections.join(","));
            (case.clone(), CaseEventKind::ActionRecorded, "case.record_action", detail)
        }
    };
    // The reason of an escalation and the note of an approval travel with
    // the event, so the case's history shows them (the audit entry keeps them too).
    let note = match &action {
        Supervision::Escalate { reason, .. } => reason.as_str(),
        Supervision::Approve { note, .. } | Supervision::RecordAction { note, .. } => note.as_str(),
        Supervision::Reassign { .. } => "",
    };
    let events = outbox::record_noted(&mut tx, kind, &op.name, &after, note).await?;
    audit::append(&mut tx, audit::Entry { actor: &op.name, action: name, subject: docket, detail: &detail }).await?;
    tx.commit().await?;
    Ok((after, events))
}
