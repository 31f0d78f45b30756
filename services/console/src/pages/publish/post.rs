//! One post: its outcome on every target account (status, attempts, the
//! platform's link, the platform's own words on a failure, engagement),
//! retry for a failed account, and the workflow's actions for whoever may
//! take them: submit, approve, HQ's fast-track, reject, schedule, cancel.
//! While it goes out, the script refreshes the outcome table.

use std::fmt::Write;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{
    ApprovePublicationRequest, PreviewRequest, Publication, PublicationRef, RejectPublicationRequest,
    RetryTargetRequest, SchedulePublicationRequest, Target,
};

use super::view::{self, badge, named};
use crate::AppState;
use crate::html::{Page, Section, csrf_field, esc};
use crate::i18n::Lang;
use crate::rows::unit_name;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Session;

pub async fn page(State(state): State<AppState>, signed: Signed, Path(id): Path<u64>) -> Response {
    let (l, s) = (signed.lang, &signed.session);
    let mut api = state.publishing();
    let p = match api.get_publication(authed(&s.token, PublicationRef { id })).await {
        Ok(p) if p.get_ref().units.iter().any(|u| s.may_see(u)) => p.into_inner(),
        Ok(_) => return super::refused(&state, &signed, &tonic::Status::not_found("not in your units")),
        Err(status) => return super::refused(&state, &signed, &status),
    };
    // The exact text per platform; the page still shows the rest without it.
    let preview = api.preview(authed(&s.token, PreviewRequest { id, ..Default::default() })).await.ok();
    let mut body = head(l, &p);
    body.push_str(r#"<div class="case-grid post-page"><div class="col-main">"#);
    body.push_str(&outcomes(&state, l, s, &p));
    body.push_str(r#"</div><div class="col-side">"#);
    body.push_str(&actions(l, state.zone(), s, &p));
    body.push_str(&facts(&state, l, &p));
    if let Some(preview) = preview {
        body.push_str(&view::preview(l, &state.registry, preview.get_ref()));
    }
    body.push_str("</div></div>");
    let page = Page {
        lang: l,
        title: format!("pub-{id} · {}", named(l, "kind", &kind(&p))),
        section: Section::Publish,
        session: Some(s),
        here: format!("/publish/{id}"),
        body,
    };
    super::super::html(StatusCode::OK, page)
}

fn kind(p: &Publication) -> String {
    p.content.as_ref().map(|c| c.kind.clone()).unwrap_or_default()
}

fn head(l: Lang, p: &Publication) -> String {
    let mut out = format!(
        r#"<div class="page-head" id="pub-head"><h1>pub-{} · {}</h1><span id="pub-status">{}</span>"#,
        p.id,
        esc(&named(l, "kind", &kind(p))),
        badge(l, "status", &p.status),
    );
    if p.fast_tracked {
        let _ = write!(out, r#"<span class="badge fast">{}</span>"#, l.t("pub.fast_tracked"));
    }
    let _ = write!(out, r#"<a class="button" href="/publish">{}</a></div>"#, l.t("pub.back_to_calendar"));
    out
}

/// What happened on each account; the script re-reads this section while
/// the post is going out (`data-poll`, in seconds).
fn outcomes(state: &AppState, l: Lang, s: &Session, p: &Publication) -> String {
    let count = |st: &str| p.targets.iter().filter(|t| t.status == st).count();
    let poll = match p.status.as_str() {
        "publishing" => r#" data-poll="2""#,
        "scheduled" => r#" data-poll="15""#,
        _ => "",
    };
    let mut out = format!(
        r#"<section class="card" id="outcomes" aria-labelledby="out-h"{poll}><h2 id="out-h">{}</h2><p class="tally" aria-live="polite">"#,
        l.t("pub.outcomes")
    );
    for st in ["sent", "queued", "sending", "failed", "needs_check", "skipped", "held", "cancelled"] {
        let n = count(st);
        if n > 0 {
            let _ = write!(out, r#"{} <strong data-count="{st}">{n}</strong> "#, badge(l, "target", st));
        }
    }
    let _ = write!(out, r#"<span class="muted">/ {} {}</span></p>"#, p.targets.len(), l.t("pub.accounts"));
    if p.targets.iter().any(|t| t.status == "sent") {
        let _ = write!(
            out,
            r#"<form method="post" action="/publish/{}/engagement" class="inline">{}<button type="submit" id="refresh-engagement">{}</button></form>"#,
            p.id,
            csrf_field(s),
            l.t("pub.refresh_engagement")
        );
    }
    let _ = write!(
        out,
        r#"<div class="table-wrap"><table class="outcomes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col" class="num">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        l.t("pub.account"),
        l.t("pub.unit"),
        l.t("pub.status"),
        l.t("pub.attempts"),
        l.t("pub.on_platform"),
        l.t("pub.engagement"),
        l.tz("pub.sent_at", state.zone()),
    );
    // Accounts that need a person first; otherwise the service's order (by handle).
    let needs_person = |t: &&Target| matches!(t.status.as_str(), "failed" | "needs_check");
    for t in p.targets.iter().filter(needs_person).chain(p.targets.iter().filter(|t| !needs_person(t))) {
        out.push_str(&target_row(state, l, s, p.id, t));
    }
    let _ = write!(out, r#"</tbody></table></div><p class="help">{}</p></section>"#, l.t("pub.engagement_legend"));
    out
}

fn target_row(state: &AppState, l: Lang, s: &Session, id: u64, t: &Target) -> String {
    let mut status = badge(l, "target", &t.status);
    if !t.error.is_empty() {
        let _ = write!(status, r#"<br><small class="platform-error">{}</small>"#, esc(&t.error));
    }
    if matches!(t.status.as_str(), "failed" | "needs_check") && s.may_see(&t.unit) {
        let _ = write!(
            status,
            r#"<form method="post" action="/publish/{id}/retry" class="inline">{}<input type="hidden" name="account" value="{a}"><button type="submit" class="retry" data-account="{a}">{}</button></form>"#,
            csrf_field(s),
            l.t("pub.retry"),
            a = esc(&t.account),
        );
    }
    let link = if t.platform_post_id.is_empty() {
        "–".to_owned()
    } else {
        format!(
            r#"{} <small class="post-id" title="{id}">{id}</small>"#,
            view::outside_link(&t.link, l.t("pub.open_post")),
            id = esc(&t.platform_post_id)
        )
    };
    let engagement = t.engagement.as_ref().map_or_else(
        || "–".to_owned(),
        |e| {
            // Symbols the office PCs' fonts have (no colour emoji); the legend names them.
            let mut text = format!("♥ {} · ⟲ {} · ↩ {}", e.likes, e.reposts, e.replies);
            if e.impressions > 0 {
                let _ = write!(text, " · ◉ {}", e.impressions);
            }
            format!(r#"<span class="engagement" title="{}">{text}</span>"#, esc(l.t("pub.engagement_legend")))
        },
    );
    format!(
        r#"<tr class="target st-{st}" data-account="{account}"><th scope="row">{account} <span class="muted">{platform}</span></th><td>{unit}</td><td>{status}</td><td class="num">{attempts}</td><td>{link}</td><td>{engagement}</td><td>{sent}</td></tr>"#,
        st = esc(&t.status),
        account = esc(&t.account),
        platform = esc(view::platform_name(&t.platform)),
        unit = esc(&unit_name(&state.registry, l, &t.unit)),
        attempts = t.attempts,
        sent = view::shown_short(l, state.zone(), &t.sent_at),
    )
}

fn facts(state: &AppState, l: Lang, p: &Publication) -> String {
    let c = p.content.clone().unwrap_or_default();
    let mut out = format!(
        r#"<section class="card" aria-labelledby="facts-h"><h2 id="facts-h">{}</h2><dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>"#,
        l.t("pub.details"),
        l.t("pub.audience"),
        esc(&view::audience(l, &state.registry, p)),
        l.t("pub.author"),
        esc(&p.author),
        l.t("pub.created"),
        view::shown(l, state.zone(), &p.created_at),
        l.t("pub.state"),
        esc(&named(l, "state", &p.state)),
        l.t("pub.scheduled"),
        if p.scheduled_at.is_some() {
            view::shown(l, state.zone(), &p.scheduled_at)
        } else {
            l.t("pub.when_now").to_owned()
        },
    );
    if !p.approved_by.is_empty() {
        let how = if p.fast_tracked { format!(" ({})", l.t("pub.fast_tracked")) } else { String::new() };
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{} · {}{}</dd>",
            l.t("pub.approved_by"),
            esc(&p.approved_by),
            view::shown(l, state.zone(), &p.approved_at),
            esc(&how)
        );
    }
    if !p.rejected_by.is_empty() {
        let _ = write!(
            out,
            r#"<dt>{}</dt><dd>{}: <span class="platform-error">{}</span></dd>"#,
            l.t("pub.rejected_by"),
            esc(&p.rejected_by),
            esc(&p.reject_reason)
        );
    }
    if let Some(f) = c.fact_check.as_ref().filter(|_| c.kind == "fact_check") {
        let _ = write!(
            out,
            "<dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
            l.t("pub.claim_short"),
            esc(&f.claim),
            l.t("pub.verdict"),
            esc(&named(l, "verdict", &f.verdict))
        );
        if !f.claim_id.is_empty() {
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", l.t("pub.claim_id"), esc(&f.claim_id));
        }
    }
    out.push_str("</dl></section>");
    out
}

/// Whether delivery has not started: the time may change, the post may be
/// cancelled.
fn not_started(p: &Publication) -> bool {
    !matches!(p.state.as_str(), "rejected" | "cancelled") && p.targets.iter().all(|t| t.attempts == 0)
}

/// The buttons this person may press now. The service decides again; these
/// only leave out what would certainly be refused.
fn actions(l: Lang, zone: chrono_tz::Tz, s: &Session, p: &Publication) -> String {
    let author = p.author == s.operator.name;
    let csrf = csrf_field(s);
    let button = |action: &str, key: &str, class: &str| {
        format!(
            r#"<form method="post" action="/publish/{}/{action}" class="inline">{csrf}<button type="submit" id="do-{action}" class="{class}">{}</button></form>"#,
            p.id,
            l.t(key)
        )
    };
    let mut out = String::new();
    if p.state == "pending_approval" {
        let who = if p.scope == "state" { l.t("pub.waits_for_hq") } else { l.t("pub.waits_for_supervisor") };
        let _ = write!(out, r#"<p class="waiting" id="waiting">{}</p>"#, esc(who));
    }
    if author && matches!(p.state.as_str(), "draft" | "rejected") {
        out.push_str(&button("submit", "pub.do_submit", "primary"));
        let _ = write!(out, r#"<a class="button" href="/publish/new?from={}">{}</a> "#, p.id, l.t("pub.edit"));
    }
    let may_decide = p.state == "pending_approval" && !author && s.supervises() && (p.scope != "state" || s.is_hq());
    if may_decide {
        out.push_str(&button("approve", "pub.approve", "primary"));
    }
    let urgent = matches!(kind(p).as_str(), "fact_check" | "alert");
    if s.is_hq() && urgent && matches!(p.state.as_str(), "draft" | "pending_approval") {
        out.push_str(&button("fast_track", "pub.do_fast_track", "primary urgent"));
        let _ = write!(out, r#"<p class="help">{}</p>"#, l.t("pub.fast_track_help"));
    }
    if may_decide {
        let _ = write!(
            out,
            r#"<form method="post" action="/publish/{}/reject" class="stack">{csrf}<label for="reason">{}</label><input id="reason" name="reason" required><button type="submit" id="do-reject">{}</button></form>"#,
            p.id,
            l.t("pub.reject_reason"),
            l.t("pub.reject"),
        );
    }
    if not_started(p) && (author || s.supervises()) {
        let _ = write!(
            out,
            r#"<form method="post" action="/publish/{id}/schedule" class="schedule">{csrf}<label for="at">{label}</label><input type="datetime-local" id="at" name="at" step="60" value="{at}"><button type="submit" id="do-schedule">{set}</button><button type="submit" name="at" value="" id="do-now">{now}</button></form>"#,
            id = p.id,
            label = l.tz("pub.schedule_label", zone),
            at = esc(&view::local_input(zone, &p.scheduled_at)),
            set = l.t("pub.schedule_set"),
            now = l.t("pub.when_now"),
        );
        out.push_str(&button("cancel", "pub.cancel", "danger"));
    }
    let mine = if out.is_empty() { format!(r#"<p class="help">{}</p>"#, l.t("pub.no_actions")) } else { out };
    format!(
        r#"<section class="card actions" aria-labelledby="act-h"><h2 id="act-h">{}</h2>{mine}</section>"#,
        l.t("case.actions")
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ActionForm {
    reason: String,
    at: String,
    account: String,
}

/// `/publish/{id}/{action}`: which post, and what to do with it.
#[derive(Deserialize)]
pub struct PostAction {
    id: u64,
    action: String,
}

pub async fn act(State(state): State<AppState>, signed: Signed, Path(path): Path<PostAction>, body: Bytes) -> Response {
    let PostAction { id, action } = path;
    // `at` may come twice (the field and the "now" button): the last wins.
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return (StatusCode::BAD_REQUEST, "bad form").into_response();
    };
    let mut f = ActionForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "reason" => f.reason = v,
            "at" => f.at = v,
            "account" => f.account = v,
            _ => {}
        }
    }
    let token = &signed.session.token;
    let back = format!("/publish/{id}");
    let mut api = state.publishing();
    let pref = || authed(token, PublicationRef { id });
    let (result, done) = match action.as_str() {
        "submit" => (api.submit(pref()).await, "pub.done.submitted"),
        "approve" | "fast_track" => {
            let req = ApprovePublicationRequest { id, fast_track: action == "fast_track" };
            (api.approve(authed(token, req)).await, "pub.done.approved")
        }
        "reject" => {
            let req = RejectPublicationRequest { id, reason: f.reason };
            (api.reject(authed(token, req)).await, "pub.done.rejected")
        }
        "schedule" => {
            let scheduled_at = if f.at.trim().is_empty() {
                None
            } else {
                match view::parse_local(state.zone(), &f.at) {
                    Some(t) => Some(t),
                    None => {
                        return super::super::done(
                            &signed,
                            &back,
                            Err(&tonic::Status::invalid_argument(signed.lang.tz("pub.bad_time", state.zone()))),
                            None,
                        );
                    }
                }
            };
            (api.schedule(authed(token, SchedulePublicationRequest { id, scheduled_at })).await, "pub.done.scheduled")
        }
        "cancel" => (api.cancel(pref()).await, "pub.done.cancelled"),
        "retry" => {
            let req = RetryTargetRequest { id, account: f.account };
            (api.retry_target(authed(token, req)).await, "pub.done.retried")
        }
        "engagement" => (api.refresh_engagement(pref()).await, "pub.done.engagement"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match result {
        Ok(_) => super::super::done(&signed, &back, Ok(done), None),
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::NotFound | Code::Unavailable) => {
            super::refused(&state, &signed, &status)
        }
        Err(status) => super::super::done(&signed, &back, Err(&status), None),
    }
}
