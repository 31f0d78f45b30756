//! The monthly ranking of units and accounts by first response time (FRT):
//! the platform time of a post to the time its first reply was recorded.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tvarit_proto::v1::{LeaderboardResponse, LeaderboardRow};

use crate::figures::{FrtFigures, with_frt_figures};
use crate::rollup::Dimension;

/// What the ranking orders by first: HQ ranks by the average ("औसत").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RankBy {
    #[default]
    Mean,
    Median,
}

impl RankBy {
    pub fn as_str(self) -> &'static str {
        match self {
            RankBy::Mean => "mean",
            RankBy::Median => "median",
        }
    }

    /// The figure ranked on first, and the one that breaks its ties.
    fn keys(self, r: &LeaderboardRow) -> (Option<f64>, Option<f64>) {
        match self {
            RankBy::Mean => (r.mean_frt_s, r.median_frt_s),
            RankBy::Median => (r.median_frt_s, r.mean_frt_s),
        }
    }

    fn other(self) -> RankBy {
        match self {
            RankBy::Mean => RankBy::Median,
            RankBy::Median => RankBy::Mean,
        }
    }
}

/// The ranking rule as stated to HQ and on /hq: every key [`rank`] sorts by,
/// in its order.
pub fn rule(by: RankBy) -> String {
    format!(
        "rows with answered cases first, by {} FRT ascending; ties by {} FRT ascending, then share answered \
         within the unit's goal (descending), then counted cases (descending), then name (unit or account, \
         alphabetical); rows with no answered case last, by counted cases (descending), then name",
        by.as_str(),
        by.other().as_str()
    )
}

pub const EXCLUSIONS: [&str; 8] = [
    "not-actionable cases (spam, greetings, slogans) are not counted",
    "untagged posts (seen through a district's watch terms, not addressed to any of our accounts) are not counted",
    "cases opened by a direct message (X, Messenger, Instagram) are not counted: the public saw neither the question nor the answer",
    "a post seen again (same platform and post id) is one case, counted once",
    "a case belongs to the month of its post's platform time in the deployment's time zone",
    "unanswered cases count in `cases` and `unanswered`, and as outside the goal and breach shares",
    "a case counts for the unit that owns it, except a district case handed to HQ (outside the district's shift, \
     or an emergency raised to HQ) before its first reply: that case counts for HQ",
    "account rows count every case addressed to the account, whichever unit answered it; goal and breach \
     shares use the targets of the case's unit when the case was opened",
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

/// One month row as the rollup and the raw query return it.
#[derive(sqlx::FromRow)]
struct Figures {
    key: String,
    #[sqlx(flatten)]
    frt: FrtFigures,
    sla_breaches: i64,
    escalations: i64,
    current: bool,
}

/// The same figures as the rollup, straight from the counted facts (the
/// audit path, and the answer when the rollup was computed with other defaults).
/// `{key}` is the facts' column the rows group.
const RAW_SQL: &str = "WITH f AS (
         SELECT {key} AS key, sla_breaches, escalations,
                COALESCE(goal_s, $3) AS goal_s, COALESCE(breach_s, $4) AS breach_s, frt
         FROM counted_facts
         WHERE post_created_at >= $1 AND post_created_at < $2
     )
     SELECT key, {frt_figures},
            sum(sla_breaches)::bigint AS sla_breaches, sum(escalations)::bigint AS escalations, true AS current
     FROM f GROUP BY key";

/// How a deployment's leaderboard is computed.
#[derive(Debug, Clone)]
pub struct Settings {
    pub time_zone: Tz,
    /// Targets for facts recorded before cases carried their own.
    pub goal_s: f64,
    pub breach_s: f64,
    pub rank_by: RankBy,
    /// Account handle → the unit that owns it (registry).
    pub owners: HashMap<String, String>,
}

/// One month's ranked rows of one dimension: from the rollup, or from the
/// raw facts when `raw` or when the rollup was computed with other defaults.
pub async fn month_rows(
    pool: &PgPool,
    month: &str,
    s: &Settings,
    d: Dimension,
    raw: bool,
) -> Result<Vec<LeaderboardRow>, LeaderboardError> {
    let (start, end) = month_bounds(month, s.time_zone)?;
    let mut rows: Vec<Figures> = Vec::new();
    if !raw {
        rows = sqlx::query_as(d.leaderboard_sql()).bind(month).bind(s.goal_s).bind(s.breach_s).fetch_all(pool).await?;
    }
    if raw || rows.iter().any(|r| !r.current) {
        let sql = with_frt_figures(RAW_SQL).replace("{key}", d.fact_column());
        rows = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(start)
            .bind(end)
            .bind(s.goal_s)
            .bind(s.breach_s)
            .fetch_all(pool)
            .await?;
    }
    let mut rows: Vec<LeaderboardRow> = rows
        .into_iter()
        .map(|f| {
            let (unit, account) = match d {
                Dimension::Unit => (f.key, String::new()),
                Dimension::Account => (s.owners.get(&f.key).cloned().unwrap_or_default(), f.key),
            };
            LeaderboardRow {
                rank: 0,
                unit,
                account,
                rank_by: s.rank_by.as_str().into(),
                cases: f.frt.cases as u64,
                answered: f.frt.answered as u64,
                median_frt_s: f.frt.median_frt_s,
                mean_frt_s: f.frt.mean_frt_s,
                p90_frt_s: f.frt.p90_frt_s,
                max_frt_s: f.frt.max_frt_s,
                within_goal_share: f.frt.within_goal_share,
                within_breach_share: f.frt.within_breach_share,
                unanswered: f.frt.unanswered(),
                rank_change: None,
                sla_breaches: f.sla_breaches as u64,
                escalations: f.escalations as u64,
            }
        })
        .collect();
    rank(&mut rows, s.rank_by);
    Ok(rows)
}

/// The month before a `YYYY-MM` month.
pub fn previous_month(month: &str) -> Option<String> {
    let (y, m) = month.split_once('-')?;
    let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
    Some(if m <= 1 { format!("{:04}-12", y - 1) } else { format!("{y:04}-{:02}", m - 1) })
}

/// A row's name: the account for account rows, else the unit.
fn name(r: &LeaderboardRow) -> &str {
    if r.account.is_empty() { &r.unit } else { &r.account }
}

/// A month's rows of one dimension, each with its rank change since the
/// month before.
async fn ranked_with_change(
    pool: &PgPool,
    month: &str,
    s: &Settings,
    d: Dimension,
) -> Result<Vec<LeaderboardRow>, LeaderboardError> {
    let mut rows = month_rows(pool, month, s, d, false).await?;
    if let Some(prev) = previous_month(month) {
        let before = month_rows(pool, &prev, s, d, false).await?;
        for r in &mut rows {
            r.rank_change = before.iter().find(|b| name(b) == name(r)).map(|b| b.rank as i32 - r.rank as i32);
        }
    }
    Ok(rows)
}

pub async fn leaderboard(pool: &PgPool, month: &str, s: &Settings) -> Result<LeaderboardResponse, LeaderboardError> {
    month_bounds(month, s.time_zone)?;
    // Rollups are refreshed in the background; catch up before reading.
    crate::rollup::refresh_dirty(pool, s.goal_s, s.breach_s).await?;
    Ok(LeaderboardResponse {
        month: month.into(),
        time_zone: s.time_zone.name().into(),
        rule: rule(s.rank_by),
        exclusions: EXCLUSIONS.iter().map(|s| (*s).into()).collect(),
        rows: ranked_with_change(pool, month, s, Dimension::Unit).await?,
        accounts: ranked_with_change(pool, month, s, Dimension::Account).await?,
        rank_by: s.rank_by.as_str().into(),
    })
}

/// A missing figure sorts after every real one.
fn frt(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::INFINITY)
}

/// Orders and numbers rows by [`rule`]: each key it states, in its order.
pub fn rank(rows: &mut [LeaderboardRow], by: RankBy) {
    rows.sort_by(|a, b| {
        let ((a1, a2), (b1, b2)) = (by.keys(a), by.keys(b));
        (a.answered == 0)
            .cmp(&(b.answered == 0))
            .then(frt(a1).total_cmp(&frt(b1)))
            .then(frt(a2).total_cmp(&frt(b2)))
            .then(b.within_goal_share.total_cmp(&a.within_goal_share))
            .then(b.cases.cmp(&a.cases))
            .then(name(a).cmp(name(b)))
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

    fn row(unit: &str, answered: u64, mean: f64, median: f64, goal: f64, cases: u64) -> LeaderboardRow {
        LeaderboardRow {
            unit: unit.into(),
            cases,
            answered,
            mean_frt_s: (answered > 0).then_some(mean),
            median_frt_s: (answered > 0).then_some(median),
            within_goal_share: goal,
            ..Default::default()
        }
    }

    fn order(mut rows: Vec<LeaderboardRow>, by: RankBy) -> Vec<(u32, String)> {
        rank(&mut rows, by);
        rows.iter().map(|r| (r.rank, name(r).to_string())).collect()
    }

    /// Each tie-break the stated rule names, one at a time, in its order.
    #[test]
    fn ranks_by_the_stated_rule_key_by_key() {
        let o = |rows, by| order(rows, by).into_iter().map(|(_, n)| n).collect::<Vec<_>>();
        // mean first (HQ's rule); median decides by itself.
        let rows = vec![row("a", 4, 100.0, 50.0, 0.5, 4), row("b", 4, 90.0, 80.0, 0.5, 4)];
        assert_eq!(o(rows.clone(), RankBy::Mean), ["b", "a"]);
        assert_eq!(o(rows, RankBy::Median), ["a", "b"]);
        // equal mean: the median breaks it
        let rows = vec![row("a", 4, 90.0, 80.0, 0.5, 4), row("b", 4, 90.0, 70.0, 0.5, 4)];
        assert_eq!(o(rows, RankBy::Mean), ["b", "a"]);
        // equal mean and median: the share within goal, higher first
        let rows = vec![row("a", 4, 90.0, 80.0, 0.5, 4), row("b", 4, 90.0, 80.0, 0.75, 4)];
        assert_eq!(o(rows, RankBy::Mean), ["b", "a"]);
        // then more counted cases first, then the name
        let rows =
            vec![row("a", 4, 90.0, 80.0, 0.5, 4), row("b", 4, 90.0, 80.0, 0.5, 6), row("c", 4, 90.0, 80.0, 0.5, 6)];
        assert_eq!(o(rows, RankBy::Mean), ["b", "c", "a"]);
        // no answered case: last, by cases then name
        let rows =
            vec![row("z", 0, 0.0, 0.0, 0.0, 2), row("y", 0, 0.0, 0.0, 0.0, 3), row("x", 1, 900.0, 900.0, 0.0, 1)];
        assert_eq!(order(rows, RankBy::Mean), [(1, "x".into()), (2, "y".into()), (3, "z".into())]);
        // the rule says the same keys in the same order
        let stated = rule(RankBy::Mean);
        let at = |k: &str| stated.find(k).unwrap_or_else(|| panic!("{k} not in {stated}"));
        assert!(at("by mean FRT") < at("ties by median FRT") && at("ties by median") < at("within the unit's goal"));
        assert!(at("(descending), then counted cases") < at("then name"));
    }

    /// The console and the printed report show these in Hindi: a sentence
    /// changed here without its Hindi would fall back to English.
    #[test]
    fn every_stated_sentence_has_its_hindi() {
        let stated = [rule(RankBy::Mean), rule(RankBy::Median)];
        for s in stated.iter().map(String::as_str).chain(EXCLUSIONS) {
            assert!(tvarit_proto::report::stated_in_hindi(s).is_some(), "no Hindi for {s:?}");
        }
    }

    #[test]
    fn rank_by_parses_from_configuration() {
        let by: RankBy = serde_json::from_str("\"median\"").unwrap();
        assert_eq!(by, RankBy::Median);
        assert!(serde_json::from_str::<RankBy>("\"p90\"").is_err());
        assert_eq!(RankBy::default().as_str(), "mean");
    }
}
