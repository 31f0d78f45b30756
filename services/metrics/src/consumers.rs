//! The case consumer's handler (the bus's runner decodes, terminates the
//! undecodable and settles): case events become response-time facts (and
//! the first-response histogram).

use std::time::Duration;

use sqlx::PgPool;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tvarit_bus::{Delivery, Verdict, Verdicts};
use tvarit_proto::v1::CaseEvent;

use crate::facts;

/// What the case consumer needs to write facts.
#[derive(Clone)]
pub struct FactsSettings {
    pub time_zone: chrono_tz::Tz,
    /// Each unit's SLA targets from the registry.
    pub targets: std::sync::Arc<facts::Targets>,
}

/// The durable consumer's name (its metrics label too).
pub const CASES: &str = "metrics-cases";
/// Releases before this one consumed every ingested post only for the
/// ingest-lag histogram, which ingest now records where it accepts a post.
const RETIRED_INGESTED: &str = "metrics-ingested";

/// Deletes the ingested stream's `metrics-ingested` consumer a release
/// before this one left. A failure is logged, not fatal: the consumer only
/// costs the server some state, and the next start tries again.
pub async fn retire_ingested_consumer(js: &async_nats::jetstream::Context, ns: &tvarit_bus::Namespace) {
    if let Err(e) = tvarit_bus::retire_consumer(js, &ns.stream_name("ingested"), RETIRED_INGESTED).await {
        tracing::warn!(error = %e, "cannot delete the retired consumer yet");
    }
}

/// A case event that carries its case; anything else is terminated.
pub fn decode_case_event(payload: &[u8]) -> Result<CaseEvent, String> {
    let event: CaseEvent = tvarit_bus::protobuf(payload)?;
    if event.case.is_none() {
        return Err("a case event without its case".into());
    }
    Ok(event)
}

pub async fn handle_case_events(pool: &PgPool, settings: &FactsSettings, batch: Vec<Delivery<CaseEvent>>) -> Verdicts {
    let mut events = Vec::with_capacity(batch.len());
    for d in batch {
        // The post's trace reaches its last stage here.
        let span = tracing::info_span!("metrics.record", event_id = d.value.event_id);
        span.set_parent(tvarit_bus::context_from_headers(d.headers.as_ref())).ok();
        span.in_scope(|| tracing::debug!(kind = d.value.kind, "recording the case event"));
        drop(span);
        events.push(d.value);
    }
    let s = settings;
    match facts::record(pool, &events, s.time_zone, &s.targets).await {
        Ok(recorded) => {
            for (unit, seconds) in recorded.first_replies {
                metrics::histogram!("tvarit_first_response_seconds", "unit" => unit).record(seconds);
            }
            // Counted once per event id: a redelivered event is not new.
            for (unit, kind) in recorded.new_events {
                match kind.as_str() {
                    "sla_breached" => {
                        metrics::counter!("tvarit_sla_breaches_total", "unit" => unit.clone()).increment(1)
                    }
                    "escalated" => metrics::counter!("tvarit_escalations_total", "unit" => unit.clone()).increment(1),
                    _ => {}
                }
                metrics::counter!("tvarit_case_events_total", "unit" => unit, "kind" => kind).increment(1);
            }
            Verdicts::All(Verdict::Ack)
        }
        Err(e) => {
            tracing::warn!(error = %e, events = events.len(), "facts not recorded; will retry");
            Verdicts::All(Verdict::Retry(Duration::from_secs(1)))
        }
    }
}

/// Keeps the `tvarit_open_cases{unit}` gauge current from the facts; a unit
/// whose queue emptied is set back to zero.
pub async fn refresh_open_cases(pool: PgPool, shutdown: tokio_util::sync::CancellationToken) {
    let mut shown: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let counts: Result<Vec<(String, i64)>, _> = sqlx::query_as(
            "SELECT unit, count(*) FROM case_facts
             WHERE state IN ('open', 'in_process') AND NOT untagged GROUP BY unit",
        )
        .fetch_all(&pool)
        .await;
        match counts {
            Ok(counts) => {
                let now: std::collections::HashSet<String> = counts.iter().map(|(u, _)| u.clone()).collect();
                for unit in shown.difference(&now) {
                    metrics::gauge!("tvarit_open_cases", "unit" => unit.clone()).set(0.0);
                }
                for (unit, n) in counts {
                    metrics::gauge!("tvarit_open_cases", "unit" => unit).set(n as f64);
                }
                shown.extend(now);
            }
            Err(e) => tracing::warn!(error = %e, "refreshing open case counts"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
        }
    }
}
