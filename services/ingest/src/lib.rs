//! tvarit-ingest: takes posts from the platforms (X polling, stream, recent
//! search and Activity webhook; Meta and Instagram webhooks; YouTube
//! polling), the signed generic webhook and the replay file, archives each
//! once, and publishes it on `<ns>.post.ingested.<unit>`.

pub mod accept;
pub mod app;
pub mod coalesce;
pub mod config;
pub mod http;
pub mod post_input;
pub mod replay;
pub mod retention;
pub mod sources;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;
use tvarit_bus::{Namespace, StreamKind, StreamSettings};
use tvarit_config::SecretString;

use crate::accept::Acceptor;
pub use crate::app::{App, Listeners, Secrets};
use crate::config::IngestConfig;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connects to PostgreSQL (the service's schema) and NATS, and declares the
/// stream ingest publishes to.
pub async fn connect(config: &IngestConfig, migrate: bool) -> anyhow::Result<(Acceptor, Namespace)> {
    let ns = Namespace::new(&config.common.namespace);
    let pool = tvarit_config::open_schema(&config.common.database_url, &ns.schema("ingest"), &MIGRATOR, migrate, 8)
        .await
        .context("opening the ingest schema")?;
    let nats = tvarit_bus::connect(&config.common.nats_url, "tvarit-ingest").await?;
    let js = async_nats::jetstream::new(nats);
    let settings = StreamSettings { replicas: config.common.stream_replicas, ..Default::default() };
    tvarit_bus::ensure_stream(&js, &ns, StreamKind::Ingested, settings).await?;
    let acceptor = Acceptor::new(js, pool, ns.clone()).with_sync_window(config.common.nats_sync_window());
    Ok((acceptor, ns))
}

pub async fn run(app: App, shutdown: CancellationToken) -> anyhow::Result<()> {
    let App { config, registry, listeners, secrets, migrate, metrics } = app;
    if secrets.webhook.is_none() {
        tracing::warn!("no webhook secret configured; POST /v1/posts refuses every post");
    }
    let (acceptor, _ns) = connect(&config, migrate).await?;
    let sources = Arc::new(sources::SourceState {
        acceptor: acceptor.clone(),
        registry: registry.clone(),
        x_consumer_secret: secrets.x_consumer,
        meta_app_secret: secrets.meta_app,
        meta_verify_token: secrets.meta_verify,
        instagram: secrets.instagram,
    });
    let bearer = secrets.x_app_bearer;
    let mut pollers = start_x_pollers(&config, &registry, &acceptor, bearer.as_ref(), shutdown.clone()).await?;
    pollers.extend(
        start_youtube_pollers(&config, &registry, &acceptor, secrets.youtube_api_key.as_ref(), shutdown.clone())
            .await?,
    );
    pollers.extend(start_x_stream(&config, &registry, &acceptor, bearer.as_ref(), shutdown.clone()));

    let state = Arc::new(http::WebhookState {
        acceptor: coalesce::Coalescer::start(acceptor.clone()),
        registry,
        secret: secrets.webhook,
    });
    let router = http::router(state, config.ingest_max_post_bytes)
        .merge(sources::x_webhook::router(sources.clone()))
        .merge(sources::meta_webhook::router(sources))
        .layer(axum::extract::DefaultBodyLimit::max(config.ingest_max_post_bytes.max(1024 * 1024)))
        .merge(tvarit_telemetry::metrics_router(metrics));
    let http_addr = listeners.http.local_addr()?;
    let grpc_addr = listeners.grpc.local_addr()?;
    let http = tokio::spawn(tvarit_telemetry::serve_http(listeners.http, router, shutdown.clone()));
    let grpc = tokio::spawn(tvarit_telemetry::serve_grpc_health(
        listeners.grpc,
        "ingest_grpc_listen",
        &config.common.tls,
        shutdown.clone(),
    )?);
    // A row inside the sync window is acknowledged, not stale.
    let republish_after =
        acceptor.sync_window().stale_after(Duration::from_secs_f64(config.ingest_republish_after_seconds.max(1.0)));
    let retention =
        tokio::spawn(retention::run(acceptor.pool().clone(), config.ingest_retention_days, shutdown.clone()));
    let recovery = tokio::spawn(republish_loop(acceptor, republish_after, shutdown.clone()));
    tracing::info!(%http_addr, %grpc_addr, "ready");

    http.await??;
    grpc.await??;
    recovery.await?;
    retention.await?;
    for p in pollers {
        p.await?;
    }
    Ok(())
}

/// The filtered stream, when any X account has the `stream` source.
fn start_x_stream(
    config: &IngestConfig,
    registry: &tvarit_registry::Registry,
    acceptor: &Acceptor,
    bearer: Option<&SecretString>,
    shutdown: CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    if sources::x_stream::desired_rules(registry, false).is_empty() {
        return None;
    }
    let Some(bearer) = bearer else {
        tracing::warn!("x accounts want the filtered stream but TVARIT_X_APP_BEARER is not set");
        return None;
    };
    let client = tvarit_platforms::x::XClient::new(tvarit_platforms::http_client(), &config.ingest_x_api_base);
    let mut stream = sources::x_stream::XStream::new(client, bearer.clone(), acceptor.clone(), registry.clone());
    stream.stall = Duration::from_secs_f64(config.ingest_x_stream_stall_seconds.max(1.0));
    stream.watch = config.ingest_x_watch_terms;
    Some(tokio::spawn(stream.run(shutdown)))
}

/// One poller per account with the `poll` source on X, when an app bearer
/// token is configured.
async fn start_x_pollers(
    config: &IngestConfig,
    registry: &tvarit_registry::Registry,
    acceptor: &Acceptor,
    bearer: Option<&SecretString>,
    shutdown: CancellationToken,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let accounts: Vec<_> = registry.accounts().filter(|a| a.platform == "x" && a.has_source("poll")).cloned().collect();
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let Some(bearer) = bearer else {
        tracing::warn!(accounts = accounts.len(), "x accounts want polling but TVARIT_X_APP_BEARER is not set");
        return Ok(Vec::new());
    };
    let ns = tvarit_bus::Namespace::new(&config.common.namespace);
    let pool = tvarit_config::connect_schema(&config.common.database_url, &ns.schema("ingest"), 4).await?;
    let client = tvarit_platforms::x::XClient::new(tvarit_platforms::http_client(), &config.ingest_x_api_base);
    let mut tasks = Vec::new();
    // Watch terms: the stream carries them where any account streams; else recent search.
    let streams = !sources::x_stream::desired_rules(registry, false).is_empty();
    if config.ingest_x_watch_terms && config.ingest_x_watch_search && !streams {
        let watch = sources::x_search::XSearchWatch {
            client: client.clone(),
            app_bearer: bearer.clone(),
            pool: pool.clone(),
            acceptor: acceptor.clone(),
            registry: registry.clone(),
            round: Duration::from_secs_f64(config.ingest_x_watch_search_seconds.max(1.0)),
            requests_per_15_min: config.ingest_x_search_requests_per_15_min.max(1),
            overlap: chrono::Duration::seconds(config.ingest_x_overlap_seconds.max(0)),
        };
        tasks.push(tokio::spawn(watch.run(shutdown.clone())));
    }
    for account in accounts {
        let poller = sources::x_poll::XPoller {
            client: client.clone(),
            app_bearer: bearer.clone(),
            pool: pool.clone(),
            acceptor: acceptor.clone(),
            registry: registry.clone(),
            interval: Duration::from_secs_f64(config.ingest_x_poll_seconds.max(1.0)),
            overlap: chrono::Duration::seconds(config.ingest_x_overlap_seconds.max(0)),
        };
        tracing::info!(account = %account.handle, "polling x mentions");
        tasks.push(tokio::spawn(poller.run(account, shutdown.clone())));
    }
    Ok(tasks)
}

/// One poller per YouTube account with the `poll` source, when an API key
/// is configured. The channels share the project's daily quota.
async fn start_youtube_pollers(
    config: &IngestConfig,
    registry: &tvarit_registry::Registry,
    acceptor: &Acceptor,
    api_key: Option<&SecretString>,
    shutdown: CancellationToken,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let accounts: Vec<_> =
        registry.accounts().filter(|a| a.platform == "youtube" && a.has_source("poll")).cloned().collect();
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let Some(key) = api_key else {
        tracing::warn!(
            accounts = accounts.len(),
            "youtube accounts want polling but TVARIT_YOUTUBE_API_KEY is not set"
        );
        return Ok(Vec::new());
    };
    let ns = tvarit_bus::Namespace::new(&config.common.namespace);
    let pool = tvarit_config::connect_schema(&config.common.database_url, &ns.schema("ingest"), 2).await?;
    let client =
        tvarit_platforms::youtube::YouTubeClient::new(tvarit_platforms::http_client(), &config.ingest_youtube_api_base);
    let channels = accounts.len();
    let mut tasks = Vec::new();
    for account in accounts {
        let poller = sources::youtube_poll::YouTubePoller {
            client: client.clone(),
            api_key: key.clone(),
            pool: pool.clone(),
            acceptor: acceptor.clone(),
            registry: registry.clone(),
            daily_quota: config.ingest_youtube_daily_quota,
            channels,
            min_interval: Duration::from_secs_f64(config.ingest_youtube_poll_seconds.max(1.0)),
            max_pages: sources::youtube_poll::MAX_PAGES,
        };
        tracing::info!(account = %account.handle, every = ?poller.interval(1), "polling youtube comment threads");
        tasks.push(tokio::spawn(poller.run(account, shutdown.clone())));
    }
    Ok(tasks)
}

/// Publishes posts that a process archived but died before publishing.
async fn republish_loop(acceptor: Acceptor, after: Duration, shutdown: CancellationToken) {
    loop {
        if let Ok(n) = acceptor.unpublished().await {
            metrics::gauge!("tvarit_ingest_unpublished_posts").set(n as f64);
        }
        match acceptor.republish_stale(after).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(posts = n, "republished posts left unpublished by a stopped process"),
            Err(e) => tracing::warn!(error = %e, "republishing stale posts"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(after / 3) => {}
        }
    }
}
