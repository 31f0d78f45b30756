//! HQ's overview: every unit's open cases, oldest waiting case and on-shift
//! staff (`Metrics.Coverage`), today's median first response time
//! (`Metrics.Stats`), the month's leaderboard with rank changes, and the
//! month's report as CSV. Supervisors see the same for their own units.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, TimeZone, Utc};
use serde::Deserialize;
use tvarit_proto::time::{from_datetime, from_millis};
use tvarit_proto::v1::{CoverageRequest, LeaderboardRequest, LeaderboardRow, StatsGroup, StatsRequest, UnitCoverage};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, esc, percent_encode};
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

fn units_table(state: &AppState, l: Lang, units: &[&UnitCoverage], median: &HashMap<String, Option<f64>>) -> String {
    let now = Utc::now().timestamp_millis();
    let mut out = format!(
        r#"<div class="table-wrap"><table class="overview"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        l.t("queue.unit"),
        l.t("hq.open"),
        l.t("hq.oldest"),
        l.t("hq.on_shift"),
        l.t("hq.median_today"),
    );
    for u in units {
        let oldest = if u.oldest_waiting_docket.is_empty() {
            "–".to_owned()
        } else {
            let waited =
                format::millis(&u.oldest_waiting_since).map_or_else(String::new, |t| format::span((now - t) / 1000));
            format!(
                r#"<a href="/cases/{d}">{d}</a> <span class="muted">{waited}</span>"#,
                d = esc(&u.oldest_waiting_docket)
            )
        };
        let staff = if u.operators_on_shift.is_empty() {
            format!(r#"<span class="nobody">{}</span>"#, l.t("hq.nobody"))
        } else {
            esc(&u.operators_on_shift.join(", ")).to_string()
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row"><a href="/queue?unit={q}">{name}</a></th><td class="num">{open}</td><td>{oldest}</td><td>{staff}</td><td class="num">{median}</td></tr>"#,
            q = esc(&percent_encode(&u.unit)),
            name = esc(&unit_name(&state.registry, l, &u.unit)),
            open = u.open_cases,
            median = format::seconds(median.get(&u.unit).copied().flatten()),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The month's ranked rows (units, or accounts with their unit): the figure
/// ranked on first (`rank_by`, HQ's mean) before the other.
fn leaderboard_table(state: &AppState, l: Lang, rows: &[LeaderboardRow], rank_by: &str) -> String {
    let (first, second) = if rank_by == "median" { ("hq.median", "hq.mean") } else { ("hq.mean", "hq.median") };
    let mut out = format!(
        r#"<div class="table-wrap"><table class="leaderboard"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        l.t("hq.rank"),
        l.t("hq.change"),
        l.t("queue.unit"),
        l.t("hq.cases"),
        l.t("hq.answered"),
        l.t(first),
        l.t(second),
        l.t("hq.within_goal"),
    );
    for r in rows.iter().filter(|r| r.cases > 0) {
        let change = match r.rank_change {
            Some(c) if c > 0 => format!(r#"<span class="up" aria-label="+{c}">▲ {c}</span>"#),
            Some(c) if c < 0 => format!(r#"<span class="down" aria-label="{c}">▼ {}</span>"#, -c),
            Some(_) => "=".into(),
            None => format!(r#"<span class="muted">{}</span>"#, l.t("hq.new")),
        };
        let unit = unit_name(&state.registry, l, &r.unit);
        let name = if r.account.is_empty() { unit } else { format!("{} ({unit})", r.account) };
        let (a, b) = if rank_by == "median" { (r.median_frt_s, r.mean_frt_s) } else { (r.mean_frt_s, r.median_frt_s) };
        let _ = write!(
            out,
            r#"<tr><td class="num">{}</td><td>{change}</td><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{:.0}%</td></tr>"#,
            r.rank,
            esc(&name),
            r.cases,
            r.answered,
            format::seconds(a),
            format::seconds(b),
            r.within_goal_share * 100.0,
        );
    }
    out.push_str("</tbody></table></div>");
    out
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
    let mut body = format!(r#"<div class="page-head"><h1>{}</h1>"#, l.t("hq.title"));
    let _ = write!(
        body,
        r#"<form class="unit-picker" method="get" action="/hq"><label for="month">{}</label><input id="month" name="month" type="month" value="{m}"><button type="submit">{}</button></form><a class="button" href="/hq/report.csv?month={m}" download>{}</a></div>"#,
        l.t("hq.month"),
        l.t("queue.show"),
        l.t("hq.report"),
        m = esc(&month),
    );
    let _ = write!(
        body,
        r#"<div class="case-grid"><div class="col-main"><section class="card" aria-labelledby="units-h"><h2 id="units-h">{}</h2>"#,
        l.t("hq.units")
    );
    body.push_str(&units_table(&state, l, &active, &median));
    if !quiet.is_empty() {
        let names: Vec<String> = quiet.iter().map(|u| unit_name(&state.registry, l, &u.unit)).collect();
        let _ = write!(
            body,
            r#"<p class="help">{} <span class="muted">{}</span></p>"#,
            l.t("hq.quiet_hidden"),
            esc(&names.join(", "))
        );
    }
    let _ = write!(
        body,
        r#"</section></div><div class="col-side"><section class="card" aria-labelledby="lb-h"><h2 id="lb-h">{} {}</h2>"#,
        l.t("hq.leaderboard"),
        esc(&month)
    );
    body.push_str(&leaderboard_table(&state, l, &board.rows, &board.rank_by));
    let accounts: Vec<LeaderboardRow> = board.accounts.iter().filter(|r| s.may_see(&r.unit)).cloned().collect();
    if !accounts.is_empty() {
        let _ = write!(body, r#"<h3 id="lb-accounts">{}</h3>"#, l.t("hq.accounts"));
        body.push_str(&leaderboard_table(&state, l, &accounts, &board.rank_by));
    }
    // tvarit-metrics states its rule in English; known sentences are translated.
    let exclusions: Vec<String> = board.exclusions.iter().map(|e| l.metrics_text(e)).collect();
    let _ = write!(
        body,
        r#"<details><summary>{} ({} {})</summary><p id="rank-rule">{}</p><p>{}: {}</p></details></section></div></div>"#,
        l.t("hq.rule"),
        l.t("hq.ranked_by"),
        esc(&board.rank_by),
        esc(&l.metrics_text(&board.rule)),
        l.t("hq.not_counted"),
        esc(&exclusions.join("; "))
    );
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
