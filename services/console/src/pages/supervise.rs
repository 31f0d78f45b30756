//! Supervisors and HQ: replies waiting for their approval first, then
//! escalated cases, in one of their units, live (the same stream as the
//! queue, another view). A filter shows only approvals or only escalations;
//! HQ's view includes the district cases handed to HQ. Above it, every unit
//! of mine with its approvals and breaches, those with approvals first.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::v1::{HandoverRequest, UnitHandover};

use super::queue::{live_table, unit_picker, unit_queue};
use crate::AppState;
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::live::{Show, View, shows};
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Session;

#[derive(Deserialize)]
pub struct SuperviseQuery {
    unit: Option<String>,
    #[serde(default)]
    show: Show,
}

/// All · Approvals · Escalations, as links (the page works without the script).
fn filter(l: Lang, unit: &str, show: Show) -> Markup {
    let u = percent_encode(unit);
    html! {
        nav class="filter" aria-label=(l.t("supervise.show")) {
            ul {
                @for s in Show::ALL {
                    li {
                        a href={ "/supervise?unit=" (u) "&show=" (s.slug()) } id={ "show-" (s.slug()) }
                            aria-current=[(s == show).then_some("page")] { (l.t(&format!("supervise.{}", s.slug()))) }
                    }
                }
            }
        }
    }
}

/// Every unit I supervise, those with approvals waiting first, then those
/// with breaches (`Desk.GetHandover`, ordered as the hand-over page orders
/// them): the list below is one unit's, live. None for one unit, and when
/// the call fails (the list still works).
async fn all_units(state: &AppState, session: &Session) -> Option<Vec<UnitHandover>> {
    if super::queue::my_units(state, session).len() < 2 {
        return None;
    }
    let req = authed(&session.token, HandoverRequest::default());
    let mut units = state.desk().get_handover(req).await.ok()?.into_inner().units;
    units.retain(|u| session.may_see(&u.unit));
    super::handover::sort(&mut units);
    Some(units)
}

/// [`all_units`] on one line each.
fn all_units_nav(state: &AppState, l: Lang, units: &[UnitHandover]) -> Markup {
    html! {
        nav class="all-units" aria-label=(l.t("supervise.all_units")) {
            h2 { (l.t("supervise.all_units")) }
            ul {
                @for u in units {
                    li id={ "unit-" (u.unit) } {
                        a href={ "/supervise?unit=" (percent_encode(&u.unit)) "&show=approvals" } {
                            (rows::unit_name(&state.registry, l, &u.unit))
                        }
                        " "
                        span class="approvals" { (u.awaiting_approval.len()) " " (l.t("handover.approvals")) }
                        " · "
                        span class="breached" { (u.breached.len()) " " (l.t("handover.breached")) }
                    }
                }
            }
            p { a href="/handover" { (l.t("supervise.to_handover")) } }
        }
    }
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
    let units = all_units(&state, session).await;
    let view = (View::Supervise, q.show, &crate::presets::Preset::default());
    let body = html! {
        div class="page-head" {
            h1 { (l.t("supervise.title")) " · " (name) }
            (unit_picker(&state, l, session, "/supervise", &unit))
        }
        p class="help" { (l.t("supervise.help")) }
        @if let Some(units) = &units { (all_units_nav(&state, l, units)) }
        (filter(l, &unit, q.show))
        (live_table(&state, l, session, &unit, view, &cases, "supervise.empty"))
    };
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
