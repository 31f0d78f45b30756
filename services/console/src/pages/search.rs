//! Finding a case: a GET form over `Desk.SearchCases` (words, author,
//! docket, unit, category, state, dates), newest first, a page at a time.
//! The service keeps to the person's units; the page checks them too.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDate, TimeZone};
use serde::Deserialize;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{Case, SearchCasesRequest};
use tvarit_proto::{CaseState, Category};

use super::queue::my_units;
use crate::AppState;
use crate::format;
use crate::html::{Page, Section, esc, percent_encode};
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
    let mut body = format!(r#"<div class="page-head"><h1>{}</h1></div>"#, l.t("search.title"));
    body.push_str(&form(&state, l, &signed, &q));
    if !q.is_empty() {
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
        let found = match state.desk().search_cases(authed(&session.token, req)).await {
            Ok(r) => r.into_inner(),
            Err(status) => return super::failure(&state, &signed, &status),
        };
        let cases: Vec<&Case> = found.cases.iter().filter(|c| session.may_see(&c.unit)).collect();
        body.push_str(&results(&state, l, &cases));
        if !found.next_cursor.is_empty() {
            let _ = write!(
                body,
                r#"<p class="more"><a href="{}" rel="next">{}</a></p>"#,
                esc(&q.href(&found.next_cursor)),
                l.t("search.older")
            );
        }
    }
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

/// `<option>`s for `values` (slug, label), the current one selected, after "any".
fn options(l: Lang, values: &[(&str, &str)], current: &str) -> String {
    let mut out = format!(r#"<option value="">{}</option>"#, l.t("search.any"));
    for (slug, label) in values {
        let selected = if *slug == current { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{}"{selected}>{}</option>"#, esc(slug), esc(label));
    }
    out
}

fn form(state: &AppState, l: Lang, signed: &Signed, q: &SearchQuery) -> String {
    let units: Vec<(String, String)> = my_units(state, &signed.session)
        .into_iter()
        .map(|u| {
            let name = rows::unit_name(&state.registry, l, &u);
            (u, name)
        })
        .collect();
    let unit_refs: Vec<(&str, &str)> = units.iter().map(|(s, n)| (s.as_str(), n.as_str())).collect();
    let unit_options = options(l, &unit_refs, &q.unit).replacen(l.t("search.any"), l.t("search.all_units"), 1);
    // Every category the proto names, in its order (emergency first).
    let categories: Vec<(&str, &str)> =
        (1..).map_while(|i| Category::try_from(i).ok()).map(|c| (c.slug(), l.category(c))).collect();
    let states: Vec<(&str, &str)> =
        [CaseState::Open, CaseState::InProcess, CaseState::Closed, CaseState::NotActionable]
            .iter()
            .map(|s| (s.slug(), l.state(*s)))
            .collect();
    let field = |name: &str, key: &str, value: &str, kind: &str| {
        format!(
            r#"<label for="s-{name}">{}</label><input id="s-{name}" name="{name}" type="{kind}" value="{}">"#,
            l.t(key),
            esc(value)
        )
    };
    format!(
        r#"<form class="search-form card" method="get" action="/search" role="search"><div class="field wide">{text}<small>{help}</small></div><div class="field">{author}</div><div class="field">{docket}</div><div class="field"><label for="s-unit">{unit_l}</label><select id="s-unit" name="unit">{unit_options}</select></div><div class="field"><label for="s-category">{cat_l}</label><select id="s-category" name="category">{cats}</select></div><div class="field"><label for="s-state">{state_l}</label><select id="s-state" name="state">{states}</select></div><div class="field">{since}</div><div class="field">{until}</div><div class="field"><button type="submit">{go}</button></div></form>"#,
        text = field("text", "search.text", &q.text, "search"),
        help = esc(l.t("search.text_help")),
        author = field("author", "search.author", &q.author, "text"),
        docket = field("docket", "search.docket", &q.docket, "text"),
        unit_l = l.t("search.unit"),
        cat_l = l.t("search.category"),
        cats = options(l, &categories, &q.category),
        state_l = l.t("search.state"),
        states = options(l, &states, &q.state),
        since = field("since", "search.since", &q.since, "date"),
        until = field("until", "search.until", &q.until, "date"),
        go = l.t("search.go"),
    )
}

fn results(state: &AppState, l: Lang, cases: &[&Case]) -> String {
    if cases.is_empty() {
        return format!(r#"<p class="empty" id="search-none">{}</p>"#, l.t("search.none"));
    }
    let mut out = format!(
        r#"<p class="muted">{}</p><div class="table-wrap"><table class="results" id="search-results"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        l.t("search.found"),
        l.t("search.docket"),
        l.t("search.opened"),
        l.t("search.unit"),
        l.t("search.category"),
        l.t("search.state"),
        l.t("search.post"),
    );
    for c in cases {
        let text: String = rows::masked_text(c).chars().take(140).collect();
        let _ = write!(
            out,
            r#"<tr data-docket="{d}"><td><a href="/cases/{href}">{d}</a></td><td>{opened}</td><td>{unit}</td><td>{cat}</td><td>{st}</td><td class="post-text">{text}</td></tr>"#,
            d = esc(&c.docket),
            href = esc(&percent_encode(&c.docket)),
            opened = esc(&format::clock(l, state.zone(), &c.opened_at)),
            unit = esc(&rows::unit_name(&state.registry, l, &c.unit)),
            cat = esc(l.category(c.category())),
            st = rows::state_cell(l, &state.registry, c, None),
            text = esc(&text),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The small search box at the head of the queue: words only, the rest on
/// the search page.
pub fn search_box(l: Lang) -> String {
    format!(
        r#"<form class="search-box" method="get" action="/search" role="search"><label for="q-text" class="visually-hidden">{label}</label><input id="q-text" name="text" type="search" placeholder="{label}"><button type="submit">{go}</button></form>"#,
        label = esc(l.t("search.box")),
        go = l.t("search.go"),
    )
}
