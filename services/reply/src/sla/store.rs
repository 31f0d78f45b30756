//! The SLA timer's database side: the policy copied for the insert trigger,
//! the live cases read at start, and a mark fired once in one transaction.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tvarit_config::UnitSelection;
use tvarit_registry::{Registry, SlaPolicy};

use super::clock::Mark;
use crate::store::{CASE_COLUMNS, CaseRow, outbox, returning};

/// The `sla_policies` row the insert trigger falls back on for a unit
/// without one of its own (migration 0023); no unit slug can be `*`.
pub const FALLBACK_UNIT: &str = "*";

/// Copies every unit's goal and breach into `sla_policies`, and the
/// registry's defaults as unit [`FALLBACK_UNIT`], which the
/// `cases_sla_deadlines` trigger reads to stamp `goal_at`/`breach_at` on
/// each new case that arrives without them (migrations 0005, 0023).
pub async fn sync_policies(pool: &PgPool, registry: &Registry) -> Result<(), sqlx::Error> {
    let units: Vec<&str> =
        registry.units().iter().map(|u| u.slug.as_str()).chain(std::iter::once(FALLBACK_UNIT)).collect();
    let (goal, breach): (Vec<i32>, Vec<i32>) = units.iter().map(|u| deadline_seconds(registry, u)).unzip();
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sla_policies WHERE NOT (unit = ANY($1))").bind(&units).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO sla_policies (unit, goal_seconds, breach_seconds)
         SELECT * FROM UNNEST($1::text[], $2::int[], $3::int[])
         ON CONFLICT (unit) DO UPDATE SET goal_seconds = EXCLUDED.goal_seconds,
             breach_seconds = EXCLUDED.breach_seconds, updated_at = now()
         WHERE (sla_policies.goal_seconds, sla_policies.breach_seconds)
               IS DISTINCT FROM (EXCLUDED.goal_seconds, EXCLUDED.breach_seconds)",
    )
    .bind(&units)
    .bind(&goal)
    .bind(&breach)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A unit's goal and breach, in seconds after the post, as the insert
/// trigger would stamp them (the registry's defaults for a unit it lacks).
/// Intake stamps them itself, sparing the trigger a lookup per case.
pub fn deadline_seconds(registry: &Registry, unit: &str) -> (i32, i32) {
    let (goal, breach) =
        registry.sla(unit).map_or(registry.default_deadlines(), |p| (p.goal_seconds, p.breach_seconds));
    (seconds(goal), seconds(breach))
}

/// Seconds as the `integer` columns hold them (a registry cannot ask for
/// more than 68 years, but it should not wrap if it does).
fn seconds(s: u32) -> i32 {
    i32::try_from(s).unwrap_or(i32::MAX)
}

/// A live, unanswered case as the timer rebuilds it at start.
pub struct LiveCase {
    pub case: CaseRow,
    /// The newest event written for it (older ones arriving later are stale).
    pub last_event: i64,
    pub fired: Vec<Mark>,
}

/// Every case whose clock runs in one of `units`, with the marks it
/// already had.
pub async fn live_cases(pool: &PgPool, units: &UnitSelection) -> Result<Vec<LiveCase>, sqlx::Error> {
    let only: Option<&[String]> = (!units.is_every_unit()).then(|| units.slugs());
    let mut tx = pool.begin().await?;
    // One snapshot for both reads.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").execute(&mut *tx).await?;
    let cases: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE state IN ('open', 'in_process') AND first_reply_at IS NULL
           AND ($1::text[] IS NULL OR unit = ANY($1))"
    )))
    .bind(only)
    .fetch_all(&mut *tx)
    .await?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let extra: Vec<(i64, Option<i64>, Vec<String>)> = sqlx::query_as(
        "SELECT c.id, (SELECT max(e.id) FROM case_events e WHERE e.case_id = c.id),
                ARRAY(SELECT m.kind FROM sla_marks m WHERE m.case_id = c.id)
         FROM UNNEST($1::bigint[]) AS c(id)",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let extra: std::collections::HashMap<i64, (Option<i64>, Vec<String>)> =
        extra.into_iter().map(|(id, last, marks)| (id, (last, marks))).collect();
    Ok(cases
        .into_iter()
        .map(|case| {
            let (last, marks) = extra.get(&case.id).cloned().unwrap_or_default();
            let fired = marks.iter().filter_map(|k| Mark::from_key(k)).collect();
            LiveCase { case, last_event: last.unwrap_or(0), fired }
        })
        .collect())
}

/// What firing a mark came to.
#[derive(Debug)]
pub enum Fired {
    /// Recorded now: the case after it and the event ids to publish.
    Now { case: Box<CaseRow>, events: Vec<i64> },
    /// Another replica, or this one before a restart, already recorded it
    /// (or a person escalated past this level).
    Already,
    /// The case was answered, closed or is gone: its clock has stopped.
    Stopped,
}

/// Records `mark` of case `docket` (due at `due`) once: the mark, the change
/// to the case and its event, in one transaction. An escalation is raised to
/// the role of its step on the case's ladder under `policy`.
pub async fn fire(
    pool: &PgPool,
    docket: &str,
    mark: Mark,
    due: DateTime<Utc>,
    policy: Option<&SlaPolicy>,
) -> Result<Fired, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let Some(case): Option<CaseRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases WHERE docket = $1 FOR UPDATE")))
            .bind(docket)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(Fired::Stopped);
    };
    if !case.clock_running() {
        return Ok(Fired::Stopped);
    }
    if let Mark::Escalation(n) = mark
        && case.escalation_level >= n as i32
    {
        return Ok(Fired::Already);
    }
    let fired: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM sla_marks WHERE case_id = $1").bind(case.id).fetch_all(&mut *tx).await?;
    if fired.contains(&mark.key()) {
        return Ok(Fired::Already);
    }
    let handed_over = fired.iter().any(|k| k == "handoff");
    let after: CaseRow = match mark {
        Mark::Goal | Mark::Breach => case,
        Mark::Handoff => {
            sqlx::query_as(returning("UPDATE cases SET escalated_to = 'hq' WHERE id = $1"))
                .bind(case.id)
                .fetch_one(&mut *tx)
                .await?
        }
        Mark::Escalation(n) => {
            let step = policy.and_then(|p| p.ladder(&case.category).get(n as usize - 1));
            let escalate_to = step.map_or("supervisor", |s| s.to.as_str());
            // After a handoff the ladder climbs at HQ, whose desk now has it.
            let to =
                if handed_over && escalate_to != "hq" { format!("hq/{escalate_to}") } else { escalate_to.to_owned() };
            sqlx::query_as(returning(
                "UPDATE cases SET escalation_level = GREATEST(escalation_level, $2), escalated_to = $3 WHERE id = $1",
            ))
            .bind(case.id)
            .bind(n as i32)
            .bind(to)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    let events = outbox::record(&mut tx, mark.event_kind(), "system", std::slice::from_ref(&after), None).await?;
    let inserted = sqlx::query(
        "INSERT INTO sla_marks (case_id, kind, due_at, event_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (case_id, kind) DO NOTHING",
    )
    .bind(after.id)
    .bind(mark.key())
    .bind(due)
    .bind(events.first().copied().unwrap_or_default())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        // Dropping the transaction rolls back the change and the event.
        return Ok(Fired::Already);
    }
    tx.commit().await?;
    Ok(Fired::Now { case: Box::new(after), events })
}
