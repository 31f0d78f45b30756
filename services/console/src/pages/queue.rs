//! The live queue of one of my units: rendered now from `Desk.ListQueue`,
//! then kept current by the script from `/units/{unit}/events`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::v1::{Case, ListQueueRequest};

use crate::AppState;
use crate::alarm::{self, Ack};
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::live::{Show, View, shows};
use crate::presets::Preset;
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Session;

#[derive(Deserialize)]
pub struct UnitQuery {
    pub unit: Option<String>,
    /// A saved view (`presets.rs`).
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub category: String,
}

/// The units this person may open, in registry order.
pub fn my_units(state: &AppState, session: &Session) -> Vec<String> {
    state.registry.units().iter().map(|u| u.slug.clone()).filter(|u| session.may_see(u)).collect()
}

/// The unit asked for, if the person may see it; else their first unit.
fn chosen_unit(state: &AppState, session: &Session, asked: Option<&str>) -> Result<String, StatusCode> {
    let mine = my_units(state, session);
    match asked {
        Some(u) if mine.iter().any(|m| m == u) => Ok(u.to_owned()),
        Some(_) => Err(StatusCode::FORBIDDEN),
        None => mine.into_iter().next().ok_or(StatusCode::FORBIDDEN),
    }
}

/// The unit asked for (see [`chosen_unit`]) and its open cases, or the page
/// that says why not: the queue and the supervise page start alike.
pub async fn unit_queue(
    state: &AppState,
    signed: &Signed,
    asked: Option<&str>,
) -> Result<(String, Vec<Case>), Response> {
    let session = &signed.session;
    let unit = chosen_unit(state, session, asked)
        .map_err(|code| super::error_page(signed, code, signed.lang.t("error.forbidden")))?;
    let req = authed(&session.token, ListQueueRequest { unit: unit.clone(), all: false, limit: 0 });
    match state.desk().list_queue(req).await {
        Ok(r) => Ok((unit, r.into_inner().cases)),
        Err(status) => Err(super::failure(state, signed, &status)),
    }
}

/// A GET form to switch between my units (only when I have more than one).
pub fn unit_picker(state: &AppState, lang: Lang, session: &Session, action: &str, current: &str) -> Markup {
    let mine = my_units(state, session);
    html! {
        @if mine.len() >= 2 {
            form class="unit-picker" method="get" action=(action) {
                label for="unit" { (lang.t("queue.unit")) }
                select id="unit" name="unit" {
                    @for u in &mine {
                        option value=(u) selected[u == current] { (rows::unit_name(&state.registry, lang, u)) }
                    }
                }
                button type="submit" { (lang.t("queue.show")) }
            }
        }
    }
}

/// The live table: rows now, the stream to follow, the emergency banner and
/// the alarm's controls; `show` is supervision's filter, `preset` the
/// queue's saved view (the stream filters its updates by both).
pub fn live_table(
    state: &AppState,
    lang: Lang,
    session: &Session,
    unit: &str,
    (view, show, preset): (View, Show, &Preset),
    cases: &[Case],
    empty_key: &str,
) -> Markup {
    let now = Utc::now().timestamp_millis();
    let pinned = cases.iter().filter(|c| rows::pinned(c)).count();
    let ringing = cases.iter().filter(|c| c.alarm).count();
    let shown = rows::Shown { view, unit, ack: Some(Ack { csrf: &session.csrf, back: view.slug() }) };
    let events = format!(
        "/units/{}/events?view={}&show={}{}",
        percent_encode(unit),
        view.slug(),
        show.slug(),
        preset.url_query()
    );
    html! {
        p class="live-status" id="live-status" aria-live="polite" data-t-live=(lang.t("queue.live"))
            data-t-offline=(lang.t("queue.offline")) { (lang.t("queue.offline")) }
        (alarm::controls(lang))
        div id="emergency-banner" class="emergency-banner" role="alert" hidden[pinned == 0] {
            span aria-hidden="true" { "⚠" }
            " " (lang.t("queue.emergencies")) ": "
            strong id="emergency-count" { (pinned) }
            span id="ringing-note" hidden[ringing == 0] {
                " · " (lang.t("alarm.ringing")) ": "
                strong id="ringing-count" { (ringing) }
            }
        }
        div class="table-wrap" {
            (rows::table(lang, "queue", html! {
                @for c in cases { (rows::row(lang, &state.registry, c, now, shown)) }
            }))
        }
        p id="queue-empty" class="empty" hidden[!cases.is_empty()] { (lang.t(empty_key)) }
        div id="live-source" data-events=(events) hidden {}
    }
}

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<UnitQuery>) -> Response {
    let (l, session) = (signed.lang, &signed.session);
    let (unit, mut cases) = match unit_queue(&state, &signed, q.unit.as_deref()).await {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    // The service already filters by unit (HQ's queue adds the cases handed
    // to HQ); a row from elsewhere is never shown.
    let preset = Preset { preset: q.preset, category: q.category };
    let now = Utc::now().timestamp_millis();
    cases.retain(|c| {
        session.may_see(&c.unit)
            && shows(View::Queue, Show::All, &unit, c)
            && preset.keeps(c, &session.operator.name, now)
    });
    rows::sort(&mut cases, View::Queue);
    let name = rows::unit_name(&state.registry, l, &unit);
    let view = (View::Queue, Show::All, &preset);
    let body = html! {
        div class="page-head" {
            h1 { (l.t("queue.title")) " · " (name) }
            (unit_picker(&state, l, session, "/queue", &unit))
            (super::search::search_box(l))
        }
        (crate::presets::links(l, &unit, &preset))
        (live_table(&state, l, session, &unit, view, &cases, "queue.empty"))
        p class="keys" { (l.t("queue.keys")) }
    };
    let page = Page {
        lang: l,
        title: format!("{} · {name}", l.t("queue.title")),
        section: Section::Queue,
        session: Some(session),
        here: format!("/queue?unit={}{}", percent_encode(&unit), preset.url_query()),
        body,
    };
    super::html(StatusCode::OK, page)
}
