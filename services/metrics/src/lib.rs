//! tvarit-metrics: keeps response-time facts from case events in
//! PostgreSQL, serves the `Metrics` gRPC API (the monthly leaderboard) and
//! business metrics for Prometheus.

pub mod access;
pub mod config;
pub mod consumers;
pub mod derive;
pub mod facts;
pub mod figures;
pub mod leaderboard;
pub mod queries;
pub mod report;
pub mod rollup;
pub mod service;

use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_bus::{Namespace, Runner, StreamKind, StreamSettings};
use tvarit_proto::v1::metrics_server::MetricsServer;

use crate::config::MetricsConfig;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub use tvarit_config::Listeners;

/// Everything `run` starts from (metrics reads no secrets: callers are
/// checked against reply's operators table), so that a test can start it
/// in its own process (`tests/in_process.rs`).
pub struct App {
    pub config: MetricsConfig,
    pub listeners: Listeners,
    /// Apply the schema's migrations first.
    pub migrate: bool,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

pub async fn open_database(config: &MetricsConfig, migrate: bool) -> anyhow::Result<PgPool> {
    let ns = Namespace::new(&config.common.namespace);
    tvarit_config::open_schema(&config.common.database_url, &ns.schema("metrics"), &MIGRATOR, migrate, 8)
        .await
        .context("opening the metrics schema")
}

/// Each unit's SLA targets `(goal, breach)` in seconds, from the registry.
pub fn sla_targets(registry: &tvarit_registry::Registry) -> facts::Targets {
    registry
        .units()
        .iter()
        .filter_map(|u| {
            registry.sla(&u.slug).map(|p| (u.slug.clone(), (p.goal_seconds.into(), p.breach_seconds.into())))
        })
        .collect()
}

/// How this deployment's leaderboard is computed and labelled.
pub fn board_settings(config: &MetricsConfig, registry: &tvarit_registry::Registry) -> leaderboard::Settings {
    leaderboard::Settings {
        time_zone: registry.time_zone(),
        goal_s: config.metrics_goal_seconds,
        breach_s: config.metrics_breach_seconds,
        rank_by: config.metrics_rank_by,
        owners: registry.accounts().map(|a| (a.handle.clone(), a.unit.clone())).collect(),
    }
}

pub async fn run(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let App { config, listeners, migrate, metrics } = app;
    let ns = Namespace::new(&config.common.namespace);
    let registry = config.common.registry()?;
    let pool = open_database(&config, migrate).await?;
    let nats = tvarit_bus::connect(&config.common.nats_url, "tvarit-metrics").await?;
    let js = async_nats::jetstream::new(nats);
    let settings = StreamSettings { replicas: config.common.stream_replicas, ..Default::default() };
    let cases = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Cases, settings).await?;
    let ack_wait = Duration::from_secs(30);
    let case_consumer =
        tvarit_bus::ensure_consumer(&cases, consumers::CASES, format!("{}.case.>", ns.as_str()), ack_wait).await?;
    consumers::retire_ingested_consumer(&js, &ns).await;

    let (goal, breach, tz) = (config.metrics_goal_seconds, config.metrics_breach_seconds, registry.time_zone());
    let rebuilt = rollup::rebuild_rollups(&pool, tz, goal, breach, false).await.context("rebuilding rollups")?;
    if rebuilt > 0 {
        tracing::info!(unit_months = rebuilt, "month rollups rebuilt");
    }
    let units: Vec<String> = registry.units().iter().map(|u| u.slug.clone()).collect();
    // Counters start at zero for every unit, so rate() and dashboards see them.
    for unit in &units {
        metrics::counter!("tvarit_sla_breaches_total", "unit" => unit.clone()).absolute(0);
        metrics::counter!("tvarit_escalations_total", "unit" => unit.clone()).absolute(0);
    }
    let service = service::MetricsService {
        pool: pool.clone(),
        board: board_settings(&config, &registry),
        units,
        on_shift_minutes: config.metrics_on_shift_minutes,
        operators: tvarit_auth::OperatorsTable::InSchema(ns.schema("reply")),
    };
    let settings = consumers::FactsSettings { time_zone: tz, targets: std::sync::Arc::new(sla_targets(&registry)) };
    let grpc_shutdown = shutdown.clone();
    let grpc_addr = listeners.grpc.local_addr()?;
    let routes = tonic::service::Routes::new(MetricsServer::new(service));
    let grpc = tokio::spawn(tvarit_telemetry::serve_grpc(
        listeners.grpc,
        "metrics_grpc_listen",
        &config.common.tls,
        grpc_shutdown,
        routes,
        &[<MetricsServer<service::MetricsService> as tonic::server::NamedService>::NAME],
    )?);
    let http_addr = listeners.http.local_addr()?;
    let router = tvarit_telemetry::metrics_router(metrics);
    let http = tokio::spawn(tvarit_telemetry::serve_http(listeners.http, router, shutdown.clone()));
    let gauges = tokio::spawn(consumers::refresh_open_cases(pool.clone(), shutdown.clone()));
    let rollups = tokio::spawn(refresh_rollups(pool.clone(), goal, breach, shutdown.clone()));
    tracing::info!(%http_addr, %grpc_addr, "ready");

    let p = pool.clone();
    let runner = Runner { name: consumers::CASES, max_batch: 512, decode: consumers::decode_case_event };
    runner
        .run(vec![case_consumer], shutdown.clone(), move |batch| {
            let (p, s) = (p.clone(), settings.clone());
            async move { consumers::handle_case_events(&p, &s, batch).await }
        })
        .await;
    gauges.await?;
    rollups.await?;
    grpc.await??;
    http.await??;
    Ok(())
}

/// Keeps the month rollups (Grafana's leaderboard panels read them) at most
/// `ROLLUP_EVERY` behind the facts; the Leaderboard RPC refreshes before it
/// reads, so its answers are never stale.
async fn refresh_rollups(pool: sqlx::PgPool, goal: f64, breach: f64, shutdown: tokio_util::sync::CancellationToken) {
    // At most every ROLLUP_EVERY, and never more than a fifth of the time:
    // a refresh reads every fact of each dirty unit-month, which grows all
    // month, and on a busy day every unit is dirty at every pass.
    const ROLLUP_EVERY: std::time::Duration = std::time::Duration::from_secs(2);
    const IDLE_PER_BUSY: u32 = 4;
    loop {
        let started = std::time::Instant::now();
        if let Err(e) = rollup::refresh_dirty(&pool, goal, breach).await {
            tracing::warn!(error = %e, "refreshing month rollups; will retry");
        }
        let pause = ROLLUP_EVERY.max(started.elapsed() * IDLE_PER_BUSY);
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
