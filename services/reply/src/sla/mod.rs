//! SLA clocks and escalation (docs/sla.md). One task holds the next
//! deadline of every live, unanswered case and wakes exactly then: no sweep.
//!
//! - At start it copies the registry's policy into `sla_policies` (intake
//!   stamps `goal_at`/`breach_at` itself; the insert trigger fills them only
//!   for a case written any other way), subscribes to the service's
//!   own case events (core NATS, `<ns>.case.*.*`), then rebuilds its
//!   schedule from the database, so nothing falls between the two.
//! - Each case event carries the whole case: the schedule learns new cases,
//!   and drops answered, closed and not-actionable ones.
//! - When a deadline passes it records the mark once (`sla_marks`), updates
//!   the case and writes the event in one transaction, then publishes.
//!   Deadlines that passed while no process ran fire at once, late but once.
//! - After a NATS reconnect (events may have been missed) it rebuilds.
//! - It keeps the clocks of its own units only (`TVARIT_UNITS`). Instances
//!   that share a unit both hold its clocks; the first to lock the case
//!   records a mark and the other finds it recorded (`store::fire`), so a
//!   mark fires once, and still fires if either instance dies.

pub mod clock;
mod schedule;
pub mod store;
#[cfg(test)]
mod store_tests;

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use prost::Message;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tvarit_bus::Namespace;
use tvarit_config::UnitSelection;
use tvarit_proto::v1::CaseEvent;
use tvarit_registry::Registry;

pub use clock::Mark;
use schedule::{Due, Schedule};
use store::Fired;

use crate::store::outbox::Publisher;

/// How long to wait before trying a mark again after a database error.
const RETRY: Duration = Duration::from_secs(1);
/// At most this many marks fired before the events are published and the
/// subscription is read again.
const BATCH: usize = 200;

pub struct Timer {
    pool: PgPool,
    registry: Registry,
    units: UnitSelection,
    publisher: Publisher,
    nats: async_nats::Client,
    reconnected: mpsc::UnboundedReceiver<()>,
}

impl Timer {
    /// Copies the policy for the insert trigger (call before intake runs)
    /// and opens the timer's own NATS connection, whose reconnects it hears.
    pub async fn start(
        pool: PgPool,
        registry: Registry,
        units: UnitSelection,
        publisher: Publisher,
        nats_url: &str,
    ) -> anyhow::Result<Self> {
        store::sync_policies(&pool, &registry).await?;
        let (tx, reconnected) = mpsc::unbounded_channel();
        let nats = async_nats::ConnectOptions::new()
            .name("tvarit-reply-sla")
            .retry_on_initial_connect()
            .max_reconnects(None)
            .event_callback(move |event| {
                let tx = tx.clone();
                async move {
                    if matches!(event, async_nats::Event::Connected) {
                        let _ = tx.send(());
                    }
                }
            })
            .connect(tvarit_bus::server_addrs(nats_url)?)
            .await?;
        Ok(Self { pool, registry, units, publisher, nats, reconnected })
    }

    pub async fn run(mut self, shutdown: CancellationToken) {
        let ns: Namespace = self.publisher.ns.clone();
        let mut events = loop {
            match self.nats.subscribe(ns.case_event("*", "*")).await {
                Ok(s) => break s,
                Err(e) => tracing::warn!(error = %e, "sla: subscribing to case events"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(RETRY) => {}
            }
        };
        // The first connection's own `Connected` needs no second rebuild.
        while self.reconnected.try_recv().is_ok() {}
        let mut schedule = Schedule::default();
        let mut stale = true;
        loop {
            if stale {
                match self.rebuild(&mut schedule).await {
                    Ok(()) => stale = false,
                    Err(e) => {
                        tracing::warn!(error = %e, "sla: rebuilding the schedule");
                        tokio::select! {
                            _ = shutdown.cancelled() => return,
                            _ = tokio::time::sleep(RETRY) => continue,
                        }
                    }
                }
            }
            let wake = schedule.next_wake().map(|at| {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tokio::time::Instant::now() + wait
            });
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep_until(wake.unwrap_or_else(far_future)), if wake.is_some() => {
                    self.fire_due(&mut schedule).await;
                }
                msg = events.next() => {
                    let Some(msg) = msg else {
                        tracing::warn!("sla: case event subscription ended");
                        return;
                    };
                    match CaseEvent::decode(msg.payload.as_ref()) {
                        Ok(CaseEvent { event_id, case: Some(case), .. }) if self.units.contains(&case.unit) => {
                            schedule.update(&self.registry, &case, event_id, &[]);
                        }
                        // Another instance's unit (or a case moved there).
                        Ok(CaseEvent { case: Some(case), .. }) => schedule.remove(&case.docket),
                        _ => tracing::debug!(subject = %msg.subject, "sla: undecodable case event"),
                    }
                }
                Some(()) = self.reconnected.recv() => {
                    // Events published while disconnected never reach a core subscriber.
                    stale = true;
                }
            }
        }
    }

    async fn rebuild(&self, schedule: &mut Schedule) -> Result<(), sqlx::Error> {
        let live = store::live_cases(&self.pool, &self.units).await?;
        schedule.clear();
        for c in &live {
            schedule.update(&self.registry, &c.case.to_proto(), c.last_event, &c.fired);
        }
        tracing::info!(cases = live.len(), pending = schedule.len(), "sla: schedule rebuilt from the database");
        Ok(())
    }

    /// Fires every mark now due, then publishes their events.
    async fn fire_due(&self, schedule: &mut Schedule) {
        let mut published = Vec::new();
        for _ in 0..BATCH {
            let Some(due) = schedule.pop_due(Utc::now()) else { break };
            let Due { docket, unit, mark, due: at } = due;
            let policy = self.registry.sla(&unit).or_else(|| self.registry.sla("hq"));
            match store::fire(&self.pool, &docket, mark, at, policy).await {
                Ok(Fired::Now { events, .. }) => {
                    let late = (Utc::now() - at).num_milliseconds();
                    tracing::info!(%docket, mark = %mark.key(), late_ms = late, "sla: mark recorded");
                    metrics::counter!("tvarit_sla_events_total", "unit" => unit, "kind" => mark.event_kind().slug())
                        .increment(1);
                    schedule.done(&docket, mark);
                    published.extend(events);
                }
                Ok(Fired::Already) => schedule.done(&docket, mark),
                Ok(Fired::Stopped) => schedule.remove(&docket),
                Err(e) => {
                    tracing::warn!(error = %e, %docket, mark = %mark.key(), "sla: recording a mark; retrying");
                    let retry = Utc::now() + chrono::Duration::from_std(RETRY).unwrap_or_default();
                    schedule.retry(&docket, mark, retry);
                    break;
                }
            }
        }
        if !published.is_empty()
            && let Err(e) = self.publisher.publish(Some(&published), Duration::ZERO).await
        {
            tracing::warn!(error = %e, "sla: event publish deferred to the sweeper");
        }
    }
}

fn far_future() -> tokio::time::Instant {
    tokio::time::Instant::now() + Duration::from_secs(86_400)
}
