//! `/units/{unit}/events`: a unit's queue as Server-Sent Events, proxied
//! from `Desk.WatchQueue` with the person's own token, so tvarit-reply
//! applies their unit rules; each case is checked here again before it is
//! sent. Events carry the rendered row, so the page and the stream share
//! one markup:
//!
//! - `upsert` `{docket, html, pinned}`: show or replace a row;
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
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;
use tvarit_proto::CaseState;
use tvarit_proto::v1::{Case, WatchQueueRequest};

use crate::AppState;
use crate::i18n::Lang;
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// The live queue: open and in-process cases.
    #[default]
    Queue,
    /// Supervisors: escalated cases and replies waiting for approval.
    Supervise,
}

#[derive(Deserialize)]
pub struct ViewQuery {
    #[serde(default)]
    view: View,
}

pub fn shows(view: View, c: &Case) -> bool {
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    match view {
        View::Queue => live,
        View::Supervise => live && (c.escalation_level > 0 || c.reply_status == "awaiting_approval"),
    }
}

/// How long the snapshot may pause before it is taken as complete.
const SNAPSHOT_QUIET: Duration = Duration::from_millis(300);

fn upsert(lang: Lang, state: &AppState, c: &Case) -> Event {
    let html = rows::row(lang, &state.registry, c, Utc::now().timestamp_millis());
    let data = serde_json::json!({ "docket": c.docket, "html": html, "pinned": rows::pinned(c) });
    Event::default().event("upsert").data(data.to_string())
}

fn remove(docket: &str) -> Event {
    Event::default().event("remove").data(serde_json::json!({ "docket": docket }).to_string())
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
    let (lang, view, shutdown) = (signed.lang, q.view, state.shutdown.clone());
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
                let event = Event::default().event("synced").data(serde_json::json!(present).to_string());
                if tx.send(event).await.is_err() {
                    return;
                }
            }
            let Some(case) = update.and_then(|u| u.case) else { continue };
            if !session.may_see(&case.unit) {
                tracing::warn!(operator = %session.operator.name, unit = %case.unit, "dropped an update from another unit");
                continue;
            }
            let visible = shows(view, &case);
            if let Some(present) = snapshot.as_mut().filter(|_| visible) {
                present.push(case.docket.clone());
            }
            let event = if visible { upsert(lang, &state, &case) } else { remove(&case.docket) };
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
        let open = Case { state: CaseState::Open as i32, ..Default::default() };
        assert!(shows(View::Queue, &open));
        assert!(!shows(View::Supervise, &open));
        let escalated = Case { escalation_level: 1, ..open.clone() };
        assert!(shows(View::Supervise, &escalated));
        let waiting = Case { reply_status: "awaiting_approval".into(), ..open.clone() };
        assert!(shows(View::Supervise, &waiting));
        let closed = Case { state: CaseState::Closed as i32, escalation_level: 1, ..Default::default() };
        assert!(!shows(View::Queue, &closed) && !shows(View::Supervise, &closed));
    }
}
