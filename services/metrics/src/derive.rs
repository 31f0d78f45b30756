//! The events of a batch → `case_events` (once each), the per-case figures
//! derived from them (replying operator, SLA goal misses, breaches,
//! escalations, the unit a case counts for), and the marks on the month
//! rollups they touch, refreshed in the background (`rollup.rs`).

use chrono::{DateTime, Utc};
use prost::Message;
use sqlx::{Postgres, Transaction};
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::{CaseEvent, CaseEventKind};

use crate::rollup::Dimension;

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

/// `(month, unit, account)` of a case in the batch: the unit-month and
/// account-month whose rollups are now out of date.
pub type Touched = (String, String, String);

/// Stores the events not seen before and refreshes what derives from them;
/// returns `(unit, kind)` of the new ones.
pub async fn record_events(
    tx: &mut Transaction<'_, Postgres>,
    events: &[CaseEvent],
    touched: &[Touched],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let mut rows = EventColumns::default();
    for e in events {
        let Some(case) = &e.case else { continue };
        rows.id.push(e.event_id);
        rows.docket.push(case.docket.clone());
        rows.unit.push(case.unit.clone());
        rows.kind.push(e.kind().slug());
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
        .filter(|e| DERIVED_KINDS.contains(&e.kind().slug().as_str()))
        .filter_map(|e| e.case.as_ref().map(|c| c.docket.as_str()))
        .collect();
    derived.sort_unstable();
    derived.dedup();
    // A case handed to HQ (the shift handoff, or an emergency's `hq` rung:
    // `escalated_to` `hq` or `hq/…`) before its first reply counts for HQ
    // (docs/metrics.md, "Which unit a case counts for").
    let mut moved: Vec<(String, String)> = Vec::new();
    if !derived.is_empty() {
        moved = sqlx::query_as(
            "UPDATE case_facts f SET
                 replied_by = (SELECT actor FROM case_events e
                               WHERE e.docket = f.docket AND e.kind = 'replied' ORDER BY e.event_id LIMIT 1),
                 goal_missed = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'sla_goal_missed'),
                 sla_breaches = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'sla_breached'),
                 escalations = (SELECT count(*) FROM case_events e WHERE e.docket = f.docket AND e.kind = 'escalated'),
                 ranked_unit = CASE WHEN f.unit <> 'hq' AND EXISTS (
                         SELECT 1 FROM case_events e
                         WHERE e.docket = f.docket AND e.kind = 'escalated'
                           AND (e.escalated_to = 'hq' OR e.escalated_to LIKE 'hq/%')
                           AND (f.first_reply_at IS NULL OR e.at <= f.first_reply_at))
                     THEN 'hq' ELSE f.unit END
             WHERE f.docket = ANY($1)
             RETURNING COALESCE(f.month, ''), f.ranked_unit",
        )
        .bind(&derived)
        .fetch_all(&mut **tx)
        .await?;
    }
    // The unit-months and account-months of every case in the batch (and
    // HQ's month when a case moved there) are marked, not recomputed:
    // `rollup::refresh_dirty` does that at most every couple of seconds,
    // and before every leaderboard read. The batch's own pairs: reading
    // them back from the facts by docket cost more than the rest of the
    // batch's statements.
    let mut units: Vec<(&str, &str)> = touched.iter().map(|(m, u, _)| (m.as_str(), u.as_str())).collect();
    units.extend(moved.iter().map(|(m, u)| (m.as_str(), u.as_str())));
    let accounts: Vec<(&str, &str)> = touched.iter().map(|(m, _, a)| (m.as_str(), a.as_str())).collect();
    for (d, mut pairs) in [(Dimension::Unit, units), (Dimension::Account, accounts)] {
        pairs.sort_unstable();
        pairs.dedup();
        let (months, keys): (Vec<&str>, Vec<&str>) = pairs.into_iter().unzip();
        d.mark(tx, &months, &keys).await?;
    }
    Ok(new)
}
