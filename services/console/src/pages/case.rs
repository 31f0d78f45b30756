//! One case: the post (personal data masked), the classifier's reasons, the
//! suggested draft ready to send, and the actions. Every action is a form
//! that posts here and comes back, so it all works without the script; the
//! script adds Ctrl+Enter to send and keeps the SLA countdown running.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{
    ApproveRequest, Case, CaseRef, CaseTimelineRequest, DraftRequest, EscalateRequest, ListOperatorsRequest,
    ReassignRequest, RelabelRequest, ReplyRequest,
};
use tvarit_proto::{CaseState, Category, Urgency};

use super::case_view;
use crate::AppState;
use crate::html::{Page, Section, percent_encode};
use crate::rpc::authed;
use crate::security::Signed;

/// The case, if it exists and is in one of the person's units. Another
/// unit's case is "not found", as tvarit-reply reports it.
pub(super) async fn visible_case(state: &AppState, signed: &Signed, docket: &str) -> Result<Case, Response> {
    let req = authed(&signed.session.token, CaseRef { docket: docket.to_owned() });
    match state.desk().get_case(req).await {
        Ok(resp) if signed.session.may_see(&resp.get_ref().unit) => Ok(resp.into_inner()),
        Ok(_) => Err(super::failure(state, signed, &tonic::Status::not_found("not in your units"))),
        Err(status) => Err(super::failure(state, signed, &status)),
    }
}

pub async fn page(State(state): State<AppState>, signed: Signed, Path(docket): Path<String>) -> Response {
    let case = match visible_case(&state, &signed, &docket).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let token = &signed.session.token;
    let draft = state.library().draft(authed(token, DraftRequest { docket: docket.clone() })).await.ok();
    let timeline = state
        .metrics()
        .case_timeline(authed(token, CaseTimelineRequest { docket: docket.clone() }))
        .await
        .ok()
        .map(|r| r.into_inner());
    let thread = state.desk().get_thread(authed(token, CaseRef { docket: docket.clone() })).await.ok();
    let thread = thread.map(|r| r.into_inner());
    let live = matches!(case.state(), CaseState::Open | CaseState::InProcess);
    let operators = if live && signed.session.supervises() {
        let req = authed(token, ListOperatorsRequest { unit: case.unit.clone() });
        state.desk().list_operators(req).await.map(|r| r.into_inner().operators).unwrap_or_default()
    } else {
        Vec::new()
    };
    let repeats = super::case_next::repeats(&state, token, &case).await;
    let others = state.presence.viewing(&case.docket, &signed.session.operator.name);
    let flash = signed.session.take_flash();
    let draft = draft.map(|d| d.into_inner());
    let extras = case_view::Extras {
        draft: draft.as_ref(),
        timeline: timeline.as_ref(),
        thread: thread.as_ref(),
        flash: flash.as_ref(),
        operators: &operators,
        repeats: &repeats,
        others: &others,
    };
    let body = case_view::render(&state, &signed, &case, extras);
    let l = signed.lang;
    let page = Page {
        lang: l,
        title: format!("{} {}", l.t("case.title"), case.docket),
        section: Section::Case,
        session: Some(&signed.session),
        here: format!("/cases/{}", percent_encode(&case.docket)),
        body,
    };
    super::html(StatusCode::OK, page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    text: String,
    close_after: Option<String>,
    /// "Send as a direct message" ticked.
    private: Option<String>,
    /// "Send and open next": after the reply, the next case of my queue.
    next: Option<String>,
    reason: String,
    category: String,
    urgency: String,
    operator: String,
    decision: String,
    note: String,
    /// Where a form on a queue row comes back to: "queue" or "supervise"
    /// (anything else: the case page).
    back: String,
}

pub async fn act(
    State(state): State<AppState>,
    signed: Signed,
    Path((docket, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let form: ActionForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let case = match visible_case(&state, &signed, &docket).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let token = signed.session.token.clone();
    let back = match form.back.as_str() {
        view @ ("queue" | "supervise") => format!("/{view}?unit={}", percent_encode(&case.unit)),
        _ => format!("/cases/{}", percent_encode(&docket)),
    };
    let mut desk = state.desk();
    let cref = || authed(&token, CaseRef { docket: docket.clone() });
    let (result, done_key) = match action.as_str() {
        "claim" => (desk.claim(cref()).await, "done.claimed"),
        "close" => (desk.close(cref()).await, "done.closed"),
        "acknowledge" => (desk.acknowledge(cref()).await, "done.acknowledged"),
        "release" => (desk.release(cref()).await, "done.released"),
        "reopen" => (desk.reopen(cref()).await, "done.reopened"),
        "forward" => (desk.forward(cref()).await, "done.forwarded"),
        "close_repeats" => return super::case_next::close_repeats(&state, &signed, &case, &body).await,
        "reply" => {
            let req = authed(
                &token,
                ReplyRequest { docket: docket.clone(), text: form.text.clone(), private: form.private.is_some() },
            );
            let result = desk.reply(req).await;
            if let (Ok(sent), Some(_)) = (&result, &form.close_after) {
                tokio::spawn(close_when_sent(state.clone(), token.clone(), sent.get_ref().clone()));
            }
            let sent = match &result {
                Ok(c) => c.get_ref().reply_status.clone(),
                Err(status) => return reply_refused(&state, &signed, &back, status, form.text),
            };
            // Say what happens to it: a sensitive case's reply waits for a
            // supervisor, and is not "being sent".
            let key = match sent.as_str() {
                "awaiting_approval" => "done.awaiting_approval",
                "manual" => "done.recorded",
                _ => "done.replied",
            };
            if form.next.is_some() {
                let to = super::case_next::after(&state, &signed, &case).await;
                return super::done(&signed, &to, Ok(key), None);
            }
            (result, key)
        }
        "escalate" => {
            let req = authed(&token, EscalateRequest { docket: docket.clone(), reason: form.reason });
            (desk.escalate(req).await, "done.escalated")
        }
        "relabel" => {
            let category = Category::from_slug(&form.category).unwrap_or_default() as i32;
            let urgency = Urgency::from_slug(&form.urgency).unwrap_or_default() as i32;
            let req = authed(&token, RelabelRequest { docket: docket.clone(), category, urgency });
            (desk.relabel(req).await, "done.relabelled")
        }
        "reassign" => {
            let req = authed(&token, ReassignRequest { docket: docket.clone(), operator: form.operator.trim().into() });
            (desk.reassign(req).await, "done.reassigned")
        }
        "approve" => {
            let approve = form.decision == "approve";
            let req = authed(&token, ApproveRequest { docket: docket.clone(), approve, note: form.note });
            (desk.approve(req).await, "done.approved")
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        // A closed case leaves the queue: go back to it for the next one.
        Ok(c) if c.get_ref().state() == CaseState::Closed => {
            super::done(&signed, &format!("/queue?unit={}", percent_encode(&case.unit)), Ok(done_key), None)
        }
        Ok(_) => super::done(&signed, &back, Ok(done_key), None),
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::NotFound | Code::Unavailable) => {
            super::failure(&state, &signed, &status)
        }
        Err(status) => super::done(&signed, &back, Err(&status), None),
    }
}

/// A refused reply (the guard, the length, someone else's claim) keeps what
/// the person typed.
fn reply_refused(state: &AppState, signed: &Signed, back: &str, status: &tonic::Status, text: String) -> Response {
    match status.code() {
        Code::Unauthenticated | Code::NotFound | Code::Unavailable => super::failure(state, signed, status),
        _ => super::done(signed, back, Err(status), Some(text)),
    }
}

/// "Close when sent": waits for the platform to take the reply, then closes
/// the case. A refused or held reply leaves the case open, as the person
/// must see the reason or wait for a supervisor.
async fn close_when_sent(state: AppState, token: String, mut case: Case) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        match case.reply_status.as_str() {
            "sent" | "manual" => break,
            "failed" | "rejected" | "awaiting_approval" => return,
            _ => {}
        }
        if tokio::time::Instant::now() > deadline {
            tracing::warn!(docket = %case.docket, "reply not delivered in time; the case stays open");
            return;
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(300)) => {}
        }
        match state.desk().get_case(authed(&token, CaseRef { docket: case.docket.clone() })).await {
            Ok(resp) => case = resp.into_inner(),
            Err(e) if e.code() == Code::Unavailable => continue,
            Err(_) => return,
        }
    }
    if case.state() == CaseState::Closed {
        return;
    }
    match state.desk().close(authed(&token, CaseRef { docket: case.docket.clone() })).await {
        Ok(_) => tracing::info!(docket = %case.docket, "closed after the reply was sent"),
        Err(e) => tracing::warn!(docket = %case.docket, error = %e.message(), "could not close after sending"),
    }
}
