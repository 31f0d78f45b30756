//! tvarit-reply: turns classified posts into cases with docket numbers in
//! per-unit queues, serves the `Desk` gRPC API to reply clients, and
//! publishes every case event on `<ns>.case.<event>.<unit>`.

pub mod auth;
pub mod config;
pub mod desk;
pub mod docket;
pub mod intake;
pub mod library;
pub mod outbound;
pub mod publish;
pub mod sla;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tvarit_bus::{Namespace, StreamKind, StreamSettings};
use tvarit_proto::v1::desk_server::DeskServer;

use crate::config::ReplyConfig;
use crate::store::outbox::Publisher;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The durable consumer's name on the classified stream.
pub const CONSUMER: &str = "reply-classified";

pub struct Listeners {
    pub http: TcpListener,
    pub grpc: TcpListener,
}

pub async fn open_database(config: &ReplyConfig, migrate: bool) -> anyhow::Result<PgPool> {
    let ns = Namespace::new(&config.common.namespace);
    tvarit_config::open_schema(&config.common.database_url, &ns.schema("reply"), &MIGRATOR, migrate, 16)
        .await
        .context("opening the reply schema")
}

pub async fn run(
    config: ReplyConfig,
    listeners: Listeners,
    migrate: bool,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let ns = Namespace::new(&config.common.namespace);
    let registry = config.common.registry()?;
    let pool = open_database(&config, migrate).await?;
    let nats = tvarit_bus::connect(&config.common.nats_url, "tvarit-reply").await?;
    let js = async_nats::jetstream::new(nats.clone());
    let settings = StreamSettings { replicas: config.common.stream_replicas, ..Default::default() };
    let classified = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Classified, settings).await?;
    tvarit_bus::ensure_stream(&js, &ns, StreamKind::Cases, settings).await?;
    let consumer =
        tvarit_bus::ensure_consumer(&classified, CONSUMER, ns.post_classified("*"), Duration::from_secs(30)).await?;
    let publisher = Publisher { js, pool: pool.clone(), ns: ns.clone() };

    let senders = Arc::new(outbound::Senders::from_env(
        &registry,
        &config.reply_x_api_base,
        &config.reply_meta_api_base,
        &config.reply_youtube_api_base,
    )?);
    let deliverer = outbound::Deliverer::new(
        pool.clone(),
        senders.clone(),
        publisher.clone(),
        Duration::from_secs_f64(config.reply_in_flight_timeout_seconds.max(1.0)),
    );
    let delivery = tokio::spawn(deliverer.run(shutdown.clone()));
    let posting = publish::PostingAccounts::from_env(&registry, &config.reply_x_api_base, &config.reply_meta_api_base)?;
    let (publishing, fanout) = publish::build(
        pool.clone(),
        registry.clone(),
        posting,
        Duration::from_secs_f64(config.reply_in_flight_timeout_seconds.max(1.0)),
    );
    let fanout = tokio::spawn(fanout.run(shutdown.clone()));
    let desk = desk::DeskService {
        pool: pool.clone(),
        nats,
        ns,
        registry: registry.clone(),
        publisher: publisher.clone(),
        max_reply_chars: config.reply_max_chars,
        senders,
        shutdown: shutdown.clone(),
    };
    let grpc_shutdown = shutdown.clone();
    let grpc_addr = listeners.grpc.local_addr()?;
    let routes = tonic::service::Routes::new(DeskServer::new(desk))
        .add_service(library::server(pool.clone(), registry.clone(), config.reply_max_chars))
        .add_service(publishing);
    let grpc = tokio::spawn(async move {
        tvarit_telemetry::serve_grpc(
            listeners.grpc,
            grpc_shutdown,
            routes,
            &[<DeskServer<desk::DeskService> as tonic::server::NamedService>::NAME],
        )
        .await
    });
    let http_addr = listeners.http.local_addr()?;
    let router = tvarit_telemetry::metrics_router(metrics);
    let http = tokio::spawn(tvarit_telemetry::serve_http(listeners.http, router, shutdown.clone()));
    let sweeper = tokio::spawn(publisher.clone().sweep(shutdown.clone()));
    let sla = sla::Timer::start(pool.clone(), registry.clone(), publisher.clone(), &config.common.nats_url).await?;
    let sla = tokio::spawn(sla.run(shutdown.clone()));
    tracing::info!(%http_addr, %grpc_addr, "ready");

    let (intake, published) = intake::Intake::start(pool, registry, publisher);
    tvarit_bus::consume_batches(consumer, config.reply_batch.max(1), shutdown.clone(), move |batch| {
        intake.clone().handle(batch)
    })
    .await;
    // The closure held the last intake: its committed batches finish here.
    published.await?;
    grpc.await??;
    http.await??;
    sweeper.await?;
    sla.await?;
    delivery.await?;
    fanout.await?;
    Ok(())
}
