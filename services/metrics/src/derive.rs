//! The events of a batch → `case_events` (once each), the per-case figures
//! derived from them (replying operator, SLA goal misses, breaches,
//! escalations), and the month rollups of the unit-months they touch,
//! refreshed in the background from the marks left here.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use prost::Message;
use sqlx::{PgPool, Postgres, Transaction};
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::{CaseEvent, CaseEventKind};

use crate::facts::kind_slug;

pub const ROLLUP_SQL: &str = include_str!("../sql/rollup.sql");

/// The event kinds a case's derived figures (replying operator, goal
/// misses, breaches, escalations) are counted from.
const DERIVED_KINDS: [&str; 4] = ["replied", "sla_goal_missed", "sla_breached", "escalated"];

/// A batch of events as the columns of `case_events`, for one `UNNEST`.
#[derive(Default)]
struct EventColumns {
    id: Vec<i64>,
    docket: Vec<String>,
    unit: Vec<String>,
    kind: Vec<String>,
    at: Vec<DateTime<Utc>>,
    actor: Vec<String>,
    note: Vec<String>,
    escalated_to: Vec<String>,
    relabel: Vec<Option<Vec<u8>>>,
}

/// Stores the events not seen before and refreshes what derives from them;
/// returns `(unit, kind)` of the new ones.
/// `unit_months` are the `(month, unit)` of the batch's cases, whose
/// rollups are now out of date.
pub async fn record_events(
    tx: &mut Transaction<'_, Postgres>,
    events: &[CaseEvent],
    unit_months: &[(String, String)],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut rows = EventColumns::default();
    for e in events {
        let Some(case) = &e.case else { continue };
        rows.id.push(e.event_id);
        rows.docket.push(case.docket.clone());
        rows.unit.push(case.unit.clone());
        rows.kind.push(kind_slug(e));
        let t = e.at.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)));
        rows.at.push(t.unwrap_or_else(Utc::now));
        rows.actor.push(e.actor.clone());
        // The history's details: why (a person's words), where to, and what changed.
        rows.note.push(e.note.clone());
        let escalated = e.kind() == CaseEventKind::Escalated;
        rows.escalated_to.push(if escalated { case.escalated_to.clone() } else { String::new() });
        rows.relabel.push(e.relabel.map(|r| r.encode_to_vec()));
    }
    let new: Vec<(String, String)> = sqlx::query_as(
        "INSERT INTO case_events (event_id, docket, unit, kind, at, actor, note, escalated_to, relabel)
         SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                              $7::text[], $8::text[], $9::bytea[])
         ON CONFLICT (event_id) DO NOTHING
         RETURNING unit, kind",
    )
    .bind(&rows.id)
    .bind(&rows.docket)
    .bind(&rows.unit)
    .bind(&rows.kind)
    .bind(&rows.at)
    .bind(&rows.actor)
    .bind(&rows.note)
    .bind(&rows.escalated_to)
    .bind(&rows.relabel)
    .fetch_all(&mut **tx)
    .await?;
    // Recomputed from all of a case's events, so order and repeats do not
    // matter; only for cases whose batch holds an event that changes them
    // (most events are `opened`, which changes none).
    let mut derived: Vec<&str> = events
        .iter()
        .filter(|e| DERIVED_KINDS.contains(&kind_slug(e).as_str()))
        .filter_map(|e| e.case.as_ref().map(|c| c.docket.as_str()))
        .collect();
    derived.sort_unstable();
    derived.dedup();
    if !derived.is_empty() {
        sqlx::query(
            "UPDATE case_facts f SET
                 replied_by = (SELECT actor FROM case_events e
                               WHERE e.docket = f.docket AND e.kind = 'replied' ORDER BY e.event_id LIMIT 1),
                 goal_missed = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'sla_goal_missed'),
                 sla_breaches = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'sla_breached'),
                 escalations = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'escalated')
             WHERE f.docket = ANY($1)",
        )
        .bind(&derived)
        .execute(&mut **tx)
        .await?;
    }
    // The unit-months of every case in the batch are marked, not
    // recomputed: `refresh_dirty` does that at most every couple of seconds,
    // and before every leaderboard read.
    // The batch's own (month, unit) pairs: reading them back from the facts
    // by docket cost more than the rest of the batch's statements.
    let mut pairs: Vec<&(String, String)> = unit_months.iter().collect();
    pairs.sort_unstable();
    pairs.dedup();
    let (months, units): (Vec<&str>, Vec<&str>) = pairs.iter().map(|(m, u)| (m.as_str(), u.as_str())).unzip();
    sqlx::query(
        "INSERT INTO rollup_dirty (month, unit) SELECT * FROM UNNEST($1::text[], $2::text[])
         ON CONFLICT DO NOTHING",
    )
    .bind(&months)
    .bind(&units)
    .execute(&mut **tx)
    .await?;
    Ok(new)
}

/// Recomputes the rollups of the unit-months marked out of date; returns
/// how many. Safe to run from several places at once: each mark is taken
/// by one transaction.
pub async fn refresh_dirty(pool: &PgPool, goal_s: f64, breach_s: f64) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let dirty: Vec<(String, String)> =
        sqlx::query_as("DELETE FROM rollup_dirty RETURNING month, unit").fetch_all(&mut *tx).await?;
    if dirty.is_empty() {
        return Ok(0);
    }
    let (months, units): (Vec<String>, Vec<String>) = dirty.iter().cloned().unzip();
    sqlx::query(ROLLUP_SQL).bind(&months).bind(&units).bind(goal_s).bind(breach_s).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(dirty.len())
}

/// Fills `month` for facts recorded before it existed and recomputes every
/// rollup whose limits differ from `goal_s`/`breach_s` (or all with `all`).
/// Returns how many unit-months were rebuilt.
pub async fn rebuild_rollups(pool: &PgPool, tz: Tz, goal_s: f64, breach_s: f64, all: bool) -> sqlx::Result<usize> {
    sqlx::query(
        "UPDATE case_facts SET month = to_char(post_created_at AT TIME ZONE $1, 'YYYY-MM') WHERE month IS NULL",
    )
    .bind(tz.name())
    .execute(pool)
    .await?;
    let stale: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT f.month, f.unit FROM case_facts f
         LEFT JOIN unit_month_rollup r ON r.month = f.month AND r.unit = f.unit
         WHERE $1 OR r.unit IS NULL OR r.goal_s <> $2 OR r.breach_s <> $3",
    )
    .bind(all)
    .bind(goal_s)
    .bind(breach_s)
    .fetch_all(pool)
    .await?;
    let (months, units): (Vec<String>, Vec<String>) = stale.iter().cloned().unzip();
    sqlx::query(ROLLUP_SQL).bind(&months).bind(&units).bind(goal_s).bind(breach_s).execute(pool).await?;
    Ok(stale.len())
}
