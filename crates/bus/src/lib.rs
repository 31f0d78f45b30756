//! The message bus: subject names (namespace first, unit last), the
//! JetStream streams and durable consumers declared idempotently at start,
//! publishing with a business id and trace context, a supervised pull
//! loop, and the one consumer runner every service uses (`runner.rs`).

mod consume;
mod drift;
mod headers;
mod publish;
mod runner;
mod streams;
mod subjects;
mod sync_window;
mod units;

pub(crate) use consume::{Batch, Pull};
pub use drift::{ChangeOutcome, SettingChange};
pub use headers::{context_from_headers, current_traceparent, headers_with_traceparent, publish_headers};
pub use publish::{Outgoing, PublishError, publish_batch};
pub use runner::{Delivery, Runner, Verdict, Verdicts, protobuf};
pub use streams::{
    StreamKind, StreamSettings, declare_stream, ensure_consumer, ensure_stream, retire_consumer, stream_config,
};
pub use subjects::Namespace;
pub use sync_window::SyncWindow;
pub(crate) use units::consume_units;
pub use units::{ensure_unit_consumers, unit_consumer_name};

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bad NATS URL {url}: {message}")]
    Url { url: String, message: String },
    #[error("cannot connect to NATS at {url}: {source}")]
    Connect { url: String, source: async_nats::ConnectError },
    #[error("declaring stream {stream}: {message}")]
    Stream { stream: String, message: String },
    #[error("declaring consumer {consumer} on {stream}: {message}")]
    Consumer { stream: String, consumer: String, message: String },
}

/// The servers of `TVARIT_NATS_URL`: one URL, or a cluster's URLs
/// separated by commas (the client fails over between them).
pub fn server_addrs(url: &str) -> Result<Vec<async_nats::ServerAddr>, BusError> {
    url.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            u.parse::<async_nats::ServerAddr>().map_err(|e| BusError::Url { url: u.into(), message: e.to_string() })
        })
        .collect()
}

/// Connects with unlimited reconnects, so a broker that is down for a while
/// delays work instead of ending the process.
pub async fn connect(url: &str, name: &str) -> Result<async_nats::Client, BusError> {
    let servers = server_addrs(url)?;
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
        .connect(servers)
        .await
        .map_err(|source| BusError::Connect { url: url.into(), source })
}

#[cfg(test)]
mod server_addrs_tests {
    use super::server_addrs;

    #[test]
    fn a_cluster_url_list_is_every_node() {
        let addrs = server_addrs("nats://nats:4222, nats://nats-2:4222,nats://nats-3:4222").unwrap();
        let hosts: Vec<String> = addrs.iter().map(|a| format!("{}:{}", a.host(), a.port())).collect();
        assert_eq!(hosts, ["nats:4222", "nats-2:4222", "nats-3:4222"]);
        assert_eq!(server_addrs("nats://127.0.0.1:4222").unwrap().len(), 1);
        assert!(server_addrs("nats://a:4222,http://[bad").is_err());
    }
}
