//! Working through a queue quickly: "Send and open next" (after a reply,
//! the next case of my queue) and closing an author's repeats from the case
//! that answers them (one confirmation; each case closed by its own
//! `Desk.Close`, so each is audited as the person's close).

use std::collections::HashSet;

use axum::response::{IntoResponse, Redirect, Response};
use tonic::Code;
use tvarit_proto::CaseState;
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest, SearchCasesRequest};

use crate::AppState;
use crate::html::percent_encode;
use crate::live::{Show, View, shows};
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Flash;

/// Where to go after sending: the first case of the unit's live queue, in
/// the queue's own order, other than this one and not held by someone else;
/// the queue itself when there is none (or it could not be read).
pub async fn after(state: &AppState, signed: &Signed, case: &Case) -> String {
    let queue = format!("/queue?unit={}", percent_encode(&case.unit));
    let req = authed(&signed.session.token, ListQueueRequest { unit: case.unit.clone(), all: false, limit: 0 });
    let Ok(resp) = state.desk().list_queue(req).await else { return queue };
    let me = signed.session.operator.name.as_str();
    let mut cases = resp.into_inner().cases;
    cases.retain(|c| {
        c.docket != case.docket
            && signed.session.may_see(&c.unit)
            && shows(View::Queue, Show::All, &case.unit, c)
            && (c.claimed_by.is_empty() || c.claimed_by == me)
    });
    rows::sort(&mut cases, View::Queue);
    cases.first().map_or(queue, |c| format!("/cases/{}", percent_encode(&c.docket)))
}

/// The author's other live cases in this case's unit: the same person
/// writing again about the same thing, which one answer settles.
pub async fn repeats(state: &AppState, token: &str, case: &Case) -> Vec<Case> {
    let handle = case.post.as_ref().and_then(|p| p.author.as_ref()).map(|a| a.handle.clone()).unwrap_or_default();
    if handle.is_empty() {
        return Vec::new();
    }
    let req = SearchCasesRequest { author: handle, unit: case.unit.clone(), limit: 50, ..Default::default() };
    let Ok(resp) = state.desk().search_cases(authed(token, req)).await else { return Vec::new() };
    let mut found = resp.into_inner().cases;
    found.retain(|c| {
        c.docket != case.docket && c.unit == case.unit && matches!(c.state(), CaseState::Open | CaseState::InProcess)
    });
    found
}

/// Closes the ticked repeats of `case`. Only the author's live cases of the
/// unit are closed, whatever the form says, so a forged form closes nothing
/// else; the outcome says how many closed and why any did not.
pub async fn close_repeats(state: &AppState, signed: &Signed, case: &Case, body: &[u8]) -> Response {
    let l = signed.lang;
    let back = format!("/cases/{}", percent_encode(&case.docket));
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return (axum::http::StatusCode::BAD_REQUEST, "bad form").into_response();
    };
    let allowed: HashSet<String> =
        repeats(state, &signed.session.token, case).await.into_iter().map(|c| c.docket).collect();
    let chosen: Vec<String> =
        pairs.into_iter().filter(|(k, _)| k == "repeat").map(|(_, v)| v).filter(|d| allowed.contains(d)).collect();
    if chosen.is_empty() {
        signed.session.set_flash(Flash { ok: false, text: l.t("repeats.none").into(), kept_text: None });
        return Redirect::to(&back).into_response();
    }
    let (mut closed, mut refused) = (0, Vec::new());
    for docket in chosen {
        let req = authed(&signed.session.token, CaseRef { docket: docket.clone() });
        match state.desk().close(req).await {
            Ok(_) => closed += 1,
            Err(status) if status.code() == Code::Unauthenticated => return super::failure(state, signed, &status),
            Err(status) => refused.push(format!("{docket}: {}", status.message())),
        }
    }
    let mut text = l.t("done.repeats_closed").replace("{n}", &closed.to_string());
    if !refused.is_empty() {
        text = format!("{text} {}", refused.join("; "));
    }
    signed.session.set_flash(Flash { ok: refused.is_empty(), text, kept_text: None });
    Redirect::to(&back).into_response()
}
