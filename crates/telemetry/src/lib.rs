//! Telemetry shared by every service: JSON logs on stdout, OTLP traces when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, W3C trace context, a Prometheus
//! `/metrics` endpoint and one cancellation token for SIGTERM and Ctrl-C.

mod grpc_context;
mod grpc_health;
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

/// Installs the global subscriber: JSON logs filtered by `RUST_LOG` and,
/// when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, an OTLP gRPC exporter. Must
/// run inside the Tokio runtime.
pub fn init(service: &'static str, log_to: LogTo) -> anyhow::Result<TelemetryGuard> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    let default_level = if log_to == LogTo::Stdout { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let json =
        tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(false).with_span_list(false);
    let logs = match log_to {
        LogTo::Stdout => json.with_writer(std::io::stdout).boxed(),
        LogTo::Stderr => json.with_writer(std::io::stderr).boxed(),
    }
    .with_filter(filter);

    let provider = if std::env::var_os("OTEL_EXPORTER_OTLP_ENDPOINT").is_some() {
        let exporter = opentelemetry_otlp::SpanExporter::builder().with_tonic().build()?;
        let resource = opentelemetry_sdk::Resource::builder().with_service_name(service).build();
        Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
    } else {
        None
    };
    // The exporter's own gRPC client must not trace itself.
    let otel_filter = EnvFilter::new("info,h2=off,hyper=off,tonic=off,tower=off");
    let otel = provider
        .as_ref()
        .map(|p| tracing_opentelemetry::layer().with_tracer(p.tracer(service)).with_filter(otel_filter));
    tracing_subscriber::registry().with(logs).with(otel).try_init()?;
    if let Some(p) = &provider {
        global::set_tracer_provider(p.clone());
    }
    Ok(TelemetryGuard { provider })
}
