//! tvarit-classify: decides category, urgency, language and unit of every
//! ingested post and publishes it on `<ns>.post.classified.<unit>`.

pub mod baseline;
pub mod batch;
pub mod classifier;
pub mod config;
pub mod eval;
pub mod features;
pub mod feedback;
pub mod gazetteer;
pub mod linear;
pub mod pipeline;
pub mod retention;
pub mod routing;
pub mod rumour;
pub mod sgd;
pub mod shared_data;
pub mod stopwords;
pub mod train;
pub mod translit;
pub mod triage;

/// Personal data lives in `tvarit-pii` (the console masks with it too);
/// re-exported because `Decision` carries its spans.
pub use tvarit_pii as pii;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tvarit_bus::{Namespace, Runner, StreamKind, StreamSettings};
use tvarit_proto::v1::{CaseEvent, Post};

use crate::config::ClassifyConfig;
use crate::pipeline::Pipeline;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The durable consumers' name on the ingested stream: one per unit,
/// `classify-ingested-<unit>` (this alone was the all-units consumer of
/// earlier releases).
pub const CONSUMER: &str = "classify-ingested";

pub use tvarit_config::Listeners;

/// Everything `run` starts from (classify reads no secrets), so that a
/// test can start it in its own process (`tests/in_process.rs`).
pub struct App {
    pub config: ClassifyConfig,
    pub listeners: Listeners,
    /// Apply the schema's migrations first.
    pub migrate: bool,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

/// The classifier the service and batch mode use: the trained model, from
/// `classify_model` (`TVARIT_CLASSIFY_MODEL`) when set, else the compiled-in one.
pub fn load_classifier(config: &ClassifyConfig) -> anyhow::Result<triage::Triage> {
    let registry = config.common.registry()?;
    if config.classify_model.is_empty() {
        return Ok(triage::Triage::new(registry));
    }
    let bytes = std::fs::read(&config.classify_model).with_context(|| format!("reading {}", config.classify_model))?;
    let model = linear::Model::from_bytes(&bytes).with_context(|| format!("loading {}", config.classify_model))?;
    Ok(triage::Triage::with_model(registry, Some(model)))
}

pub async fn migrate(config: &ClassifyConfig) -> anyhow::Result<()> {
    let ns = Namespace::new(&config.common.namespace);
    tvarit_config::open_schema(&config.common.database_url, &ns.schema("classify"), &MIGRATOR, true, 1).await?;
    Ok(())
}

pub async fn run(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let App { config, listeners, migrate, metrics } = app;
    let ns = Namespace::new(&config.common.namespace);
    let registry = config.common.registry()?;
    let units = tvarit_config::UnitSelection::parse(&config.units, &registry)?;
    tracing::info!(units = %units, "taking these units' posts");
    let classifier = Arc::new(load_classifier(&config)?);
    let pool = tvarit_config::open_schema(&config.common.database_url, &ns.schema("classify"), &MIGRATOR, migrate, 4)
        .await
        .context("opening the classify schema")?;
    let nats = tvarit_bus::connect(&config.common.nats_url, "tvarit-classify").await?;
    let js = async_nats::jetstream::new(nats);
    let settings = StreamSettings { replicas: config.common.stream_replicas, ..Default::default() };
    let ingested = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Ingested, settings).await?;
    tvarit_bus::ensure_stream(&js, &ns, StreamKind::Classified, settings).await?;
    let all_units: Vec<String> = registry.units().iter().map(|u| u.slug.clone()).collect();
    let consumers = tvarit_bus::ensure_unit_consumers(
        &ingested,
        CONSUMER,
        units.slugs(),
        &all_units,
        |unit| ns.post_ingested(unit),
        Duration::from_secs(30),
    )
    .await?;
    // Operators' relabels, stored for the next training.
    let cases = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Cases, settings).await?;
    let relabels = tvarit_bus::ensure_consumer(
        &cases,
        feedback::CONSUMER,
        format!("{}.case.relabelled.>", ns.as_str()),
        Duration::from_secs(30),
    )
    .await?;

    tracing::info!(model = classifier::Classifier::model(classifier.as_ref()), "classifier loaded");
    let feedback_pool = pool.clone();
    let retention = tokio::spawn(retention::run(pool.clone(), config.classify_retention_days, shutdown.clone()));
    let pipeline = Arc::new(Pipeline { js, pool, ns, classifier });

    let http_addr = listeners.http.local_addr()?;
    let grpc_addr = listeners.grpc.local_addr()?;
    let router = tvarit_telemetry::metrics_router(metrics);
    let http = tokio::spawn(tvarit_telemetry::serve_http(listeners.http, router, shutdown.clone()));
    let grpc = tokio::spawn(tvarit_telemetry::serve_grpc_health(
        listeners.grpc,
        "classify_grpc_listen",
        &config.common.tls,
        shutdown.clone(),
    )?);
    tracing::info!(%http_addr, %grpc_addr, "ready");

    let relabel_runner = Runner { name: feedback::CONSUMER, max_batch: 64, decode: tvarit_bus::protobuf::<CaseEvent> };
    let feedback = tokio::spawn(relabel_runner.run(vec![relabels], shutdown.clone(), move |batch| {
        let pool = feedback_pool.clone();
        async move { feedback::handle(&pool, batch).await }
    }));
    let p = pipeline.clone();
    let runner = Runner { name: CONSUMER, max_batch: config.classify_batch, decode: tvarit_bus::protobuf::<Post> };
    // A post is acked once its classified copy is on NATS's disk: a power
    // cut within the sync window redelivers it rather than losing the copy.
    runner
        .run_holding_acks(config.common.nats_sync_window(), consumers, shutdown.clone(), move |batch| {
            let p = p.clone();
            async move { p.handle(batch).await }
        })
        .await;
    feedback.await?;
    retention.await?;
    http.await??;
    grpc.await??;
    Ok(())
}
