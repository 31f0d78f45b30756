//! The project's daily quota, as YouTube keeps it: every call spends its
//! units from one window that resets at midnight in Los Angeles, a refused
//! call still costs a unit, and a call beyond the budget is a 403
//! `quotaExceeded`. [`spend`] is also where injected faults (throttling,
//! outages) reach the YouTube endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

use super::wire::{error, yt_time};
use crate::faults::Injected;
use crate::state::{Sim, Window};

const QUOTA_WINDOW: (&str, &str) = ("youtube_quota", "project");

/// Pacific time's offset from UTC at `t`: daylight time from the second
/// Sunday of March, 02:00 PST (10:00 UTC), to the first Sunday of
/// November, 02:00 PDT (09:00 UTC).
fn pacific_offset(t: DateTime<Utc>) -> chrono::Duration {
    let y = t.year();
    let at = |month, nth, hour| {
        NaiveDate::from_weekday_of_month_opt(y, month, Weekday::Sun, nth)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(|d| d.and_utc())
    };
    match (at(3, 2, 10), at(11, 1, 9)) {
        (Some(start), Some(end)) if t >= start && t < end => chrono::Duration::hours(-7),
        _ => chrono::Duration::hours(-8),
    }
}

/// When YouTube's daily quota next resets: the next midnight in Los Angeles.
pub fn next_pacific_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    let local = (t + pacific_offset(t)).date_naive();
    let next = local.succ_opt().unwrap_or(local).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let as_pst = next + chrono::Duration::hours(8);
    if pacific_offset(as_pst) == chrono::Duration::hours(-8) { as_pst } else { next + chrono::Duration::hours(7) }
}

/// Marks a refusal that costs no quota: no project can be charged for it
/// (missing or invalid credentials), or the day's quota is already spent.
#[derive(Debug, Clone, Copy)]
pub(super) struct Unbilled;

pub(super) fn unbilled(mut resp: Response) -> Response {
    resp.extensions_mut().insert(Unbilled);
    resp
}

/// What a refused request costs: YouTube's quota guide says invalid
/// requests incur a cost of at least one point.
const COST_REFUSED: u32 = 1;

/// Charges every refused YouTube call (a 4xx not marked [`Unbilled`]) its
/// unit, however early the handler refused it.
pub async fn bill_refusals(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.status().is_client_error() && resp.extensions().get::<Unbilled>().is_none() {
        let mut inner = sim.lock();
        let w = today(&mut inner.windows, Utc::now());
        // Capped at the budget, so the report never shows more than was allowed.
        w.used = w.used.saturating_add(COST_REFUSED).min(sim.cfg.youtube_daily_quota);
    }
    resp
}

/// Today's quota window, reset at a Pacific midnight.
fn today(windows: &mut HashMap<(String, String), Window>, now: DateTime<Utc>) -> &mut Window {
    let w = windows
        .entry((QUOTA_WINDOW.0.into(), QUOTA_WINDOW.1.into()))
        .or_insert_with(|| Window { used: 0, reset_at: next_pacific_midnight(now) });
    if w.reset_at <= now {
        *w = Window { used: 0, reset_at: next_pacific_midnight(now) };
    }
    w
}

fn quota_exceeded() -> Response {
    unbilled(error(
        StatusCode::FORBIDDEN,
        "quotaExceeded",
        "youtube.quota",
        "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
    ))
}

/// Counts the request, applies faults, and spends `cost` quota units.
#[allow(clippy::result_large_err)]
pub(super) async fn spend(sim: &Sim, cost: u32) -> Result<(), Response> {
    match sim.inject().await {
        Injected::None => {}
        Injected::Throttle => {
            return Err(error(
                StatusCode::FORBIDDEN,
                "rateLimitExceeded",
                "youtube.quota",
                "The request cannot be completed because you have exceeded your rate limit.",
            ));
        }
        Injected::ServerError => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "backendError",
                "global",
                "The service is currently unavailable.",
            ));
        }
    }
    let mut inner = sim.lock();
    let w = today(&mut inner.windows, Utc::now());
    if w.used.saturating_add(cost) > sim.cfg.youtube_daily_quota {
        return Err(quota_exceeded());
    }
    w.used += cost;
    Ok(())
}

/// `GET /sim/youtube/quota`: units spent today and when they reset.
pub async fn quota(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let now = Utc::now();
    let inner = sim.lock();
    let w = inner.windows.get(&(QUOTA_WINDOW.0.into(), QUOTA_WINDOW.1.into())).filter(|w| w.reset_at > now);
    Json(json!({
        "used": w.map_or(0, |w| w.used),
        "limit": sim.cfg.youtube_daily_quota,
        "resets_at": yt_time(w.map_or_else(|| next_pacific_midnight(now), |w| w.reset_at)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quota_days_end_at_midnight_in_los_angeles() {
        assert_eq!(next_pacific_midnight(t("2026-11-03T10:00:00Z")), t("2026-11-04T08:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-07-01T06:59:00Z")), t("2026-07-01T07:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-03-08T12:00:00Z")), t("2026-03-09T07:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-11-01T12:00:00Z")), t("2026-11-02T08:00:00Z"));
    }
}
