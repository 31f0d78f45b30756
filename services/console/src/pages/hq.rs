//! HQ's overview: every unit's open cases, oldest waiting case and on-shift
//! staff (`Metrics.Coverage`), today's median first response time
//! (`Metrics.Stats`), the month's leaderboard with rank changes, and the
//! month's report as CSV. Supervisors see the same for their own units.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, TimeZone, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::time::{from_datetime, from_millis};
use tvarit_proto::v1::{CoverageRequest, LeaderboardRequest, LeaderboardRow, StatsGroup, StatsRequest, UnitCoverage};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::rows::unit_name;
use crate::rpc::authed;
use crate::security::Signed;
use tvarit_proto::report::leaderboard_csv as csv;

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
}

fn this_month(zone: chrono_tz::Tz) -> String {
    let now = Utc::now().with_timezone(&zone);
    format!("{:04}-{:02}", now.year(), now.month())
}

fn valid_month(m: &str) -> bool {
    m.len() == 7 && chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_ok()
}

/// Header cells for these interface strings.
fn head(l: Lang, keys: &[&str]) -> Markup {
    html! { thead { tr { @for key in keys { th scope="col" { (l.t(key)) } } } } }
}

fn units_table(state: &AppState, l: Lang, units: &[&UnitCoverage], median: &HashMap<String, Option<f64>>) -> Markup {
    let now = Utc::now().timestamp_millis();
    let waited = |u: &UnitCoverage| {
        format::millis(&u.oldest_waiting_since).map_or_else(String::new, |t| format::span((now - t) / 1000))
    };
    html! {
        div class="table-wrap" {
            table class="overview" {
                (head(l, &["queue.unit", "hq.open", "hq.oldest", "hq.on_shift", "hq.median_today"]))
                tbody {
                    @for u in units {
                        tr {
                            th scope="row" {
                                a href={ "/queue?unit=" (percent_encode(&u.unit)) } { (unit_name(&state.registry, l, &u.unit)) }
                            }
                            td class="num" { (u.open_cases) }
                            td {
                                @if u.oldest_waiting_docket.is_empty() {
                                    "–"
                                } @else {
                                    a href={ "/cases/" (u.oldest_waiting_docket) } { (u.oldest_waiting_docket) }
                                    " "
                                    span class="muted" { (waited(u)) }
                                }
                            }
                            td {
                                @if u.operators_on_shift.is_empty() {
                                    span class="nobody" { (l.t("hq.nobody")) }
                                } @else {
                                    (u.operators_on_shift.join(", "))
                                }
                            }
                            td class="num" { (format::seconds(median.get(&u.unit).copied().flatten())) }
                        }
                    }
                }
            }
        }
    }
}

/// ▲ 2, ▼ 1, = or new: how a row's rank moved since last month.
fn rank_change(l: Lang, change: Option<i32>) -> Markup {
    html! {
        @match change {
            Some(c) if c > 0 => span class="up" aria-label={ "+" (c) } { "▲ " (c) },
            Some(c) if c < 0 => span class="down" aria-label=(c) { "▼ " (-c) },
            Some(_) => "=",
            None => span class="muted" { (l.t("hq.new")) },
        }
    }
}

/// The month's ranked rows (units, or accounts with their unit): the figure
/// ranked on first (`rank_by`, HQ's mean) before the other.
fn leaderboard_table(state: &AppState, l: Lang, rows: &[LeaderboardRow], rank_by: &str) -> Markup {
    let (first, second) = if rank_by == "median" { ("hq.median", "hq.mean") } else { ("hq.mean", "hq.median") };
    let keys = ["hq.rank", "hq.change", "queue.unit", "hq.cases", "hq.answered", first, second, "hq.within_goal"];
    html! {
        div class="table-wrap" {
            table class="leaderboard" {
                (head(l, &keys))
                tbody {
                    @for r in rows.iter().filter(|r| r.cases > 0) {
                        @let unit = unit_name(&state.registry, l, &r.unit);
                        @let name = if r.account.is_empty() { unit } else { format!("{} ({unit})", r.account) };
                        @let (a, b) = if rank_by == "median" {
                            (r.median_frt_s, r.mean_frt_s)
                        } else {
                            (r.mean_frt_s, r.median_frt_s)
                        };
                        tr {
                            td class="num" { (r.rank) }
                            td { (rank_change(l, r.rank_change)) }
                            th scope="row" { (name) }
                            td class="num" { (r.cases) }
                            td class="num" { (r.answered) }
                            td class="num" { (format::seconds(a)) }
                            td class="num" { (format::seconds(b)) }
                            td class="num" { (format!("{:.0}%", r.within_goal_share * 100.0)) }
                        }
                    }
                }
            }
        }
    }
}

pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<MonthQuery>) -> Response {
    let (l, s) = (signed.lang, &signed.session);
    if !s.supervises() {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let zone = state.zone();
    let month = q.month.filter(|m| valid_month(m)).unwrap_or_else(|| this_month(zone));
    let mut metrics = state.metrics();
    let coverage = match metrics.coverage(authed(&s.token, CoverageRequest { window_minutes: 0 })).await {
        Ok(r) => r.into_inner(),
        Err(status) => return super::failure(&state, &signed, &status),
    };
    let now = Utc::now();
    let midnight = now.with_timezone(&zone).date_naive().and_hms_opt(0, 0, 0).expect("midnight");
    let from = zone.from_local_datetime(&midnight).earliest().map_or(now, |t| t.with_timezone(&Utc));
    let stats_req = StatsRequest {
        unit: String::new(),
        from: Some(from_datetime(from)),
        to: Some(from_millis(now.timestamp_millis() + 1)),
        group_by: StatsGroup::Unit as i32,
    };
    let median: HashMap<String, Option<f64>> = match metrics.stats(authed(&s.token, stats_req)).await {
        Ok(r) => r.into_inner().rows.into_iter().map(|r| (r.key, r.median_frt_s)).collect(),
        Err(status) => return super::failure(&state, &signed, &status),
    };
    let board = match metrics.leaderboard(authed(&s.token, LeaderboardRequest { month: month.clone() })).await {
        Ok(r) => r.into_inner(),
        Err(status) => return super::failure(&state, &signed, &status),
    };
    // The console applies the person's units: Metrics serves aggregates to all.
    let mine: Vec<&UnitCoverage> = coverage.units.iter().filter(|u| s.may_see(&u.unit)).collect();
    let (active, quiet): (Vec<&UnitCoverage>, Vec<&UnitCoverage>) =
        mine.iter().partition(|u| u.open_cases > 0 || !u.operators_on_shift.is_empty());
    let quiet_names: Vec<String> = quiet.iter().map(|u| unit_name(&state.registry, l, &u.unit)).collect();
    let accounts: Vec<LeaderboardRow> = board.accounts.iter().filter(|r| s.may_see(&r.unit)).cloned().collect();
    // tvarit-metrics states its rule in English; known sentences are translated.
    let exclusions: Vec<String> = board.exclusions.iter().map(|e| l.metrics_text(e)).collect();
    let body = html! {
        div class="page-head" {
            h1 { (l.t("hq.title")) }
            form class="unit-picker" method="get" action="/hq" {
                label for="month" { (l.t("hq.month")) }
                input id="month" name="month" type="month" value=(month);
                button type="submit" { (l.t("queue.show")) }
            }
            a class="button" href={ "/hq/report.csv?month=" (month) } download { (l.t("hq.report")) }
        }
        div class="case-grid" {
            div class="col-main" {
                section class="card" aria-labelledby="units-h" {
                    h2 id="units-h" { (l.t("hq.units")) }
                    (units_table(&state, l, &active, &median))
                    @if !quiet_names.is_empty() {
                        p class="help" { (l.t("hq.quiet_hidden")) " " span class="muted" { (quiet_names.join(", ")) } }
                    }
                }
            }
            div class="col-side" {
                section class="card" aria-labelledby="lb-h" {
                    h2 id="lb-h" { (l.t("hq.leaderboard")) " " (month) }
                    (leaderboard_table(&state, l, &board.rows, &board.rank_by))
                    @if !accounts.is_empty() {
                        h3 id="lb-accounts" { (l.t("hq.accounts")) }
                        (leaderboard_table(&state, l, &accounts, &board.rank_by))
                    }
                    details {
                        summary { (l.t("hq.rule")) " (" (l.t("hq.ranked_by")) " " (board.rank_by) ")" }
                        p id="rank-rule" { (l.metrics_text(&board.rule)) }
                        p { (l.t("hq.not_counted")) ": " (exclusions.join("; ")) }
                    }
                }
            }
        }
    };
    let page = Page {
        lang: l,
        title: l.t("hq.title").into(),
        section: Section::Hq,
        session: Some(s),
        here: format!("/hq?month={}", percent_encode(&month)),
        body,
    };
    super::html(StatusCode::OK, page)
}

pub async fn report(State(state): State<AppState>, signed: Signed, Query(q): Query<MonthQuery>) -> Response {
    if !signed.session.supervises() {
        return super::error_page(&signed, StatusCode::FORBIDDEN, signed.lang.t("error.forbidden"));
    }
    let month = q.month.filter(|m| valid_month(m)).unwrap_or_else(|| this_month(state.zone()));
    let req = authed(&signed.session.token, LeaderboardRequest { month: month.clone() });
    let mut board = match state.metrics().leaderboard(req).await {
        Ok(r) => r.into_inner(),
        Err(status) => return super::failure(&state, &signed, &status),
    };
    board.rows.retain(|r| signed.session.may_see(&r.unit));
    let disposition = format!("attachment; filename=\"tvarit-leaderboard-{month}.csv\"");
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).expect("ASCII month")),
        ],
        csv(&board),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use tvarit_proto::v1::LeaderboardResponse;

    use super::*;

    #[test]
    fn months_are_checked() {
        assert!(valid_month("2026-11"));
        assert!(!valid_month("2026-13") && !valid_month("2026-1") && !valid_month("x\"y"));
    }

    #[test]
    fn the_report_is_csv_with_rank_change() {
        let b = LeaderboardResponse {
            month: "2026-11".into(),
            rows: vec![LeaderboardRow {
                rank: 1,
                unit: "balotra".into(),
                cases: 3,
                answered: 2,
                median_frt_s: Some(42.0),
                rank_change: Some(2),
                within_goal_share: 0.5,
                ..Default::default()
            }],
            ..Default::default()
        };
        let text = csv(&b);
        assert_eq!(text.lines().nth(1), Some("2026-11,1,2,balotra,3,2,0,42.0,,,,0.5000,0.0000,0,0"));
    }
}
