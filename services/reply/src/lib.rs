//! tvarit-reply: turns classified posts into cases with docket numbers in
//! per-unit queues, serves the `Desk` gRPC API to reply clients, and
//! publishes every case event on `<ns>.case.<event>.<unit>`.

pub mod accounts;
pub mod alerts;
pub mod app;
pub mod auth;
pub mod config;
pub mod desk;
pub mod dm_poll;
pub mod docket;
pub mod evidence_media;
pub mod intake;
pub mod library;
pub mod outbound;
pub mod publish;
pub mod records;
pub mod sla;
pub mod status;
pub mod store;
pub mod worker;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_bus::{Namespace, StreamKind, StreamSettings};
use tvarit_proto::v1::desk_server::DeskServer;

pub use crate::app::{App, Listeners, Secrets};
use crate::config::ReplyConfig;
use crate::store::outbox::Publisher;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The durable consumers' name on the classified stream: one per unit,
/// `reply-classified-<unit>` (this alone was the all-units consumer of
/// earlier releases).
pub const CONSUMER: &str = "reply-classified";

pub async fn open_database(config: &ReplyConfig, migrate: bool) -> anyhow::Result<PgPool> {
    let ns = Namespace::new(&config.common.namespace);
    tvarit_config::open_schema(&config.common.database_url, &ns.schema("reply"), &MIGRATOR, migrate, 16)
        .await
        .context("opening the reply schema")
}

pub async fn run(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let App { config, registry, listeners, secrets, migrate, metrics } = app;
    let ns = Namespace::new(&config.common.namespace);
    let units = tvarit_config::UnitSelection::parse(&config.units, &registry)?;
    tracing::info!(units = %units, "taking these units' posts and SLA clocks");
    let pool = open_database(&config, migrate).await?;
    let nats = tvarit_bus::connect(&config.common.nats_url, "tvarit-reply").await?;
    let js = async_nats::jetstream::new(nats.clone());
    let settings = StreamSettings { replicas: config.common.stream_replicas, ..Default::default() };
    let classified = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Classified, settings).await?;
    tvarit_bus::ensure_stream(&js, &ns, StreamKind::Cases, settings).await?;
    let all_units: Vec<String> = registry.units().iter().map(|u| u.slug.clone()).collect();
    let consumers = tvarit_bus::ensure_unit_consumers(
        &classified,
        CONSUMER,
        units.slugs(),
        &all_units,
        |unit| ns.post_classified(unit),
        Duration::from_secs(30),
    )
    .await?;
    let publisher = Publisher {
        js,
        pool: pool.clone(),
        ns: ns.clone(),
        sync: tvarit_bus::SyncWindow::new(config.common.nats_sync_window()),
    };

    let creds =
        accounts::Credentials::open(pool.clone(), registry.clone(), &config, secrets.accounts, secrets.seal_key);
    let creds = Arc::new(creds.await?);
    let senders = Arc::new(outbound::Senders::new(
        creds.clone(),
        registry.clone(),
        &config.reply_x_api_base,
        &config.reply_meta_api_base,
        &config.reply_youtube_api_base,
    ));
    let renewer = tokio::spawn(accounts::renewer::Renewer { creds: creds.clone() }.run(shutdown.clone()));
    let meta_watch = accounts::meta_watch::MetaWatch {
        creds: creds.clone(),
        client: tvarit_platforms::meta::MetaClient::new(tvarit_platforms::http_client(), &config.reply_meta_api_base),
        every: Duration::from_secs_f64(config.reply_meta_token_check_seconds.max(5.0)),
        warn: chrono::TimeDelta::seconds((config.reply_meta_token_warn_days * 86_400.0) as i64),
    };
    let meta_watch = tokio::spawn(meta_watch.run(shutdown.clone()));
    let dm_poll = match dm_poller(&config, &registry, pool.clone(), creds.clone(), secrets.ingest_webhook)? {
        Some(p) => tokio::spawn(p.run(shutdown.clone())),
        None => tokio::spawn(async {}),
    };
    let deliverer = outbound::Deliverer::new(
        pool.clone(),
        senders.clone(),
        publisher.clone(),
        Duration::from_secs_f64(config.reply_in_flight_timeout_seconds.max(1.0)),
    );
    let delivery = tokio::spawn(deliverer.run(shutdown.clone()));
    let posting =
        publish::PostingAccounts::new(creds, &registry, &config.reply_x_api_base, &config.reply_meta_api_base);
    let (publishing, fanout) = publish::build(
        pool.clone(),
        registry.clone(),
        posting,
        Duration::from_secs_f64(config.reply_in_flight_timeout_seconds.max(1.0)),
    );
    let fanout = tokio::spawn(fanout.run(shutdown.clone()));
    let alerting = match alert_deliverer(&config, &registry, pool.clone(), secrets.alert_webhook)? {
        Some(d) => tokio::spawn(d.run(shutdown.clone())),
        None => tokio::spawn(async {}),
    };
    let desk = desk::DeskService {
        pool: pool.clone(),
        nats,
        ns,
        registry: registry.clone(),
        publisher: publisher.clone(),
        max_reply_chars: config.reply_max_chars,
        senders,
        shutdown: shutdown.clone(),
        claim_lease: claim_lease(config.reply_claim_lease_seconds),
    };
    let grpc_shutdown = shutdown.clone();
    let grpc_addr = listeners.grpc.local_addr()?;
    let routes = tonic::service::Routes::new(DeskServer::new(desk))
        .add_service(library::server(pool.clone(), registry.clone(), config.reply_max_chars))
        .add_service(publishing);
    let grpc = tokio::spawn(tvarit_telemetry::serve_grpc(
        listeners.grpc,
        "reply_grpc_listen",
        &config.common.tls,
        grpc_shutdown,
        routes,
        &[<DeskServer<desk::DeskService> as tonic::server::NamedService>::NAME],
    )?);
    let http_addr = listeners.http.local_addr()?;
    let router = tvarit_telemetry::metrics_router(metrics);
    let http = tokio::spawn(tvarit_telemetry::serve_http(listeners.http, router, shutdown.clone()));
    let sweeper = tokio::spawn(publisher.clone().sweep(shutdown.clone()));
    let sla =
        sla::Timer::start(pool.clone(), registry.clone(), units, publisher.clone(), &config.common.nats_url).await?;
    let sla = tokio::spawn(sla.run(shutdown.clone()));
    let records = tokio::spawn(records::run(pool.clone(), config.records.clone(), shutdown.clone()));
    let media_fetcher = evidence_media::MediaFetcher { pool: pool.clone(), http: tvarit_platforms::http_client() };
    let media_fetcher = tokio::spawn(media_fetcher.run(shutdown.clone()));
    tracing::info!(%http_addr, %grpc_addr, "ready");

    let sync = publisher.sync.clone();
    let (intake, published) = intake::Intake::start(pool, registry, publisher);
    let runner = tvarit_bus::Runner { name: CONSUMER, max_batch: config.reply_batch, decode: intake::decode };
    runner.run(consumers, shutdown.clone(), move |batch| intake.clone().handle(batch)).await;
    // The runner dropped the last intake and waited for the stage to
    // publish and ack every committed batch: the stage has ended.
    published.await?;
    grpc.await??;
    http.await??;
    sweeper.await?;
    sla.await?;
    records.await?;
    media_fetcher.await?;
    delivery.await?;
    fanout.await?;
    alerting.await?;
    renewer.await?;
    meta_watch.await?;
    dm_poll.await?;
    // End the outbox entries still inside NATS's sync window, so that the
    // next start's sweeper does not publish their events again.
    sync.settled().await;
    Ok(())
}

/// `reply_claim_lease_seconds` as a duration: 1 s to a day; a value that is
/// not a number (TOML allows `nan`) keeps the default 10 minutes.
fn claim_lease(seconds: f64) -> chrono::Duration {
    let seconds = if seconds.is_finite() { seconds.clamp(1.0, 86_400.0) } else { 600.0 };
    chrono::Duration::milliseconds((seconds * 1000.0) as i64)
}

/// The X direct-message poller, when ingest's address is configured; its
/// webhook secret must then be given too.
fn dm_poller(
    config: &ReplyConfig,
    registry: &tvarit_registry::Registry,
    pool: sqlx::PgPool,
    creds: Arc<accounts::Credentials>,
    secret: Option<tvarit_config::SecretString>,
) -> anyhow::Result<Option<dm_poll::DmPoller>> {
    let Some(url) = config.reply_ingest_url.as_deref() else { return Ok(None) };
    let Some(secret) = secret else {
        anyhow::bail!(
            "reply_ingest_url is set but TVARIT_INGEST_WEBHOOK_SECRET (or _FILE) is not: cannot hand X direct messages to ingest"
        );
    };
    Ok(Some(dm_poll::DmPoller {
        pool,
        creds,
        registry: registry.clone(),
        x: tvarit_platforms::x::XClient::new(tvarit_platforms::http_client(), &config.reply_x_api_base),
        http: tvarit_platforms::http_client(),
        ingest_posts_url: format!("{}/v1/posts", url.trim_end_matches('/')),
        secret,
        every: Duration::from_secs_f64(config.reply_x_dm_poll_seconds.clamp(1.0, 86_400.0)),
    }))
}

/// The control rooms' alert deliverer, when any endpoint is configured; a
/// configured endpoint without its signing secret is refused at start.
fn alert_deliverer(
    config: &ReplyConfig,
    registry: &tvarit_registry::Registry,
    pool: PgPool,
    secret: Option<tvarit_config::SecretString>,
) -> anyhow::Result<Option<alerts::deliver::AlertDeliverer>> {
    let endpoints = alerts::deliver::Endpoints::new(registry, config.alert_webhook_url.as_deref());
    if !endpoints.any() {
        tracing::warn!(
            "no alert webhook configured (TVARIT_ALERT_WEBHOOK_URL or a unit's alert_webhook_url): \
             control rooms get no alerts; emergencies still ring in the console and tvarit-desk"
        );
        return Ok(None);
    }
    let secret = secret.ok_or_else(|| {
        anyhow::anyhow!(
            "configuration key `alert_webhook_secret`: TVARIT_ALERT_WEBHOOK_SECRET (or _FILE) is required \
             when an alert webhook is configured"
        )
    })?;
    Ok(Some(alerts::deliver::AlertDeliverer::new(pool, endpoints, secret)))
}
