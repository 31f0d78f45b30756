//! The shift hand-over: for each of my units (or the one asked for), what
//! the next shift takes over: open and unclaimed, claimed by whom, replies
//! waiting for a supervisor, breached cases, the shift's emergencies, and
//! the outgoing operator's note with its acknowledgement. Units with
//! approvals waiting come first, then those with breaches, as a supervisor
//! works them. From `Desk.GetHandover`; notes through `Desk.WriteHandoverNote`
//! and `Desk.AcknowledgeHandoverNote` (both audited by tvarit-reply).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::v1::{Case, HandoverNote, HandoverNoteRef, HandoverNoteRequest, HandoverRequest, UnitHandover};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, csrf_input, flash_html, percent_encode};
use crate::i18n::Lang;
use crate::rows;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Session;

#[derive(Deserialize)]
pub struct HandoverQuery {
    unit: Option<String>,
}

/// Where a note form comes back to: the unit's own view or all of mine.
fn back(unit: Option<&str>) -> String {
    unit.map_or_else(|| "/handover".into(), |u| format!("/handover?unit={}", percent_encode(u)))
}

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<HandoverQuery>) -> Response {
    let (l, session) = (signed.lang, &signed.session);
    let unit = q.unit.filter(|u| !u.is_empty());
    if unit.as_deref().is_some_and(|u| !session.may_see(u)) {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let req = authed(&session.token, HandoverRequest { unit: unit.clone().unwrap_or_default(), since: None });
    let mut units = match state.desk().get_handover(req).await {
        Ok(r) => r.into_inner().units,
        Err(status) => return super::failure(&state, &signed, &status),
    };
    units.retain(|u| session.may_see(&u.unit));
    sort(&mut units);
    let flash = session.take_flash();
    let body = html! {
        @if let Some(f) = &flash { (flash_html(l, f)) }
        div class="page-head" { h1 { (l.t("handover.title")) } }
        p class="help" { (l.t("handover.help")) }
        @if units.is_empty() { p class="empty" { (l.t("handover.none")) } }
        div class="handover-grid" { @for u in &units { (unit_card(&state, l, session, u, unit.as_deref())) } }
    };
    let page = Page {
        lang: l,
        title: l.t("handover.title").into(),
        section: Section::Handover,
        session: Some(session),
        here: back(unit.as_deref()),
        body,
    };
    super::html(StatusCode::OK, page)
}

/// Approvals waiting first, then breaches, then the rest, each by unit.
pub fn sort(units: &mut [UnitHandover]) {
    units.sort_by_key(|u| (u.awaiting_approval.is_empty(), u.breached.is_empty()));
}

fn case_list(l: Lang, id: &str, title: &str, cases: &[Case]) -> Markup {
    html! {
        h3 { (title) " " span class="count" { (cases.len()) } }
        @if !cases.is_empty() {
            ul class="handover-cases" id=(id) {
                @for c in cases {
                    li {
                        a href={ "/cases/" (percent_encode(&c.docket)) } { (c.docket) }
                        " "
                        span class={ "badge cat-" (c.category().slug()) } { (l.category(c.category())) }
                        " " (l.state(c.state()))
                        @if !c.claimed_by.is_empty() { " · " (c.claimed_by) }
                        " "
                        span class="muted" { (rows::masked_text(c).chars().take(90).collect::<String>()) }
                    }
                }
            }
        }
    }
}

fn unit_card(state: &AppState, l: Lang, s: &Session, u: &UnitHandover, asked: Option<&str>) -> Markup {
    let slug = &u.unit;
    let claimed: Vec<String> = u.claimed.iter().map(|c| format!("{} {}", c.operator, c.cases)).collect();
    html! {
        section class="handover card" id={ "handover-" (slug) } aria-labelledby={ "handover-" (slug) "-h" } {
            h2 id={ "handover-" (slug) "-h" } {
                a href={ "/queue?unit=" (percent_encode(&u.unit)) } { (rows::unit_name(&state.registry, l, &u.unit)) }
            }
            dl class="facts" {
                dt { (l.t("handover.open")) }
                dd class="open" { (u.open) }
                dt { (l.t("handover.claimed")) }
                dd class="claimed" {
                    @if claimed.is_empty() { (l.t("handover.nobody")) } @else { (claimed.join(", ")) }
                }
                @if u.unit == "hq" {
                    dt { (l.t("handover.handed_to_hq")) }
                    dd { (u.handed_to_hq) }
                }
            }
            (case_list(l, &format!("approvals-{slug}"), l.t("handover.approvals"), &u.awaiting_approval))
            (case_list(l, &format!("breached-{slug}"), l.t("handover.breached"), &u.breached))
            (case_list(l, &format!("emergencies-{slug}"), l.t("handover.emergencies"), &u.emergencies))
            (note_part(state, l, s, u, asked))
        }
    }
}

/// The latest note, its acknowledgement (or the button for it: not for its
/// author), and the form for the next one.
fn note_part(state: &AppState, l: Lang, s: &Session, u: &UnitHandover, asked: Option<&str>) -> Markup {
    let back = back(asked);
    html! {
        div class="handover-note" {
            h3 { (l.t("handover.note")) }
            @match &u.note {
                None => p class="muted" { (l.t("handover.no_note")) },
                Some(n) => (note_html(l, state.zone(), s, n, &back)),
            }
            form method="post" action="/handover/note" class="write-note" {
                (csrf_input(s))
                input type="hidden" name="unit" value=(u.unit);
                input type="hidden" name="back" value=(back);
                label for={ "note-" (u.unit) } { (l.t("handover.write_label")) }
                textarea id={ "note-" (u.unit) } name="text" rows="3" maxlength="4000" required {}
                button type="submit" { (l.t("handover.write")) }
            }
        }
    }
}

fn note_html(l: Lang, zone: chrono_tz::Tz, s: &Session, n: &HandoverNote, back: &str) -> Markup {
    html! {
        blockquote class="note-text" id={ "handover-note-" (n.id) } { (n.text) }
        p class="meta" { (l.t("thread.by")) " " (n.author) " · " time { (format::clock(l, zone, &n.written_at)) } }
        @if !n.acknowledged_by.is_empty() {
            p class="acknowledged" {
                "✓ "
                (l.t("handover.read_by")
                    .replace("{who}", &n.acknowledged_by)
                    .replace("{at}", &format::clock(l, zone, &n.acknowledged_at)))
            }
        } @else if n.author != s.operator.name {
            form method="post" action={ "/handover/notes/" (n.id) "/ack" } class="inline" {
                (csrf_input(s))
                input type="hidden" name="back" value=(back);
                button type="submit" class="primary" id={ "ack-note-" (n.id) } { (l.t("handover.acknowledge")) }
            }
        } @else {
            p class="muted" { (l.t("handover.unread")) }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    unit: String,
    text: String,
    back: String,
}

/// Only back to a hand-over page: the field is the person's, so never an
/// open redirect.
fn safe_back(b: &str) -> &str {
    if b == "/handover" || b.starts_with("/handover?unit=") { b } else { "/handover" }
}

pub async fn write_note(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let form: NoteForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let req = authed(&signed.session.token, HandoverNoteRequest { unit: form.unit, text: form.text });
    let back = safe_back(&form.back);
    match state.desk().write_handover_note(req).await {
        Ok(_) => super::done(&signed, back, Ok("done.handover_written"), None),
        Err(status) => super::done(&signed, back, Err(&status), None),
    }
}

pub async fn acknowledge(State(state): State<AppState>, signed: Signed, Path(id): Path<i64>, body: Bytes) -> Response {
    let form: NoteForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let req = authed(&signed.session.token, HandoverNoteRef { id });
    let back = safe_back(&form.back);
    match state.desk().acknowledge_handover_note(req).await {
        Ok(_) => super::done(&signed, back, Ok("done.handover_read"), None),
        Err(status) => super::done(&signed, back, Err(&status), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_first_then_breaches() {
        let unit = |name: &str, approvals: usize, breached: usize| UnitHandover {
            unit: name.into(),
            awaiting_approval: vec![Case::default(); approvals],
            breached: vec![Case::default(); breached],
            ..Default::default()
        };
        let mut units = vec![unit("ajmer", 0, 0), unit("balotra", 0, 2), unit("jaipur", 1, 0)];
        sort(&mut units);
        let order: Vec<&str> = units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(order, ["jaipur", "balotra", "ajmer"]);
    }

    #[test]
    fn the_way_back_is_a_hand_over_page() {
        assert_eq!(safe_back("/handover?unit=jodhpur"), "/handover?unit=jodhpur");
        assert_eq!(safe_back("https://evil.example/"), "/handover");
        assert_eq!(safe_back("//evil.example"), "/handover");
    }
}
