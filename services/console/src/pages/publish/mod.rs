//! Publishing: HQ's and the districts' own posts through tvarit-reply's
//! `Publishing` API. `/publish` is the calendar of one of my units (or all
//! of them) for a month in the deployment's zone, with the posts waiting for approval on top;
//! `/publish/new` composes and previews; `/publish/{id}` shows a post's
//! outcome on every account and its actions.

pub mod compose;
mod draft;
pub mod post;
pub mod view;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{ListPublicationsRequest, Publication};

use self::view::{badge, named};
use crate::AppState;
use crate::format;
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::pages::queue::my_units;
use crate::rows::unit_name;
use crate::rpc::authed;
use crate::security::Signed;

/// A failed call on these pages: another unit's post is "not found", as a
/// post that does not exist; the rest as on every page.
pub fn refused(state: &AppState, signed: &Signed, status: &tonic::Status) -> Response {
    match status.code() {
        Code::NotFound => super::error_page(signed, StatusCode::NOT_FOUND, signed.lang.t("pub.not_found")),
        Code::Unauthenticated => {
            state.sessions.remove(&signed.id);
            Redirect::to("/signin").into_response()
        }
        _ => super::failure(state, signed, status),
    }
}

#[derive(Deserialize)]
pub struct CalendarQuery {
    unit: Option<String>,
    month: Option<String>,
}

/// The first day of `YYYY-MM`, else of this month in the deployment's zone.
fn month_start(zone: Tz, month: Option<&str>) -> NaiveDate {
    month
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| Utc::now().with_timezone(&zone).date_naive().with_day(1).expect("day 1"))
}

/// Local midnight of `day`, as the UTC instant the API takes. A zone whose
/// clocks skip midnight starts the day at the first minute that exists.
fn local_midnight(zone: Tz, day: NaiveDate) -> prost_types::Timestamp {
    let t = (0..=120)
        .find_map(|m| zone.from_local_datetime(&day.and_hms_opt(m / 60, m % 60, 0)?).earliest())
        .map_or_else(Utc::now, |t| t.with_timezone(&Utc));
    from_datetime(t)
}

/// Where a post sits in the calendar: its time, else its approval, else
/// its creation (the service's own order).
fn placed(p: &Publication) -> &Option<prost_types::Timestamp> {
    if p.scheduled_at.is_some() {
        &p.scheduled_at
    } else if p.approved_at.is_some() {
        &p.approved_at
    } else {
        &p.created_at
    }
}

fn entry(state: &AppState, l: Lang, p: &Publication) -> Markup {
    let kind = p.content.as_ref().map(|c| c.kind.as_str()).unwrap_or_default();
    let time = format::time(placed(p))
        .map_or_else(String::new, |t| t.with_timezone(&state.zone()).format("%H:%M").to_string());
    html! {
        li class={ "entry kind-" (kind) } data-id=(p.id) {
            span class="at" { (time) }
            " "
            a href={ "/publish/" (p.id) } { "pub-" (p.id) }
            " "
            span class="badge kind" { (named(l, "kind", kind)) }
            " " (badge(l, "status", &p.status)) " "
            span class="excerpt" { (view::excerpt(l, p)) }
            " "
            span class="muted" { (view::audience(l, &state.registry, p)) " · " (p.author) }
        }
    }
}

/// The month's posts, one list per local day.
fn agenda(state: &AppState, l: Lang, posts: &[Publication]) -> Markup {
    let day = |p: &Publication| format::time(placed(p)).map(|t| t.with_timezone(&state.zone()).date_naive());
    html! {
        @if posts.is_empty() {
            p class="empty" { (l.t("pub.calendar_empty")) }
        } @else {
            ol class="agenda" {
                @for same_day in posts.chunk_by(|a, b| day(a) == day(b)) {
                    li class="day" {
                        h3 { (day(&same_day[0]).map_or_else(|| "–".into(), |d| format::day(l, d))) }
                        ul { @for p in same_day { (entry(state, l, p)) } }
                    }
                }
            }
        }
    }
}

fn pickers(state: &AppState, l: Lang, signed: &Signed, unit: &str, start: NaiveDate) -> Markup {
    let q = |m: NaiveDate| format!("/publish?unit={}&month={}", percent_encode(unit), m.format("%Y-%m"));
    let prev = start.checked_sub_months(Months::new(1)).unwrap_or(start);
    let next = start.checked_add_months(Months::new(1)).unwrap_or(start);
    html! {
        form class="unit-picker" method="get" action="/publish" {
            label for="unit" { (l.t("queue.unit")) }
            select id="unit" name="unit" {
                option value="" { (l.t("pub.all_my_units")) }
                @for u in my_units(state, &signed.session) {
                    option value=(u) selected[u == unit] { (unit_name(&state.registry, l, &u)) }
                }
            }
            label for="month" { (l.t("hq.month")) }
            input id="month" name="month" type="month" value=(start.format("%Y-%m").to_string());
            button type="submit" { (l.t("queue.show")) }
        }
        nav class="months" aria-label=(l.t("hq.month")) {
            a href=(q(prev)) rel="prev" { "← " (format::month(l, prev)) }
            " "
            a href=(q(next)) rel="next" { (format::month(l, next)) " →" }
        }
    }
}

pub async fn calendar(State(state): State<AppState>, signed: Signed, Query(q): Query<CalendarQuery>) -> Response {
    let (l, s) = (signed.lang, &signed.session);
    let unit = q.unit.unwrap_or_default();
    if !unit.is_empty() && !my_units(&state, s).contains(&unit) {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let zone = state.zone();
    let start = month_start(zone, q.month.as_deref());
    let end = start.checked_add_months(Months::new(1)).unwrap_or(start);
    let mut api = state.publishing();
    let month_req = ListPublicationsRequest {
        unit: unit.clone(),
        from: Some(local_midnight(zone, start)),
        to: Some(local_midnight(zone, end)),
        limit: 500,
    };
    let posts = match api.list_publications(authed(&s.token, month_req)).await {
        Ok(r) => r.into_inner().publications,
        Err(status) => return refused(&state, &signed, &status),
    };
    // Waiting for approval, whenever they were written.
    let all_req = ListPublicationsRequest { unit: unit.clone(), limit: 500, ..Default::default() };
    let waiting: Vec<Publication> = match api.list_publications(authed(&s.token, all_req)).await {
        Ok(r) => r.into_inner().publications.into_iter().filter(|p| p.state == "pending_approval").collect(),
        Err(status) => return refused(&state, &signed, &status),
    };
    let title = l.t("pub.title");
    let scope = if unit.is_empty() { l.t("pub.all_my_units").to_owned() } else { unit_name(&state.registry, l, &unit) };
    let body = html! {
        div class="page-head" {
            h1 { (title) }
            (pickers(&state, l, &signed, &unit, start))
            a class="button primary-link" href="/publish/new" id="compose-link" { (l.t("pub.compose")) }
        }
        section class="card" id="waiting-list" aria-labelledby="wait-h" {
            h2 id="wait-h" { (l.t("pub.waiting")) }
            @if waiting.is_empty() {
                p class="help" { (l.t("pub.waiting_none")) }
            } @else {
                ul class="agenda-flat" { @for p in &waiting { (entry(&state, l, p)) } }
            }
        }
        section class="card" id="calendar" aria-labelledby="cal-h" {
            h2 id="cal-h" { (l.t("pub.calendar")) " · " (scope) " · " (format::month(l, start)) }
            p class="help" { (l.t("pub.calendar_help").replace("{zone}", &format::zone_name(zone))) }
            (agenda(&state, l, &posts))
        }
    };
    let page = Page {
        lang: l,
        title: title.into(),
        section: Section::Publish,
        session: Some(s),
        here: format!("/publish?unit={}&month={}", percent_encode(&unit), start.format("%Y-%m")),
        body,
    };
    super::html(StatusCode::OK, page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_in_ist_starts_at_half_past_six_the_evening_before_in_utc() {
        let ist = chrono_tz::Asia::Kolkata;
        let start = month_start(ist, Some("2026-11"));
        assert_eq!(start, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
        let t = local_midnight(ist, start);
        let utc = chrono::DateTime::from_timestamp_millis(tvarit_proto::time::to_millis(&t)).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-10-31T18:30:00+00:00");
        assert_eq!(month_start(ist, Some("junk")).day(), 1);
    }

    /// Every `pub.*` string these pages ask for exists in both languages.
    #[test]
    fn every_string_the_pages_use_exists() {
        let sources =
            [include_str!("mod.rs"), include_str!("compose.rs"), include_str!("post.rs"), include_str!("view.rs")];
        for src in sources {
            for piece in src.split(".t(\"").skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                assert!(crate::i18n::has(key), "no interface string {key:?}");
            }
        }
        for (group, values) in [
            ("kind", &view::KINDS[..]),
            ("verdict", &view::VERDICTS[..]),
            ("state", &["draft", "pending_approval", "approved", "rejected", "cancelled"][..]),
            (
                "status",
                &[
                    "draft",
                    "pending_approval",
                    "rejected",
                    "cancelled",
                    "scheduled",
                    "publishing",
                    "published",
                    "partly_failed",
                ][..],
            ),
            ("target", &["held", "queued", "sending", "sent", "failed", "skipped", "needs_check", "cancelled"][..]),
        ] {
            for v in values {
                assert!(crate::i18n::has(&format!("pub.{group}.{v}")), "pub.{group}.{v}");
            }
        }
    }
}
