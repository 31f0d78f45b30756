//! Finding a case: a GET form over `Desk.SearchCases` (words, author,
//! docket, unit, category, state, dates), newest first, a page at a time.
//! The service keeps to the person's units; the page checks them too.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{Case, SearchCasesRequest};
use tvarit_proto::{CaseState, Category};

use super::queue::my_units;
use crate::AppState;
use crate::format;
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct SearchQuery {
    text: String,
    author: String,
    docket: String,
    unit: String,
    category: String,
    state: String,
    since: String,
    until: String,
    cursor: String,
}

impl SearchQuery {
    fn is_empty(&self) -> bool {
        [&self.text, &self.author, &self.docket, &self.unit, &self.category, &self.state, &self.since, &self.until]
            .iter()
            .all(|v| v.trim().is_empty())
    }

    /// This search's address, continuing at `cursor`.
    fn href(&self, cursor: &str) -> String {
        let pairs = [
            ("text", &self.text),
            ("author", &self.author),
            ("docket", &self.docket),
            ("unit", &self.unit),
            ("category", &self.category),
            ("state", &self.state),
            ("since", &self.since),
            ("until", &self.until),
        ];
        let mut out = String::from("/search?");
        for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
            let _ = write!(out, "{k}={}&", percent_encode(v));
        }
        let _ = write!(out, "cursor={}", percent_encode(cursor));
        out
    }
}

/// The day's midnight in the deployment's zone (`until`: the next one, so
/// the day is included); `Err` for a date that is not `YYYY-MM-DD`.
fn day_start(state: &AppState, s: &str, next: bool) -> Result<Option<prost_types::Timestamp>, ()> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| ())?;
    let d = if next { d.succ_opt().ok_or(())? } else { d };
    let t = state.zone().from_local_datetime(&d.and_hms_opt(0, 0, 0).ok_or(())?).earliest().ok_or(())?;
    Ok(Some(from_datetime(t.with_timezone(&chrono::Utc))))
}

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<SearchQuery>) -> Response {
    let (l, session) = (signed.lang, &signed.session);
    let found = if q.is_empty() {
        None
    } else {
        let (since, until) = match (day_start(&state, &q.since, false), day_start(&state, &q.until, true)) {
            (Ok(s), Ok(u)) => (s, u),
            _ => return super::error_page(&signed, StatusCode::BAD_REQUEST, l.t("search.bad_date")),
        };
        let req = SearchCasesRequest {
            text: q.text.clone(),
            author: q.author.clone(),
            docket: q.docket.clone(),
            unit: q.unit.clone(),
            category: Category::from_slug(&q.category).unwrap_or_default() as i32,
            state: CaseState::from_slug(&q.state).unwrap_or_default() as i32,
            since,
            until,
            cursor: q.cursor.clone(),
            limit: 50,
            ..Default::default()
        };
        match state.desk().search_cases(authed(&session.token, req)).await {
            Ok(r) => Some(r.into_inner()),
            Err(status) => return super::failure(&state, &signed, &status),
        }
    };
    let body = html! {
        div class="page-head" { h1 { (l.t("search.title")) } }
        (form(&state, l, &signed, &q))
        @if let Some(found) = &found {
            @let cases: Vec<&Case> = found.cases.iter().filter(|c| session.may_see(&c.unit)).collect();
            (results(&state, l, &cases))
            @if !found.next_cursor.is_empty() {
                p class="more" { a href=(q.href(&found.next_cursor)) rel="next" { (l.t("search.older")) } }
            }
        }
    };
    let here = if q.is_empty() { "/search".to_owned() } else { q.href(&q.cursor) };
    let page = Page {
        lang: l,
        title: l.t("search.title").into(),
        section: Section::Search,
        session: Some(session),
        here,
        body,
    };
    super::html(StatusCode::OK, page)
}

/// `<option>`s for `values` (slug, label), the current one selected, after
/// `any` (the empty value).
fn options(any: &str, values: &[(&str, &str)], current: &str) -> Markup {
    html! {
        option value="" { (any) }
        @for (slug, label) in values { option value=(slug) selected[*slug == current] { (label) } }
    }
}

fn form(state: &AppState, l: Lang, signed: &Signed, q: &SearchQuery) -> Markup {
    let units: Vec<(String, String)> = my_units(state, &signed.session)
        .into_iter()
        .map(|u| {
            let name = rows::unit_name(&state.registry, l, &u);
            (u, name)
        })
        .collect();
    let unit_refs: Vec<(&str, &str)> = units.iter().map(|(s, n)| (s.as_str(), n.as_str())).collect();
    // Every category the proto names, in its order (emergency first).
    let categories: Vec<(&str, &str)> = Category::ALL.iter().map(|c| (c.slug(), l.category(*c))).collect();
    let states: Vec<(&str, &str)> =
        [CaseState::Open, CaseState::InProcess, CaseState::Closed, CaseState::NotActionable]
            .iter()
            .map(|s| (s.slug(), l.state(*s)))
            .collect();
    let field = |name: &str, key: &str, value: &str, kind: &str| {
        let id = format!("s-{name}");
        html! {
            label for=(id) { (l.t(key)) }
            input id=(id) name=(name) type=(kind) value=(value);
        }
    };
    let select = |name: &str, key: &str, options: Markup| {
        let id = format!("s-{name}");
        html! {
            div class="field" {
                label for=(id) { (l.t(key)) }
                select id=(id) name=(name) { (options) }
            }
        }
    };
    let any = l.t("search.any");
    html! {
        form class="search-form card" method="get" action="/search" role="search" {
            div class="field wide" { (field("text", "search.text", &q.text, "search")) small { (l.t("search.text_help")) } }
            div class="field" { (field("author", "search.author", &q.author, "text")) }
            div class="field" { (field("docket", "search.docket", &q.docket, "text")) }
            (select("unit", "search.unit", options(l.t("search.all_units"), &unit_refs, &q.unit)))
            (select("category", "search.category", options(any, &categories, &q.category)))
            (select("state", "search.state", options(any, &states, &q.state)))
            div class="field" { (field("since", "search.since", &q.since, "date")) }
            div class="field" { (field("until", "search.until", &q.until, "date")) }
            div class="field" { button type="submit" { (l.t("search.go")) } }
        }
    }
}

fn results(state: &AppState, l: Lang, cases: &[&Case]) -> Markup {
    let columns = ["search.docket", "search.opened", "search.unit", "search.category", "search.state", "search.post"];
    html! {
        @if cases.is_empty() {
            p class="empty" id="search-none" { (l.t("search.none")) }
        } @else {
            p class="muted" { (l.t("search.found")) }
            div class="table-wrap" {
                table class="results" id="search-results" {
                    thead { tr { @for key in columns { th { (l.t(key)) } } } }
                    tbody {
                        @for c in cases {
                            tr data-docket=(c.docket) {
                                td { a href={ "/cases/" (percent_encode(&c.docket)) } { (c.docket) } }
                                td { (format::clock(l, state.zone(), &c.opened_at)) }
                                td { (rows::unit_name(&state.registry, l, &c.unit)) }
                                td { (l.category(c.category())) }
                                td { (rows::state_cell(l, &state.registry, c, None)) }
                                td class="post-text" { (rows::masked_text(c).chars().take(140).collect::<String>()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The small search box at the head of the queue: words only, the rest on
/// the search page.
pub fn search_box(l: Lang) -> Markup {
    html! {
        form class="search-box" method="get" action="/search" role="search" {
            label for="q-text" class="visually-hidden" { (l.t("search.box")) }
            input id="q-text" name="text" type="search" placeholder=(l.t("search.box"));
            button type="submit" { (l.t("search.go")) }
        }
    }
}
