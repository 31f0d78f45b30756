//! The shift hand-over: for each of my units (or the one asked for), what
//! the next shift takes over: open and unclaimed, claimed by whom, replies
//! waiting for a supervisor, breached cases, the shift's emergencies, and
//! the outgoing operator's note with its acknowledgement. Units with
//! approvals waiting come first, then those with breaches, as a supervisor
//! works them. From `Desk.GetHandover`; notes through `Desk.WriteHandoverNote`
//! and `Desk.AcknowledgeHandoverNote` (both audited by tvarit-reply).

use std::fmt::Write;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tvarit_proto::v1::{Case, HandoverNote, HandoverNoteRef, HandoverNoteRequest, HandoverRequest, UnitHandover};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, csrf_field, esc, flash_html, percent_encode};
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
    let mut body = String::new();
    if let Some(f) = session.take_flash() {
        body.push_str(&flash_html(l, &f));
    }
    let _ = write!(
        body,
        r#"<div class="page-head"><h1>{}</h1></div><p class="help">{}</p>"#,
        l.t("handover.title"),
        l.t("handover.help")
    );
    if units.is_empty() {
        let _ = write!(body, r#"<p class="empty">{}</p>"#, l.t("handover.none"));
    }
    body.push_str(r#"<div class="handover-grid">"#);
    for u in &units {
        body.push_str(&unit_card(&state, l, session, u, unit.as_deref()));
    }
    body.push_str("</div>");
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

fn case_list(l: Lang, id: &str, title: &str, cases: &[Case]) -> String {
    let mut out = format!(r#"<h3>{} <span class="count">{}</span></h3>"#, esc(title), cases.len());
    if cases.is_empty() {
        return out;
    }
    let _ = write!(out, r#"<ul class="handover-cases" id="{id}">"#);
    for c in cases {
        let text: String = rows::masked_text(c).chars().take(90).collect();
        let held = if c.claimed_by.is_empty() { String::new() } else { format!(" · {}", esc(&c.claimed_by)) };
        let _ = write!(
            out,
            r#"<li><a href="/cases/{dq}">{d}</a> <span class="badge cat-{cs}">{cat}</span> {state}{held} <span class="muted">{text}</span></li>"#,
            dq = esc(&percent_encode(&c.docket)),
            d = esc(&c.docket),
            cs = c.category().slug(),
            cat = l.category(c.category()),
            state = esc(l.state(c.state())),
            text = esc(&text),
        );
    }
    out.push_str("</ul>");
    out
}

fn unit_card(state: &AppState, l: Lang, s: &Session, u: &UnitHandover, asked: Option<&str>) -> String {
    let slug = esc(&u.unit).to_string();
    let claimed: Vec<String> = u.claimed.iter().map(|c| format!("{} {}", esc(&c.operator), c.cases)).collect();
    let mut out = format!(
        r#"<section class="handover card" id="handover-{slug}" aria-labelledby="handover-{slug}-h"><h2 id="handover-{slug}-h"><a href="/queue?unit={uq}">{name}</a></h2><dl class="facts"><dt>{open_t}</dt><dd class="open">{open}</dd><dt>{claimed_t}</dt><dd class="claimed">{claimed}</dd>"#,
        uq = esc(&percent_encode(&u.unit)),
        name = esc(&rows::unit_name(&state.registry, l, &u.unit)),
        open_t = l.t("handover.open"),
        open = u.open,
        claimed_t = l.t("handover.claimed"),
        claimed = if claimed.is_empty() { l.t("handover.nobody").to_owned() } else { claimed.join(", ") },
    );
    if u.unit == "hq" {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", l.t("handover.handed_to_hq"), u.handed_to_hq);
    }
    out.push_str("</dl>");
    out.push_str(&case_list(l, &format!("approvals-{slug}"), l.t("handover.approvals"), &u.awaiting_approval));
    out.push_str(&case_list(l, &format!("breached-{slug}"), l.t("handover.breached"), &u.breached));
    out.push_str(&case_list(l, &format!("emergencies-{slug}"), l.t("handover.emergencies"), &u.emergencies));
    out.push_str(&note_part(state, l, s, u, asked));
    out.push_str("</section>");
    out
}

/// The latest note, its acknowledgement (or the button for it: not for its
/// author), and the form for the next one.
fn note_part(state: &AppState, l: Lang, s: &Session, u: &UnitHandover, asked: Option<&str>) -> String {
    let zone = state.zone();
    let back = esc(&back(asked)).to_string();
    let mut out = format!(r#"<div class="handover-note"><h3>{}</h3>"#, l.t("handover.note"));
    match &u.note {
        None => {
            let _ = write!(out, r#"<p class="muted">{}</p>"#, l.t("handover.no_note"));
        }
        Some(n) => out.push_str(&note_html(l, zone, s, n, &back)),
    }
    let _ = write!(
        out,
        r#"<form method="post" action="/handover/note" class="write-note">{csrf}<input type="hidden" name="unit" value="{unit}"><input type="hidden" name="back" value="{back}"><label for="note-{unit}">{label}</label><textarea id="note-{unit}" name="text" rows="3" maxlength="4000" required></textarea><button type="submit">{write}</button></form></div>"#,
        csrf = csrf_field(s),
        unit = esc(&u.unit),
        label = l.t("handover.write_label"),
        write = l.t("handover.write"),
    );
    out
}

fn note_html(l: Lang, zone: chrono_tz::Tz, s: &Session, n: &HandoverNote, back: &str) -> String {
    let mut out = format!(
        r#"<blockquote class="note-text" id="handover-note-{id}">{text}</blockquote><p class="meta">{by} {author} · <time>{at}</time></p>"#,
        id = n.id,
        text = esc(&n.text),
        by = l.t("thread.by"),
        author = esc(&n.author),
        at = esc(&format::clock(l, zone, &n.written_at)),
    );
    if !n.acknowledged_by.is_empty() {
        let read = l
            .t("handover.read_by")
            .replace("{who}", &n.acknowledged_by)
            .replace("{at}", &format::clock(l, zone, &n.acknowledged_at));
        let _ = write!(out, r#"<p class="acknowledged">✓ {}</p>"#, esc(&read));
    } else if n.author != s.operator.name {
        let _ = write!(
            out,
            r#"<form method="post" action="/handover/notes/{id}/ack" class="inline">{csrf}<input type="hidden" name="back" value="{back}"><button type="submit" class="primary" id="ack-note-{id}">{ack}</button></form>"#,
            id = n.id,
            csrf = csrf_field(s),
            ack = l.t("handover.acknowledge"),
        );
    } else {
        let _ = write!(out, r#"<p class="muted">{}</p>"#, l.t("handover.unread"));
    }
    out
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
