use axum::Router;
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Bucket bounds for every `*_seconds` histogram: fine below the 2-minute
/// goal and the 5-minute breach, coarse beyond.
const SECONDS_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0, 30.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0,
    600.0, 1800.0, 3600.0,
];

/// Installs the process-wide Prometheus recorder. Call once per process.
/// Histograms are exported as histograms (buckets), which Grafana can
/// aggregate across instances, not as client-side summaries.
pub fn install_prometheus() -> anyhow::Result<PrometheusHandle> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .install_recorder()?)
}

/// `GET /metrics` in the Prometheus text format (with the process's memory
/// and CPU), plus `GET /healthz`.
pub fn metrics_router(handle: PrometheusHandle) -> Router {
    let render = move || {
        crate::process_metrics::record();
        std::future::ready(handle.render())
    };
    Router::new().route("/metrics", get(render)).route("/healthz", get(|| std::future::ready("ok")))
}

/// Serves `router` on `listener` until `shutdown`.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: tokio_util::sync::CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(async move { shutdown.cancelled().await }).await
}
