//! The monthly ranking of units by first response time (FRT): the platform
//! time of a post to the time its first reply was recorded.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use tvarit_proto::v1::{LeaderboardResponse, LeaderboardRow};

pub const RULE: &str = "units with answered cases first, by median FRT ascending; ties by share answered within \
     the goal (descending), then mean FRT, then unit name; units with no answered case last, by case count";

pub const EXCLUSIONS: [&str; 6] = [
    "not-actionable cases (spam, greetings, slogans) are not counted",
    "untagged posts (seen through a district's watch terms, not addressed to any of our accounts) are not counted",
    "a post seen again (same platform and post id) is one case, counted once",
    "a case belongs to the month of its post's platform time in the deployment's time zone",
    "unanswered cases count in `cases` and `unanswered`, and as outside the goal and breach shares",
    "a case counts for the unit that owns it: a post outside a district's shift handed to HQ counts for HQ",
];

#[derive(Debug, thiserror::Error)]
pub enum LeaderboardError {
    #[error("month {0:?} is not YYYY-MM")]
    BadMonth(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// `[start, end)` of a `YYYY-MM` month in `tz`, as UTC instants.
pub fn month_bounds(month: &str, tz: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), LeaderboardError> {
    let bad = || LeaderboardError::BadMonth(month.into());
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let first = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 { NaiveDate::from_ymd_opt(y + 1, 1, 1) } else { NaiveDate::from_ymd_opt(y, m + 1, 1) }
        .ok_or_else(bad)?;
    let at = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(bad)
    };
    Ok((at(first)?, at(next)?))
}

type Row = (String, i64, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>, f64, f64, i64, i64, bool);

pub const LEADERBOARD_SQL: &str = include_str!("../sql/leaderboard.sql");

/// The same figures as the rollup, straight from the raw facts (the audit
/// path, and the answer when the rollup was computed with other limits).
const RAW_SQL: &str = "WITH f AS (
         -- GREATEST skips NULLs, so an unanswered case must stay NULL explicitly.
         SELECT unit, sla_breaches, escalations, CASE WHEN first_reply_at IS NOT NULL
                      THEN GREATEST(0, EXTRACT(EPOCH FROM first_reply_at - post_created_at))::float8 END AS frt
         FROM case_facts
         WHERE post_created_at >= $1 AND post_created_at < $2 AND state <> 'not_actionable' AND NOT untagged
     )
     SELECT unit, count(*), count(frt),
            percentile_cont(0.5) WITHIN GROUP (ORDER BY frt), avg(frt),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY frt), max(frt),
            (count(*) FILTER (WHERE frt <= $3))::float8 / count(*),
            (count(*) FILTER (WHERE frt <= $4))::float8 / count(*),
            sum(sla_breaches)::bigint, sum(escalations)::bigint, true
     FROM f GROUP BY unit";

/// One month's ranked rows: from the rollup, or from the raw facts when
/// `raw` or when the rollup was computed with other limits.
pub async fn month_rows(
    pool: &PgPool,
    month: &str,
    tz: Tz,
    goal_s: f64,
    breach_s: f64,
    raw: bool,
) -> Result<Vec<LeaderboardRow>, LeaderboardError> {
    let (start, end) = month_bounds(month, tz)?;
    let mut rows: Vec<Row> = Vec::new();
    if !raw {
        rows = sqlx::query_as(LEADERBOARD_SQL).bind(month).bind(goal_s).bind(breach_s).fetch_all(pool).await?;
    }
    if raw || rows.iter().any(|r| !r.11) {
        rows = sqlx::query_as(RAW_SQL).bind(start).bind(end).bind(goal_s).bind(breach_s).fetch_all(pool).await?;
    }
    let mut rows: Vec<LeaderboardRow> = rows
        .into_iter()
        .map(|(unit, cases, answered, median, mean, p90, max, goal, breach, breaches, escalations, _)| LeaderboardRow {
            rank: 0,
            unit,
            cases: cases as u64,
            answered: answered as u64,
            median_frt_s: median,
            mean_frt_s: mean,
            p90_frt_s: p90,
            max_frt_s: max,
            within_goal_share: goal,
            within_breach_share: breach,
            unanswered: (cases - answered) as u64,
            rank_change: None,
            sla_breaches: breaches as u64,
            escalations: escalations as u64,
        })
        .collect();
    rank(&mut rows);
    Ok(rows)
}

/// The month before a `YYYY-MM` month.
pub fn previous_month(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    Some(if m <= 1 { format!("{:04}-12", y - 1) } else { format!("{y:04}-{:02}", m - 1) })
}

pub async fn leaderboard(
    pool: &PgPool,
    month: &str,
    tz: Tz,
    goal_s: f64,
    breach_s: f64,
) -> Result<LeaderboardResponse, LeaderboardError> {
    // Rollups are refreshed in the background; catch up before reading.
    crate::derive::refresh_dirty(pool, goal_s, breach_s).await?;
    let mut rows = month_rows(pool, month, tz, goal_s, breach_s, false).await?;
    if let Some(prev) = previous_month(month) {
        let before = month_rows(pool, &prev, tz, goal_s, breach_s, false).await?;
        for r in &mut rows {
            r.rank_change = before.iter().find(|b| b.unit == r.unit).map(|b| b.rank as i32 - r.rank as i32);
        }
    }
    Ok(LeaderboardResponse {
        month: month.into(),
        time_zone: tz.name().into(),
        rule: RULE.into(),
        exclusions: EXCLUSIONS.iter().map(|s| (*s).into()).collect(),
        rows,
    })
}

/// A missing figure sorts after every real one.
fn frt(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::INFINITY)
}

/// Orders and numbers rows by [`RULE`].
pub fn rank(rows: &mut [LeaderboardRow]) {
    rows.sort_by(|a, b| {
        (a.answered == 0)
            .cmp(&(b.answered == 0))
            .then(frt(a.median_frt_s).total_cmp(&frt(b.median_frt_s)))
            .then(b.within_goal_share.total_cmp(&a.within_goal_share))
            .then(frt(a.mean_frt_s).total_cmp(&frt(b.mean_frt_s)))
            .then(b.cases.cmp(&a.cases))
            .then(a.unit.cmp(&b.unit))
    });
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_starts_at_midnight_ist() {
        let (start, end) = month_bounds("2026-04", chrono_tz::Asia::Kolkata).unwrap();
        assert_eq!(start.to_rfc3339(), "2026-03-31T18:30:00+00:00");
        assert_eq!(end.to_rfc3339(), "2026-04-30T18:30:00+00:00");
        let (_, end) = month_bounds("2026-12", chrono_tz::Asia::Kolkata).unwrap();
        assert_eq!(end.to_rfc3339(), "2026-12-31T18:30:00+00:00");
        assert_eq!(previous_month("2026-01").as_deref(), Some("2025-12"));
        assert_eq!(previous_month("2026-11").as_deref(), Some("2026-10"));
        for bad in ["2026-13", "2026-4", "26-04", "april", ""] {
            assert!(month_bounds(bad, chrono_tz::Asia::Kolkata).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranks_by_median_then_goal_share_and_unanswered_last() {
        let row = |unit: &str, answered, median, goal| LeaderboardRow {
            unit: unit.into(),
            cases: 4,
            answered,
            median_frt_s: Some(median),
            within_goal_share: goal,
            ..Default::default()
        };
        let mut rows = vec![
            row("jaipur", 4, 300.0, 0.2),
            row("kota", 0, 0.0, 0.0),
            row("balotra", 4, 90.0, 0.5),
            row("barmer", 4, 90.0, 0.75),
        ];
        rank(&mut rows);
        let order: Vec<_> = rows.iter().map(|r| (r.rank, r.unit.as_str())).collect();
        assert_eq!(order, [(1, "barmer"), (2, "balotra"), (3, "jaipur"), (4, "kota")]);
    }
}
