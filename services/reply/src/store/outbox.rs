//! Case events: written in the transaction that makes the change, with an
//! entry in `case_events_pending`; published right after commit, and again
//! by a sweeper if the process died between. Publishing deletes the entry,
//! so the event row itself is written once (migration 0010). With a NATS
//! sync window (`nats_sync_window_seconds`) the entry is deleted only that
//! long after the ack, so an event NATS loses in a power cut before syncing
//! it is still pending, and the sweeper publishes it again (keyed by its id).

use std::time::Duration;

use async_nats::jetstream;
use chrono::Utc;
use prost::Message;
use sqlx::{PgPool, Postgres, Transaction};
use tvarit_bus::{Namespace, Outgoing, SyncWindow, headers_with_traceparent, publish_batch};
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::{CaseEvent, CaseEventKind, Relabel};

use super::CaseRow;

/// Records events for `cases` (one each); returns their ids. `relabel` is
/// carried by a relabelling event.
pub async fn record(
    tx: &mut Transaction<'_, Postgres>,
    kind: CaseEventKind,
    actor: &str,
    cases: &[CaseRow],
    relabel: Option<Relabel>,
) -> Result<Vec<i64>, sqlx::Error> {
    let traces = vec![tvarit_bus::current_traceparent(); cases.len()];
    write(tx, kind, actor, cases, relabel, "", &traces).await
}

/// As [`record`], with the person's own words (an escalation's reason, an
/// approval's note), which the event carries so the case's history can show
/// why, not only what.
pub async fn record_noted(
    tx: &mut Transaction<'_, Postgres>,
    kind: CaseEventKind,
    actor: &str,
    case: &CaseRow,
    note: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let traces = [tvarit_bus::current_traceparent()];
    write(tx, kind, actor, std::slice::from_ref(case), None, note.trim(), &traces).await
}

/// As [`record`], with each case's own trace context (W3C `traceparent`),
/// which its event carries when published: one trace per post.
pub async fn record_traced(
    tx: &mut Transaction<'_, Postgres>,
    kind: CaseEventKind,
    actor: &str,
    cases: &[CaseRow],
    relabel: Option<Relabel>,
    traces: &[Option<String>],
) -> Result<Vec<i64>, sqlx::Error> {
    write(tx, kind, actor, cases, relabel, "", traces).await
}

async fn write(
    tx: &mut Transaction<'_, Postgres>,
    kind: CaseEventKind,
    actor: &str,
    cases: &[CaseRow],
    relabel: Option<Relabel>,
    note: &str,
    traces: &[Option<String>],
) -> Result<Vec<i64>, sqlx::Error> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('case_events', 'id')) FROM generate_series(1, $1)")
            .bind(cases.len() as i64)
            .fetch_all(&mut **tx)
            .await?;
    let now = from_millis(Utc::now().timestamp_millis());
    let payloads: Vec<Vec<u8>> = ids
        .iter()
        .zip(cases)
        .map(|(id, case)| {
            CaseEvent {
                event_id: *id,
                kind: kind as i32,
                at: Some(now),
                actor: actor.into(),
                case: Some(case.to_proto()),
                relabel,
                note: note.into(),
            }
            .encode_to_vec()
        })
        .collect();
    let case_ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let units: Vec<&str> = cases.iter().map(|c| c.unit.as_str()).collect();
    // The event and its outbox entry in one statement (one round trip).
    sqlx::query(
        "WITH written AS (
             INSERT INTO case_events (id, case_id, kind, unit, payload, traceparent)
             SELECT i, c, $5, u, p, tp
             FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bytea[], $6::text[]) AS t(i, c, u, p, tp)
             RETURNING id)
         INSERT INTO case_events_pending (id) SELECT id FROM written",
    )
    .bind(&ids)
    .bind(&case_ids)
    .bind(&units)
    .bind(&payloads)
    .bind(kind.slug())
    .bind(traces)
    .execute(&mut **tx)
    .await?;
    crate::alerts::raise(tx, kind, cases, relabel.as_ref(), &ids).await?;
    Ok(ids)
}

/// An unpublished event: id, kind token, unit, payload, trace context.
#[derive(sqlx::FromRow)]
struct EventRow(i64, String, String, Vec<u8>, Option<String>);

#[derive(Clone)]
pub struct Publisher {
    pub js: jetstream::Context,
    pub pool: PgPool,
    pub ns: Namespace,
    /// Outbox entries outlive their event's ack by NATS's sync window.
    pub sync: SyncWindow,
}

impl Publisher {
    /// Publishes the given events (or, with `None`, every unpublished event
    /// older than `min_age`) and marks them published. Returns how many.
    pub async fn publish(&self, ids: Option<&[i64]>, min_age: Duration) -> anyhow::Result<usize> {
        let rows: Vec<EventRow> = match ids {
            Some(ids) => {
                sqlx::query_as(
                    "SELECT e.id, e.kind, e.unit, e.payload, e.traceparent
                     FROM case_events_pending p JOIN case_events e USING (id)
                     WHERE p.id = ANY($1) ORDER BY e.id",
                )
                .bind(ids)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(
                    "SELECT e.id, e.kind, e.unit, e.payload, e.traceparent
                     FROM case_events_pending p JOIN case_events e USING (id)
                     WHERE p.created_at < now() - make_interval(secs => $1)
                     ORDER BY p.id LIMIT 5000",
                )
                .bind(min_age.as_secs_f64())
                .fetch_all(&self.pool)
                .await?
            }
        };
        if rows.is_empty() {
            return Ok(0);
        }
        let batch = rows
            .iter()
            .map(|EventRow(id, kind, unit, payload, traceparent)| Outgoing {
                subject: self.ns.case_event(kind, unit),
                headers: headers_with_traceparent(&format!("case-event:{id}"), traceparent.as_deref()),
                payload: payload.clone().into(),
            })
            .collect();
        publish_batch(&self.js, batch).await?;
        let published: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let count = published.len();
        let pool = self.pool.clone();
        self.sync.end_after("case_events_pending", async move { end_entries(&pool, &published).await }).await?;
        Ok(count)
    }

    /// Publishes events left unpublished by a process that stopped between
    /// commit and publish.
    pub async fn sweep(self, shutdown: tokio_util::sync::CancellationToken) {
        loop {
            // An entry inside the sync window is acknowledged, not stale.
            match self.publish(None, self.sync.stale_after(Duration::from_secs(5))).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(events = n, "published events left by a stopped process"),
                Err(e) => tracing::warn!(error = %e, "sweeping the event outbox"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
}

async fn end_entries(pool: &PgPool, ids: &[i64]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM case_events_pending WHERE id = ANY($1)").bind(ids).execute(pool).await?;
    Ok(())
}
