//! The alarm's outside half: alerts to a unit's control room (DESIGN.md
//! "Alerts", docs/sla.md "The alarm"). The inside half, the ring in the
//! console and `tvarit-desk watch`, follows `Case.alarm` on the live queue.
//!
//! An alert is raised in the transaction of the case event that calls for
//! it (`raise`, from `outbox::record_traced`): an emergency opened, a case
//! relabelled into one, and every escalation step of any case. It is then
//! delivered at least once by [`deliver::AlertDeliverer`]: a signed POST,
//! retried with back-off until a 2xx, across restarts, each delivery audited.
//! Alerts about accounts rather than cases (`account`) share the outbox.

pub mod account;
pub mod deliver;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Postgres, Transaction};
use tvarit_proto::v1::{CaseEventKind, Post, Relabel};
use tvarit_proto::{Category, time::to_millis};

use crate::store::CaseRow;

/// The PostgreSQL channel an alert's transaction notifies on commit, so a
/// deliverer (of any replica) wakes at once instead of at its next poll.
pub const CHANNEL: &str = "tvarit_alerts";

/// Why a control room hears of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertEvent {
    /// An emergency opened, or a case became one.
    Opened,
    /// A case climbed a step of its escalation ladder (or was raised by hand).
    Escalated,
    /// As `Escalated`, for an emergency that nobody has claimed or acknowledged.
    Unacknowledged,
    /// An account's credential needs a person (`account::raise`), not a case.
    Account,
    /// A person sent the case to its police station (`Desk.Forward`).
    Forwarded,
}

impl AlertEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertEvent::Opened => "opened",
            AlertEvent::Escalated => "escalated",
            AlertEvent::Unacknowledged => "unacknowledged",
            AlertEvent::Account => "account",
            AlertEvent::Forwarded => "forwarded",
        }
    }
}

/// An alert a case event calls for: what happened, for whom, and whose
/// control room receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raised {
    pub event: AlertEvent,
    pub target: String,
    pub dest_unit: String,
}

/// Whether a case event (the case as it is after it) raises an alert.
pub fn rule(kind: CaseEventKind, case: &CaseRow, relabel: Option<&Relabel>) -> Option<Raised> {
    let live = matches!(case.state.as_str(), "open" | "in_process");
    let emergency = case.category == "emergency";
    let control_room = |event| Raised { event, target: "control room".into(), dest_unit: case.unit.clone() };
    match kind {
        CaseEventKind::Opened if emergency && live => Some(control_room(AlertEvent::Opened)),
        CaseEventKind::Relabelled
            if emergency && live && relabel.is_some_and(|r| r.from_category() != Category::Emergency) =>
        {
            Some(control_room(AlertEvent::Opened))
        }
        CaseEventKind::Escalated => {
            let to = case.escalated_to.trim();
            // A handoff ("hq") and HQ's own rungs ("hq/nodal officer") reach HQ's control room.
            let dest = if to == "hq" || to.starts_with("hq/") { "hq" } else { case.unit.as_str() };
            let event = if case.alarm() { AlertEvent::Unacknowledged } else { AlertEvent::Escalated };
            Some(Raised {
                event,
                target: if to.is_empty() { "supervisor".into() } else { to.into() },
                dest_unit: dest.into(),
            })
        }
        // The control room passes it to the thana (`target`); the body names
        // the station too.
        CaseEventKind::Forwarded => {
            let station = case.to_proto().police_station;
            Some(Raised {
                event: AlertEvent::Forwarded,
                target: format!("police station {station}"),
                dest_unit: case.unit.clone(),
            })
        }
        _ => None,
    }
}

/// The alert's id: the same for every retry and every replica, because it
/// is derived from the event that raised it.
pub fn alert_id(docket: &str, event: AlertEvent, event_id: i64) -> String {
    format!("{docket}/{}/{event_id}", event.as_str())
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where a person can open the post on its platform ("" when the ids we
/// hold do not make a link).
pub fn post_url(post: &Post) -> String {
    let id = post.post_id.as_str();
    match post.platform.as_str() {
        "x" if !id.is_empty() => format!("https://x.com/i/web/status/{id}"),
        "facebook" if !id.is_empty() => format!("https://www.facebook.com/{id}"),
        "youtube" if !post.conversation_id.is_empty() => {
            format!("https://www.youtube.com/watch?v={}&lc={id}", post.conversation_id)
        }
        _ => String::new(),
    }
}

/// The JSON body of DESIGN.md's contract (plus `target` and
/// `escalation_level`), fixed when the alert is raised.
pub fn body(id: &str, raised: &Raised, case: &CaseRow) -> Vec<u8> {
    let proto = case.to_proto();
    let post = proto.post.unwrap_or_default();
    let created_at = post.created_at.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t))).map(rfc3339);
    serde_json::json!({
        "alert_id": id,
        "event": raised.event.as_str(),
        "docket": case.docket,
        "unit": case.unit,
        "category": case.category,
        "urgency": case.urgency,
        "opened_at": rfc3339(case.opened_at),
        "target": raised.target,
        "escalation_level": case.escalation_level,
        "police_station": proto.police_station,
        "post": {
            "platform": post.platform,
            "id": post.post_id,
            "created_at": created_at,
            "text": post.text,
            "url": post_url(&post),
        },
    })
    .to_string()
    .into_bytes()
}

/// The alerts of one batch of events, a column each (`UNNEST`).
#[derive(Default)]
struct AlertColumns<'a> {
    alert_id: Vec<String>,
    case_id: Vec<i64>,
    docket: Vec<&'a str>,
    event: Vec<&'static str>,
    target: Vec<String>,
    dest_unit: Vec<String>,
    body: Vec<Vec<u8>>,
}

/// Raises the alerts that the events `ids` (one per case, of `kind`) call
/// for, in the events' transaction; PostgreSQL tells deliverers on commit.
pub async fn raise(
    tx: &mut Transaction<'_, Postgres>,
    kind: CaseEventKind,
    cases: &[CaseRow],
    relabel: Option<&Relabel>,
    ids: &[i64],
) -> Result<usize, sqlx::Error> {
    let mut cols = AlertColumns::default();
    for (case, event_id) in cases.iter().zip(ids) {
        let Some(raised) = rule(kind, case, relabel) else { continue };
        let id = alert_id(&case.docket, raised.event, *event_id);
        cols.body.push(body(&id, &raised, case));
        cols.alert_id.push(id);
        cols.case_id.push(case.id);
        cols.docket.push(&case.docket);
        cols.event.push(raised.event.as_str());
        cols.target.push(raised.target);
        cols.dest_unit.push(raised.dest_unit);
    }
    if cols.alert_id.is_empty() {
        return Ok(0);
    }
    let raised = sqlx::query(
        "INSERT INTO alerts (alert_id, case_id, docket, event, target, dest_unit, body)
         SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[])
         ON CONFLICT (alert_id) DO NOTHING",
    )
    .bind(&cols.alert_id)
    .bind(&cols.case_id)
    .bind(&cols.docket)
    .bind(&cols.event)
    .bind(&cols.target)
    .bind(&cols.dest_unit)
    .bind(&cols.body)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut **tx).await?;
    Ok(raised as usize)
}

#[cfg(test)]
mod tests;
