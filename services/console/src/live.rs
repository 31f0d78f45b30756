//! `/units/{unit}/events`: a unit's queue as Server-Sent Events, proxied
//! from `Desk.WatchQueue` with the person's own token, so tvarit-reply
//! applies their unit rules; each case is checked here again before it is
//! sent. Events carry the rendered row, so the page and the stream share
//! one markup:
//!
//! - `upsert` `{docket, html, pinned, alarm, escalation?}`: show or replace a
//!   row; `alarm` while the case rings, `escalation` `{key, title, body}` for
//!   a supervisor when the case was just escalated (a desktop notification);
//! - `remove` `{docket}`: the case left this view (closed, de-escalated, ...);
//! - `synced` `[docket, ...]`: the cases present when the watch began; rows
//!   not in it went away while the page was loading.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tvarit_proto::CaseState;
use tvarit_proto::v1::{Case, CaseEventKind, QueueUpdate, WatchQueueRequest};
use tvarit_registry::Registry;

use crate::AppState;
use crate::alarm::{self, Ack};
use crate::i18n::Lang;
use crate::rows::{self, Shown};
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Session;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// The live queue: open and in-process cases.
    #[default]
    Queue,
    /// Supervisors: escalated cases and replies waiting for approval.
    Supervise,
}

impl View {
    /// As in `?view=`, and as the Acknowledge form's way back.
    pub fn slug(self) -> &'static str {
        match self {
            View::Queue => "queue",
            View::Supervise => "supervise",
        }
    }
}

/// Supervision's filter: a supervisor looking for the replies waiting on
/// them should not have to find them among auto-escalations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    #[default]
    All,
    Approvals,
    Escalations,
}

impl Show {
    pub const ALL: [Show; 3] = [Show::All, Show::Approvals, Show::Escalations];

    pub fn slug(self) -> &'static str {
        match self {
            Show::All => "all",
            Show::Approvals => "approvals",
            Show::Escalations => "escalations",
        }
    }
}

#[derive(Deserialize)]
pub struct ViewQuery {
    #[serde(default)]
    view: View,
    #[serde(default)]
    show: Show,
    /// The queue's saved view (`presets.rs`).
    #[serde(default)]
    preset: String,
    #[serde(default)]
    category: String,
}

/// Whether `c` belongs in `unit`'s `view` (with supervision's filter):
/// the unit's own live cases, and in HQ's the ones handed to HQ.
pub fn shows(view: View, show: Show, unit: &str, c: &Case) -> bool {
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    if !live || !rows::in_unit(c, unit) {
        return false;
    }
    let approval = c.reply_status == "awaiting_approval";
    // A handoff to HQ raises a case without climbing a rung.
    let escalated = c.escalation_level > 0 || !c.escalated_to.is_empty();
    match (view, show) {
        (View::Queue, _) => true,
        (View::Supervise, Show::All) => approval || escalated,
        (View::Supervise, Show::Approvals) => approval,
        (View::Supervise, Show::Escalations) => escalated,
    }
}

/// How long the snapshot may pause before it is taken as complete.
const SNAPSHOT_QUIET: Duration = Duration::from_millis(300);

/// The notification of an escalation step, for a supervisor or HQ: every
/// step of the ladder tells its target, and they are the targets a console
/// can reach. A snapshot is not news.
fn escalation(lang: Lang, registry: &Registry, supervises: bool, update: &QueueUpdate, c: &Case) -> Option<Value> {
    if !supervises || update.snapshot || update.kind() != CaseEventKind::Escalated {
        return None;
    }
    let n = alarm::escalation_notice(lang, registry, c);
    let key = format!("{}@{}", c.docket, c.escalation_level);
    Some(json!({ "key": key, "title": n.title, "body": n.body }))
}

fn upsert(lang: Lang, state: &AppState, session: &Session, shown: Shown<'_>, update: &QueueUpdate, c: &Case) -> Event {
    let html = rows::row(lang, &state.registry, c, Utc::now().timestamp_millis(), shown).into_string();
    let mut data = json!({ "docket": c.docket, "html": html, "pinned": rows::pinned(c), "alarm": c.alarm });
    if let Some(e) = escalation(lang, &state.registry, session.supervises(), update, c) {
        data["escalation"] = e;
    }
    Event::default().event("upsert").data(data.to_string())
}

fn remove(docket: &str) -> Event {
    Event::default().event("remove").data(json!({ "docket": docket }).to_string())
}

pub async fn events(
    State(state): State<AppState>,
    signed: Signed,
    Path(unit): Path<String>,
    Query(q): Query<ViewQuery>,
) -> Response {
    let session = signed.session.clone();
    if state.registry.unit(&unit).is_none() || !session.may_see(&unit) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let req = authed(&session.token, WatchQueueRequest { unit: unit.clone() });
    let mut updates = match state.desk().watch_queue(req).await {
        Ok(resp) => resp.into_inner(),
        Err(status) => {
            let code = match status.code() {
                Code::Unauthenticated => StatusCode::UNAUTHORIZED,
                Code::PermissionDenied | Code::InvalidArgument => StatusCode::FORBIDDEN,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            return code.into_response();
        }
    };
    let (tx, rx) = mpsc::channel::<Event>(256);
    let (lang, view, show, shutdown) = (signed.lang, q.view, q.show, state.shutdown.clone());
    let preset = crate::presets::Preset { preset: q.preset, category: q.category };
    tokio::spawn(async move {
        // The browser reconnects a second after the stream ends.
        let _ = tx.send(Event::default().retry(Duration::from_secs(1)).comment("watching")).await;
        let mut snapshot: Option<Vec<String>> = Some(Vec::new());
        loop {
            let wait = if snapshot.is_some() { SNAPSHOT_QUIET } else { Duration::from_secs(3600) };
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tx.closed() => return,
                next = tokio::time::timeout(wait, updates.next()) => next,
            };
            let update = match next {
                Err(_) => None,
                Ok(Some(Ok(update))) => Some(update),
                // The service ended the watch (restart, slow client): the browser reconnects.
                Ok(_) => return,
            };
            if let Some(present) = snapshot.take_if(|_| update.as_ref().is_none_or(|u| !u.snapshot)) {
                let event = Event::default().event("synced").data(json!(present).to_string());
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            let Some((update, case)) = update.and_then(|mut u| u.case.take().map(|c| (u, c))) else { continue };
            if !session.may_see(&case.unit) {
                tracing::warn!(operator = %session.operator.name, unit = %case.unit, "dropped an update from another unit");
                continue;
            }
            let visible = shows(view, show, &unit, &case)
                && preset.keeps(&case, &session.operator.name, Utc::now().timestamp_millis());
            if let Some(present) = snapshot.as_mut().filter(|_| visible) {
                present.push(case.docket.clone());
            }
            let shown = Shown { view, unit: &unit, ack: Some(Ack { csrf: &session.csrf, back: view.slug() }) };
            let event =
                if visible { upsert(lang, &state, &session, shown, &update, &case) } else { remove(&case.docket) };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
    let stream = ReceiverStream::new(rx).map(Ok::<_, Infallible>);
    let mut resp = Sse::new(stream).keep_alive(KeepAlive::default()).into_response();
    // Proxies must pass events through at once.
    resp.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supervisors_see_escalations_and_waiting_approvals() {
        let open = Case { unit: "balotra".into(), state: CaseState::Open as i32, ..Default::default() };
        let sees = |view, show, c: &Case| shows(view, show, "balotra", c);
        assert!(sees(View::Queue, Show::All, &open));
        assert!(!sees(View::Supervise, Show::All, &open));
        let escalated = Case { escalation_level: 1, ..open.clone() };
        assert!(sees(View::Supervise, Show::All, &escalated) && sees(View::Supervise, Show::Escalations, &escalated));
        assert!(!sees(View::Supervise, Show::Approvals, &escalated));
        let waiting = Case { reply_status: "awaiting_approval".into(), ..open.clone() };
        assert!(sees(View::Supervise, Show::All, &waiting) && sees(View::Supervise, Show::Approvals, &waiting));
        assert!(!sees(View::Supervise, Show::Escalations, &waiting));
        let closed = Case { state: CaseState::Closed as i32, escalation_level: 1, ..open.clone() };
        assert!(!sees(View::Queue, Show::All, &closed) && !sees(View::Supervise, Show::All, &closed));
    }

    #[test]
    fn hq_follows_the_cases_handed_to_it() {
        let handed = Case {
            unit: "balotra".into(),
            state: CaseState::Open as i32,
            escalated_to: "hq".into(),
            ..Default::default()
        };
        assert!(shows(View::Queue, Show::All, "hq", &handed), "in HQ's queue");
        assert!(shows(View::Supervise, Show::Escalations, "hq", &handed), "a handoff is an escalation");
        assert!(shows(View::Queue, Show::All, "balotra", &handed), "and still in its district's");
        assert!(!shows(View::Queue, Show::All, "jaipur", &handed));
        let raised_elsewhere = Case { escalated_to: "nodal officer".into(), ..handed };
        assert!(!shows(View::Queue, Show::All, "hq", &raised_elsewhere), "HQ drops it");
    }

    #[test]
    fn supervisors_are_told_of_each_escalation_step_once() {
        let registry = Registry::rajasthan();
        let c = Case { docket: "BLT-1".into(), unit: "balotra".into(), escalation_level: 2, ..Default::default() };
        let c = Case { escalated_to: "nodal officer".into(), ..c };
        let step = QueueUpdate { kind: CaseEventKind::Escalated as i32, ..Default::default() };
        let told = escalation(Lang::En, &registry, true, &step, &c).unwrap();
        assert_eq!(told["title"], "BLT-1 escalated to nodal officer");
        assert_eq!(told["key"], "BLT-1@2");
        assert!(escalation(Lang::En, &registry, false, &step, &c).is_none(), "operators are not the target");
        let snapshot = QueueUpdate { snapshot: true, ..step.clone() };
        assert!(escalation(Lang::En, &registry, true, &snapshot, &c).is_none());
        let claimed = QueueUpdate { kind: CaseEventKind::Claimed as i32, ..step };
        assert!(escalation(Lang::En, &registry, true, &claimed, &c).is_none());
    }
}
