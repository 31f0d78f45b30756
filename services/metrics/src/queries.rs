//! Figures over any period grouped by one dimension, a case's timeline and
//! the coverage of units now. Same exclusions as the leaderboard.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use prost::Message;
use sqlx::PgPool;
use tvarit_proto::time::from_datetime;

use crate::figures::{FrtFigures, with_frt_figures};
use tvarit_proto::v1::{
    CaseTimelineResponse, CoverageResponse, Relabel, StatsGroup, StatsRow, TimelineEvent, UnitCoverage,
};

/// The group key of a case, as SQL over `case_facts` ($6 is the time zone).
/// A closed set: nothing from the request reaches the SQL text.
pub fn group_key(g: StatsGroup) -> &'static str {
    match g {
        // The unit a case counts for, as in the ranking (HQ for a case handed to it).
        StatsGroup::Unspecified | StatsGroup::Unit => "ranked_unit",
        StatsGroup::Account => "account",
        StatsGroup::Operator => "COALESCE(replied_by, '')",
        StatsGroup::Category => "category",
        // Districts work 08:00-22:00 local; HQ round the clock.
        StatsGroup::Shift => {
            "CASE WHEN unit = 'hq' THEN '24x7'
                  WHEN extract(hour FROM post_created_at AT TIME ZONE $6) >= 8
                   AND extract(hour FROM post_created_at AT TIME ZONE $6) < 22 THEN 'day'
                  ELSE 'night' END"
        }
    }
}

pub fn group_name(g: StatsGroup) -> &'static str {
    match g {
        StatsGroup::Unspecified | StatsGroup::Unit => "unit",
        StatsGroup::Account => "account",
        StatsGroup::Operator => "operator",
        StatsGroup::Category => "category",
        StatsGroup::Shift => "shift",
    }
}

/// One group's figures, as the query names them.
#[derive(sqlx::FromRow)]
struct Row {
    key: String,
    #[sqlx(flatten)]
    frt: FrtFigures,
    mean_lag_s: Option<f64>,
    max_lag_s: Option<f64>,
    goal_missed: i64,
    sla_breaches: i64,
    escalations: i64,
}

/// Figures for cases posted in `[from, to)` counted for `unit` ("" for all),
/// grouped. Shares use each case's own targets; `goal_s`/`breach_s` stand
/// in for facts recorded before cases carried them.
#[allow(clippy::too_many_arguments)]
pub async fn stats(
    pool: &PgPool,
    unit: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group: StatsGroup,
    tz: Tz,
    goal_s: f64,
    breach_s: f64,
) -> sqlx::Result<Vec<StatsRow>> {
    let sql = with_frt_figures(&format!(
        "WITH f AS (
             SELECT {key} AS key, goal_missed, sla_breaches, escalations,
                    COALESCE(goal_s, $4) AS goal_s, COALESCE(breach_s, $5) AS breach_s, frt,
                    GREATEST(0, EXTRACT(EPOCH FROM received_at - post_created_at))::float8 AS lag
             FROM counted_facts
             WHERE ($1 = '' OR ranked_unit = $1) AND post_created_at >= $2 AND post_created_at < $3
         )
         SELECT key, {{frt_figures}},
                avg(lag) AS mean_lag_s, max(lag) AS max_lag_s,
                sum(goal_missed)::bigint AS goal_missed, sum(sla_breaches)::bigint AS sla_breaches,
                sum(escalations)::bigint AS escalations
         FROM f GROUP BY key ORDER BY key",
        key = group_key(group)
    ));
    let query =
        sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql)).bind(unit).bind(from).bind(to).bind(goal_s).bind(breach_s);
    // Only the shift key reads the zone ($6): PostgreSQL refuses a
    // parameter the statement does not use.
    let query = if group == StatsGroup::Shift { query.bind(tz.name()) } else { query };
    let rows = query.fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|r| StatsRow {
            key: r.key,
            cases: r.frt.cases as u64,
            answered: r.frt.answered as u64,
            unanswered: r.frt.unanswered(),
            median_frt_s: r.frt.median_frt_s,
            mean_frt_s: r.frt.mean_frt_s,
            p90_frt_s: r.frt.p90_frt_s,
            max_frt_s: r.frt.max_frt_s,
            within_goal_share: r.frt.within_goal_share,
            within_breach_share: r.frt.within_breach_share,
            mean_ingest_lag_s: r.mean_lag_s,
            max_ingest_lag_s: r.max_lag_s,
            sla_goal_missed: r.goal_missed as u64,
            sla_breaches: r.sla_breaches as u64,
            escalations: r.escalations as u64,
        })
        .collect())
}

/// id, kind, at, actor, note, escalated_to, relabel (encoded).
type EventRow = (i64, String, DateTime<Utc>, String, String, String, Option<Vec<u8>>);

type FactRow = (String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, Option<String>);

/// A case's facts and events in order; `None` when metrics never saw it.
pub async fn timeline(pool: &PgPool, docket: &str) -> sqlx::Result<Option<CaseTimelineResponse>> {
    let fact: Option<FactRow> = sqlx::query_as(
        "SELECT unit, post_created_at, received_at, first_reply_at, replied_by FROM case_facts WHERE docket = $1",
    )
    .bind(docket)
    .fetch_optional(pool)
    .await?;
    let Some((unit, posted, received, first_reply, replied_by)) = fact else { return Ok(None) };
    let events: Vec<EventRow> = sqlx::query_as(
        "SELECT event_id, kind, at, actor, note, escalated_to, relabel FROM case_events
         WHERE docket = $1 ORDER BY at, event_id",
    )
    .bind(docket)
    .fetch_all(pool)
    .await?;
    Ok(Some(CaseTimelineResponse {
        docket: docket.into(),
        unit,
        posted_at: Some(from_datetime(posted)),
        received_at: received.map(from_datetime),
        first_reply_at: first_reply.map(from_datetime),
        frt_s: first_reply.map(|r| ((r - posted).num_milliseconds().max(0)) as f64 / 1000.0),
        replied_by: replied_by.unwrap_or_default(),
        events: events
            .into_iter()
            .map(|(event_id, kind, at, actor, note, escalated_to, relabel)| TimelineEvent {
                event_id,
                kind,
                at: Some(from_datetime(at)),
                actor,
                note,
                escalated_to,
                relabel: relabel.and_then(|r| Relabel::decode(r.as_slice()).ok()),
            })
            .collect(),
    }))
}

/// Every registry unit now: open cases, the oldest unanswered one, and who
/// acted there within `window_minutes`.
pub async fn coverage(pool: &PgPool, units: &[String], window_minutes: u32) -> sqlx::Result<CoverageResponse> {
    let open: Vec<(String, i64)> = sqlx::query_as(
        "SELECT unit, count(*) FROM case_facts
         WHERE state IN ('open', 'in_process') AND NOT untagged GROUP BY unit",
    )
    .fetch_all(pool)
    .await?;
    let oldest: Vec<(String, String, DateTime<Utc>)> = sqlx::query_as(
        "SELECT DISTINCT ON (unit) unit, docket, post_created_at FROM case_facts
         WHERE state IN ('open', 'in_process') AND first_reply_at IS NULL AND NOT untagged
         ORDER BY unit, post_created_at, docket",
    )
    .fetch_all(pool)
    .await?;
    let on_shift: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT unit, actor FROM case_events
         WHERE at > now() - make_interval(mins => $1) AND actor NOT IN ('', 'system') ORDER BY unit, actor",
    )
    .bind(window_minutes as i32)
    .fetch_all(pool)
    .await?;
    let mut out = CoverageResponse { window_minutes, ..Default::default() };
    for unit in units {
        let mut c = UnitCoverage { unit: unit.clone(), ..Default::default() };
        c.open_cases = open.iter().find(|(u, _)| u == unit).map_or(0, |(_, n)| *n as u64);
        if let Some((_, docket, since)) = oldest.iter().find(|(u, ..)| u == unit) {
            c.oldest_waiting_docket = docket.clone();
            c.oldest_waiting_since = Some(from_datetime(*since));
        }
        c.operators_on_shift = on_shift.iter().filter(|(u, _)| u == unit).map(|(_, a)| a.clone()).collect();
        if c.operators_on_shift.is_empty() {
            out.units_uncovered.push(unit.clone());
        }
        out.units.push(c);
    }
    Ok(out)
}
