//! Supervisors and HQ: replies waiting for their approval first, then
//! escalated cases, in one of their units, live (the same stream as the
//! queue, another view). A filter shows only approvals or only escalations;
//! HQ's view includes the district cases handed to HQ. Above it, every unit
//! of mine with its approvals and breaches, those with approvals first.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tvarit_proto::v1::HandoverRequest;

use super::queue::{live_table, unit_picker, unit_queue};
use crate::AppState;
use crate::html::{Page, Section, esc, percent_encode};
use crate::i18n::Lang;
use crate::live::{Show, View, shows};
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;

#[derive(Deserialize)]
pub struct SuperviseQuery {
    unit: Option<String>,
    #[serde(default)]
    show: Show,
}

/// All · Approvals · Escalations, as links (the page works without the script).
fn filter(l: Lang, unit: &str, show: Show) -> String {
    let mut out = format!(r#"<nav class="filter" aria-label="{}"><ul>"#, l.t("supervise.show"));
    for s in Show::ALL {
        let current = if s == show { r#" aria-current="page""# } else { "" };
        let _ = write!(
            out,
            r#"<li><a href="/supervise?unit={u}&amp;show={slug}" id="show-{slug}"{current}>{name}</a></li>"#,
            u = esc(&percent_encode(unit)),
            slug = s.slug(),
            name = l.t(&format!("supervise.{}", s.slug())),
        );
    }
    out.push_str("</ul></nav>");
    out
}

/// Every unit I supervise on one line each, those with approvals waiting
/// first, then those with breaches (`Desk.GetHandover`, ordered as the
/// hand-over page orders them): the list below is one unit's, live. Left out
/// for one unit, and when the call fails (the list still works).
async fn all_units(state: &AppState, l: Lang, session: &crate::session::Session) -> String {
    if super::queue::my_units(state, session).len() < 2 {
        return String::new();
    }
    let req = authed(&session.token, HandoverRequest::default());
    let Ok(resp) = state.desk().get_handover(req).await else { return String::new() };
    let mut units = resp.into_inner().units;
    units.retain(|u| session.may_see(&u.unit));
    super::handover::sort(&mut units);
    let mut out = format!(r#"<nav class="all-units" aria-label="{0}"><h2>{0}</h2><ul>"#, l.t("supervise.all_units"));
    for u in &units {
        let _ = write!(
            out,
            r#"<li id="unit-{slug}"><a href="/supervise?unit={uq}&amp;show=approvals">{name}</a> <span class="approvals">{a} {at}</span> · <span class="breached">{b} {bt}</span></li>"#,
            slug = esc(&u.unit),
            uq = esc(&percent_encode(&u.unit)),
            name = esc(&rows::unit_name(&state.registry, l, &u.unit)),
            a = u.awaiting_approval.len(),
            at = l.t("handover.approvals"),
            b = u.breached.len(),
            bt = l.t("handover.breached"),
        );
    }
    let _ = write!(out, r#"</ul><p><a href="/handover">{}</a></p></nav>"#, l.t("supervise.to_handover"));
    out
}

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<SuperviseQuery>) -> Response {
    let (l, session) = (signed.lang, &signed.session);
    if !session.supervises() {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let (unit, mut cases) = match unit_queue(&state, &signed, q.unit.as_deref()).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    cases.retain(|c| session.may_see(&c.unit) && shows(View::Supervise, q.show, &unit, c));
    rows::sort(&mut cases, View::Supervise);
    let name = rows::unit_name(&state.registry, l, &unit);
    let mut body = format!(r#"<div class="page-head"><h1>{} · {}</h1>"#, l.t("supervise.title"), esc(&name));
    body.push_str(&unit_picker(&state, l, session, "/supervise", &unit));
    body.push_str("</div>");
    let _ = write!(body, r#"<p class="help">{}</p>"#, l.t("supervise.help"));
    body.push_str(&all_units(&state, l, session).await);
    body.push_str(&filter(l, &unit, q.show));
    let view = (View::Supervise, q.show, &crate::presets::Preset::default());
    body.push_str(&live_table(&state, l, session, &unit, view, &cases, "supervise.empty"));
    let page = Page {
        lang: l,
        title: l.t("supervise.title").into(),
        section: Section::Supervise,
        session: Some(session),
        here: format!("/supervise?unit={}&show={}", percent_encode(&unit), q.show.slug()),
        body,
    };
    super::html(StatusCode::OK, page)
}
