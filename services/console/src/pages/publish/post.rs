//! One post: its outcome on every target account (status, attempts, the
//! platform's link, the platform's own words on a failure, engagement),
//! retry for a failed account, and the workflow's actions for whoever may
//! take them: submit, approve, HQ's fast-track, reject, schedule, cancel.
//! While it goes out, the script refreshes the outcome table.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{
    ApprovePublicationRequest, PreviewRequest, Publication, PublicationRef, RejectPublicationRequest,
    RetryTargetRequest, SchedulePublicationRequest, Target,
};

use super::view::{self, badge, named};
use crate::AppState;
use crate::html::{Page, Section, csrf_input};
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
    let body = html! {
        (head(l, &p))
        div class="case-grid post-page" {
            div class="col-main" { (outcomes(&state, l, s, &p)) }
            div class="col-side" {
                (actions(l, state.zone(), s, &p))
                (facts(&state, l, &p))
                @if let Some(preview) = preview { (view::preview(l, &state.registry, preview.get_ref())) }
            }
        }
    };
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

fn head(l: Lang, p: &Publication) -> Markup {
    html! {
        div class="page-head" id="pub-head" {
            h1 { "pub-" (p.id) " · " (named(l, "kind", &kind(p))) }
            span id="pub-status" { (badge(l, "status", &p.status)) }
            @if p.fast_tracked { span class="badge fast" { (l.t("pub.fast_tracked")) } }
            a class="button" href="/publish" { (l.t("pub.back_to_calendar")) }
        }
    }
}

/// What happened on each account; the script re-reads this section while
/// the post is going out (`data-poll`, in seconds).
fn outcomes(state: &AppState, l: Lang, s: &Session, p: &Publication) -> Markup {
    let count = |st: &str| p.targets.iter().filter(|t| t.status == st).count();
    let poll = match p.status.as_str() {
        "publishing" => Some("2"),
        "scheduled" => Some("15"),
        _ => None,
    };
    let tally = ["sent", "queued", "sending", "failed", "needs_check", "skipped", "held", "cancelled"]
        .map(|st| (st, count(st)))
        .into_iter()
        .filter(|(_, n)| *n > 0);
    // Accounts that need a person first; otherwise the service's order (by handle).
    let needs_person = |t: &&Target| matches!(t.status.as_str(), "failed" | "needs_check");
    let ordered = p.targets.iter().filter(needs_person).chain(p.targets.iter().filter(|t| !needs_person(t)));
    html! {
        section class="card" id="outcomes" aria-labelledby="out-h" data-poll=[poll] {
            h2 id="out-h" { (l.t("pub.outcomes")) }
            p class="tally" aria-live="polite" {
                @for (st, n) in tally {
                    (badge(l, "target", st)) " " strong data-count=(st) { (n) } " "
                }
                span class="muted" { "/ " (p.targets.len()) " " (l.t("pub.accounts")) }
            }
            @if p.targets.iter().any(|t| t.status == "sent") {
                form method="post" action={ "/publish/" (p.id) "/engagement" } class="inline" {
                    (csrf_input(s))
                    button type="submit" id="refresh-engagement" { (l.t("pub.refresh_engagement")) }
                }
            }
            div class="table-wrap" {
                table class="outcomes" {
                    thead {
                        tr {
                            th scope="col" { (l.t("pub.account")) }
                            th scope="col" { (l.t("pub.unit")) }
                            th scope="col" { (l.t("pub.status")) }
                            th scope="col" class="num" { (l.t("pub.attempts")) }
                            th scope="col" { (l.t("pub.on_platform")) }
                            th scope="col" { (l.t("pub.engagement")) }
                            th scope="col" { (l.tz("pub.sent_at", state.zone())) }
                        }
                    }
                    tbody { @for t in ordered { (target_row(state, l, s, p.id, t)) } }
                }
            }
            p class="help" { (l.t("pub.engagement_legend")) }
        }
    }
}

fn target_row(state: &AppState, l: Lang, s: &Session, id: u64, t: &Target) -> Markup {
    html! {
        tr class={ "target st-" (t.status) } data-account=(t.account) {
            th scope="row" { (t.account) " " span class="muted" { (view::platform_name(&t.platform)) } }
            td { (unit_name(&state.registry, l, &t.unit)) }
            td {
                (badge(l, "target", &t.status))
                @if !t.error.is_empty() { br; small class="platform-error" { (t.error) } }
                @if matches!(t.status.as_str(), "failed" | "needs_check") && s.may_see(&t.unit) {
                    form method="post" action={ "/publish/" (id) "/retry" } class="inline" {
                        (csrf_input(s))
                        input type="hidden" name="account" value=(t.account);
                        button type="submit" class="retry" data-account=(t.account) { (l.t("pub.retry")) }
                    }
                }
            }
            td class="num" { (t.attempts) }
            td {
                @if t.platform_post_id.is_empty() {
                    "–"
                } @else {
                    (view::outside_link(&t.link, l.t("pub.open_post")))
                    " "
                    small class="post-id" title=(t.platform_post_id) { (t.platform_post_id) }
                }
            }
            td {
                @if let Some(e) = &t.engagement {
                    // Symbols the office PCs' fonts have (no colour emoji); the legend names them.
                    span class="engagement" title=(l.t("pub.engagement_legend")) {
                        "♥ " (e.likes) " · ⟲ " (e.reposts) " · ↩ " (e.replies)
                        @if e.impressions > 0 { " · ◉ " (e.impressions) }
                    }
                } @else {
                    "–"
                }
            }
            td { (view::shown_short(l, state.zone(), &t.sent_at)) }
        }
    }
}

fn facts(state: &AppState, l: Lang, p: &Publication) -> Markup {
    let c = p.content.clone().unwrap_or_default();
    let zone = state.zone();
    let fact_check = c.fact_check.as_ref().filter(|_| c.kind == "fact_check");
    html! {
        section class="card" aria-labelledby="facts-h" {
            h2 id="facts-h" { (l.t("pub.details")) }
            dl class="facts" {
                dt { (l.t("pub.audience")) }
                dd { (view::audience(l, &state.registry, p)) }
                dt { (l.t("pub.author")) }
                dd { (p.author) }
                dt { (l.t("pub.created")) }
                dd { (view::shown(l, zone, &p.created_at)) }
                dt { (l.t("pub.state")) }
                dd { (named(l, "state", &p.state)) }
                dt { (l.t("pub.scheduled")) }
                dd {
                    @if p.scheduled_at.is_some() { (view::shown(l, zone, &p.scheduled_at)) } @else { (l.t("pub.when_now")) }
                }
                @if !p.approved_by.is_empty() {
                    dt { (l.t("pub.approved_by")) }
                    dd {
                        (p.approved_by) " · " (view::shown(l, zone, &p.approved_at))
                        @if p.fast_tracked { " (" (l.t("pub.fast_tracked")) ")" }
                    }
                }
                @if !p.rejected_by.is_empty() {
                    dt { (l.t("pub.rejected_by")) }
                    dd { (p.rejected_by) ": " span class="platform-error" { (p.reject_reason) } }
                }
                @if let Some(f) = fact_check {
                    dt { (l.t("pub.claim_short")) }
                    dd { (f.claim) }
                    dt { (l.t("pub.verdict")) }
                    dd { (named(l, "verdict", &f.verdict)) }
                    @if !f.claim_id.is_empty() {
                        dt { (l.t("pub.claim_id")) }
                        dd { (f.claim_id) }
                    }
                }
            }
        }
    }
}

/// Whether delivery has not started: the time may change, the post may be
/// cancelled.
fn not_started(p: &Publication) -> bool {
    !matches!(p.state.as_str(), "rejected" | "cancelled") && p.targets.iter().all(|t| t.attempts == 0)
}

/// The buttons this person may press now. The service decides again; these
/// only leave out what would certainly be refused.
fn actions(l: Lang, zone: chrono_tz::Tz, s: &Session, p: &Publication) -> Markup {
    let author = p.author == s.operator.name;
    let button = |action: &str, key: &str, class: &str| {
        html! {
            form method="post" action={ "/publish/" (p.id) "/" (action) } class="inline" {
                (csrf_input(s))
                button type="submit" id={ "do-" (action) } class=(class) { (l.t(key)) }
            }
        }
    };
    let waiting = p.state == "pending_approval";
    let may_submit = author && matches!(p.state.as_str(), "draft" | "rejected");
    let may_decide = waiting && !author && s.supervises() && (p.scope != "state" || s.is_hq());
    let urgent = matches!(kind(p).as_str(), "fact_check" | "alert");
    let may_fast_track = s.is_hq() && urgent && matches!(p.state.as_str(), "draft" | "pending_approval");
    let may_schedule = not_started(p) && (author || s.supervises());
    let nothing = !(waiting || may_submit || may_decide || may_fast_track || may_schedule);
    html! {
        section class="card actions" aria-labelledby="act-h" {
            h2 id="act-h" { (l.t("case.actions")) }
            @if waiting {
                p class="waiting" id="waiting" {
                    (if p.scope == "state" { l.t("pub.waits_for_hq") } else { l.t("pub.waits_for_supervisor") })
                }
            }
            @if may_submit {
                (button("submit", "pub.do_submit", "primary"))
                a class="button" href={ "/publish/new?from=" (p.id) } { (l.t("pub.edit")) }
                " "
            }
            @if may_decide { (button("approve", "pub.approve", "primary")) }
            @if may_fast_track {
                (button("fast_track", "pub.do_fast_track", "primary urgent"))
                p class="help" { (l.t("pub.fast_track_help")) }
            }
            @if may_decide {
                form method="post" action={ "/publish/" (p.id) "/reject" } class="stack" {
                    (csrf_input(s))
                    label for="reason" { (l.t("pub.reject_reason")) }
                    input id="reason" name="reason" required;
                    button type="submit" id="do-reject" { (l.t("pub.reject")) }
                }
            }
            @if may_schedule {
                form method="post" action={ "/publish/" (p.id) "/schedule" } class="schedule" {
                    (csrf_input(s))
                    label for="at" { (l.tz("pub.schedule_label", zone)) }
                    input type="datetime-local" id="at" name="at" step="60" value=(view::local_input(zone, &p.scheduled_at));
                    button type="submit" id="do-schedule" { (l.t("pub.schedule_set")) }
                    button type="submit" name="at" value="" id="do-now" { (l.t("pub.when_now")) }
                }
                (button("cancel", "pub.cancel", "danger"))
            }
            @if nothing { p class="help" { (l.t("pub.no_actions")) } }
        }
    }
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
