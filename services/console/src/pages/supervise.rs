//! Supervisors and HQ: escalated cases and replies waiting for approval in
//! one of their units, live (the same stream as the queue, another view).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use tvarit_proto::v1::ListQueueRequest;

use super::queue::{UnitQuery, chosen_unit, live_table, unit_picker};
use crate::AppState;
use crate::html::{Page, Section, esc, percent_encode};
use crate::live::{View, shows};
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<UnitQuery>) -> Response {
    let (l, session) = (signed.lang, &signed.session);
    if !session.supervises() {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let unit = match chosen_unit(&state, session, q.unit.as_deref()) {
        Ok(u) => u,
        Err(code) => return super::error_page(&signed, code, l.t("error.forbidden")),
    };
    let req = authed(&session.token, ListQueueRequest { unit: unit.clone(), all: false, limit: 0 });
    let mut cases = match state.desk().list_queue(req).await {
        Ok(r) => r.into_inner().cases,
        Err(status) => return super::failure(&state, &signed, &status),
    };
    cases.retain(|c| session.may_see(&c.unit) && shows(View::Supervise, c));
    rows::sort(&mut cases);
    let name = rows::unit_name(&state.registry, l, &unit);
    let mut body = format!(r#"<div class="page-head"><h1>{} · {}</h1>"#, l.t("supervise.title"), esc(&name));
    body.push_str(&unit_picker(&state, l, session, "/supervise", &unit));
    body.push_str("</div>");
    body.push_str(&format!(r#"<p class="help">{}</p>"#, l.t("supervise.help")));
    body.push_str(&live_table(&state, l, session, &unit, "supervise", &cases, "supervise.empty"));
    let page = Page {
        lang: l,
        title: l.t("supervise.title").into(),
        section: Section::Supervise,
        session: Some(session),
        here: format!("/supervise?unit={}", percent_encode(&unit)),
        body,
    };
    super::html(StatusCode::OK, page)
}
