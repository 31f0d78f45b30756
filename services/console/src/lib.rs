//! tvarit-console: the web console. Server-rendered pages over tvarit-reply's
//! `Desk`, `Library` and `Publishing` and tvarit-metrics' `Metrics` gRPC APIs, called with
//! the signed-in person's own token; live queues as Server-Sent Events from
//! `Desk.WatchQueue`; one small script and one stylesheet in the binary.

pub mod alarm;
pub mod assets;
pub mod config;
pub mod format;
pub mod html;
pub mod https;
pub mod i18n;
pub mod live;
pub mod pages;
pub mod presence;
pub mod presets;
pub mod reasons;
pub mod rows;
pub mod rpc;
pub mod security;
pub mod session;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use tvarit_registry::Registry;
use tvarit_tls::Serving;

use crate::config::ConsoleConfig;
use crate::session::Sessions;

#[derive(Clone)]
pub struct AppState {
    pub reply_channel: Channel,
    pub metrics_channel: Channel,
    pub sessions: Sessions,
    pub registry: Arc<Registry>,
    pub secure_cookies: bool,
    /// Ends live streams and background work on SIGTERM.
    pub shutdown: CancellationToken,
    /// Fetches a post's photos for `/cases/{docket}/media/{n}`.
    pub media_http: reqwest::Client,
    /// Who has which case open (`presence.rs`).
    pub presence: presence::Presence,
}

impl AppState {
    /// The deployment's time zone (the registry's `time_zone`): times are
    /// shown, and days and months cut, in it.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.registry.time_zone()
    }
}

pub fn router(state: AppState) -> Router {
    use pages::{case, case_media, case_note, handover, hq, library, publish, queue, search, signin, supervise};
    Router::new()
        .route("/", get(|| async { axum::response::Redirect::to("/queue") }))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::signout))
        .route("/lang/{code}", get(signin::switch_language))
        .route("/queue", get(queue::page))
        .route("/search", get(search::page))
        .route("/units/{unit}/events", get(live::events))
        .route("/cases/{docket}", get(case::page))
        .route("/cases/{docket}/note", post(case_note::add))
        .route("/cases/{docket}/{action}", post(case::act))
        .route("/cases/{docket}/media/{n}", get(case_media::file))
        .route("/cases/{docket}/presence", get(case_note::presence))
        .route("/supervise", get(supervise::page))
        .route("/handover", get(handover::page))
        .route("/handover/note", post(handover::write_note))
        .route("/handover/notes/{id}/ack", post(handover::acknowledge))
        .route("/library", get(library::page))
        .route("/library/rebuttals", post(library::publish))
        .route("/library/templates", post(library::save_template))
        .route("/publish", get(publish::calendar))
        .route("/publish/new", get(publish::compose::page).post(publish::compose::submit))
        .route("/publish/{id}", get(publish::post::page))
        .route("/publish/{id}/{action}", post(publish::post::act))
        .route("/hq", get(hq::page))
        .route("/hq/report.csv", get(hq::report))
        .route("/assets/{name}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::csrf_guard))
        .with_state(state)
}

pub async fn run(
    config: ConsoleConfig,
    listener: TcpListener,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    i18n::check();
    let registry = Registry::load(config.registry_file.as_deref())?;
    let serving = config.tls.server(listener.local_addr()?, "console_http_listen")?;
    let client_tls = config.tls.client()?;
    let state = AppState {
        reply_channel: rpc::lazy_channel(&config.console_reply_url, client_tls.as_ref())?,
        metrics_channel: rpc::lazy_channel(&config.console_metrics_url, client_tls.as_ref())?,
        sessions: Sessions::new(Duration::from_secs(config.console_session_idle_minutes * 60)),
        registry: Arc::new(registry),
        // Over HTTPS of its own the cookie is always `Secure`.
        secure_cookies: config.console_secure_cookies || matches!(serving, Serving::Tls(_)),
        shutdown: shutdown.clone(),
        media_http: tvarit_platforms::http_client(),
        presence: presence::Presence::default(),
    };
    let app = router(state)
        .merge(tvarit_telemetry::metrics_router(metrics))
        .layer(axum::middleware::from_fn(security::security_headers));
    let http_addr = listener.local_addr()?;
    let https = matches!(serving, Serving::Tls(_));
    tracing::info!(%http_addr, https, reply = %config.console_reply_url, metrics = %config.console_metrics_url, "ready");
    match serving {
        Serving::Tls(tls) => https::serve(listener, app, tls.rustls(), shutdown).await?,
        Serving::Plain => tvarit_telemetry::serve_http(listener, app, shutdown).await?,
    }
    Ok(())
}
