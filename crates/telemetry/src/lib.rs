//! Telemetry shared by every service: JSON logs on stdout with trace ids, OTLP traces when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, W3C trace context, a Prometheus
//! `/metrics` endpoint and one cancellation token for SIGTERM and Ctrl-C.

mod grpc_context;
mod grpc_health;
mod json_log;
mod process_metrics;
mod prometheus;
mod shutdown;

pub use grpc_context::{context_from_metadata, inject_into_metadata};
pub use grpc_health::{serve_grpc, serve_grpc_health};
pub use prometheus::{install_prometheus, metrics_router, serve_http};
pub use shutdown::shutdown_on_signal;

use opentelemetry::global;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes traces on drop. Keep it alive for the life of `main`.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Flushes and stops the trace exporter. Blocking: call it after the
    /// runtime's work is done, or from `spawn_blocking`.
    pub fn shutdown(mut self) {
        self.flush();
    }

    fn flush(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("trace exporter shutdown: {e}");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Where a process's logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTo {
    /// A service: JSON lines on stdout at `info`, for the log collector.
    Stdout,
    /// A command whose stdout is its result (replay, migrate, operators):
    /// JSON lines on stderr, warnings and errors only unless `RUST_LOG` says.
    Stderr,
}

/// Installs the global subscriber: JSON logs filtered by `RUST_LOG`, each
/// line inside a span carrying its trace id, and, when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set, an OTLP gRPC exporter. Must run
/// inside the Tokio runtime.
pub fn init(service: &'static str, log_to: LogTo) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let default_level = if log_to == LogTo::Stdout { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let json = tracing_subscriber::fmt::layer().event_format(json_log::JsonWithTrace);
    let logs = match log_to {
        LogTo::Stdout => json.with_writer(std::io::stdout).boxed(),
        LogTo::Stderr => json.with_writer(std::io::stderr).boxed(),
    };

    // Spans always get trace ids, so log lines carry them and W3C context
    // flows between services; they are exported only when a collector is set.
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(service).build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_tonic().build()?;
        builder = builder.with_batch_exporter(exporter);
    }
    let provider = builder.build();
    // `RUST_LOG` filters globally; this static filter only keeps the
    // exporter's own gRPC client out of the traces. (Two per-layer
    // `EnvFilter`s lost every event after start-up once RUST_LOG held a
    // target directive such as `info,tvarit_reply=debug`.)
    let otel_filter = Targets::new()
        .with_default(Level::INFO)
        .with_targets(["h2", "hyper", "tonic", "tower"].map(|t| (t, tracing_subscriber::filter::LevelFilter::OFF)));
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer(service)).with_filter(otel_filter);
    tracing_subscriber::registry().with(filter).with(logs).with(otel).try_init()?;
    global::set_tracer_provider(provider.clone());
    Ok(TelemetryGuard { provider: Some(provider) })
}
