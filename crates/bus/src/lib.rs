//! The message bus: subject names (namespace first, unit last), the
//! JetStream streams and durable consumers declared idempotently at start,
//! publishing with a business id and trace context, and a supervised pull
//! loop.

mod consume;
mod headers;
mod publish;
mod streams;
mod subjects;

pub use consume::{Batch, consume_batches};
pub use headers::{context_from_headers, current_traceparent, headers_with_traceparent, publish_headers};
pub use publish::{Outgoing, PublishError, publish_batch};
pub use streams::{StreamKind, StreamSettings, ensure_consumer, ensure_stream};
pub use subjects::Namespace;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect { url: String, source: async_nats::ConnectError },
    #[error("declaring stream {stream}: {message}")]
    Stream { stream: String, message: String },
    #[error("declaring consumer {consumer} on {stream}: {message}")]
    Consumer { stream: String, consumer: String, message: String },
}

/// Connects with unlimited reconnects, so a broker that is down for a while
/// delays work instead of ending the process.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, BusError> {
    async_nats::ConnectOptions::new()
        .name(name)
        .retry_on_initial_connect()
        .max_reconnects(None)
        .event_callback(|event| async move {
            match event {
                async_nats::Event::Disconnected => tracing::warn!("nats disconnected"),
                async_nats::Event::Connected => tracing::info!("nats connected"),
                other => tracing::debug!(event = %other, "nats event"),
            }
        })
        .connect(url)
        .await
        .map_err(|source| BusError::Connect { url: url.into(), source })
}
