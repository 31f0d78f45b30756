//! Publishing a batch with every ack in flight at once: one-by-one awaited
//! publishes cap JetStream at a few thousand messages a second here.

use std::future::IntoFuture;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, publish::PublishAck};
use bytes::Bytes;

pub struct Outgoing {
    pub subject: String,
    /// Built with [`crate::publish_headers`] inside the message's span.
    pub headers: HeaderMap,
    pub payload: Bytes,
}

#[derive(Debug, thiserror::Error)]
#[error("publishing to JetStream: {0}")]
pub struct PublishError(String);

/// Publishes every message and waits for all acks; fails if any fails
/// (the caller retries the batch: ids make the retry idempotent).
pub async fn publish_batch(js: &jetstream::Context, batch: Vec<Outgoing>) -> Result<Vec<PublishAck>, PublishError> {
    let mut pending = Vec::with_capacity(batch.len());
    for m in batch {
        let ack = js.publish_with_headers(m.subject, m.headers, m.payload).await.map_err(|e| failed(e.to_string()))?;
        pending.push(ack.into_future());
    }
    futures::future::join_all(pending).await.into_iter().map(|r| r.map_err(|e| failed(e.to_string()))).collect()
}

/// Counts a failed publish, and says plainly when JetStream's storage is
/// full: the one broker failure a person must fix (more disk, or a larger
/// `max_file_store`). Callers keep the work (archived posts, NAKed
/// messages, the outbox) and publish it once there is room.
fn failed(error: String) -> PublishError {
    let store_full = is_store_full(&error);
    let reason = if store_full { "store_full" } else { "unavailable" };
    metrics::counter!("tvarit_jetstream_publish_failures_total", "reason" => reason).increment(1);
    if store_full {
        tracing::error!(%error, "JetStream storage is full: work is kept and published once there is room; free disk or raise max_file_store");
    }
    PublishError(error)
}

/// JetStream's answers when a stream or the server's store has no room.
fn is_store_full(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    ["insufficient resources", "insufficient storage", "maximum bytes exceeded", "no space left"]
        .iter()
        .any(|hint| error.contains(hint))
}

#[cfg(test)]
mod tests {
    #[test]
    fn knows_a_full_store_from_an_outage() {
        assert!(super::is_store_full("publish failed: insufficient resources (code 503, error code 10023)"));
        assert!(super::is_store_full("nats: maximum bytes exceeded"));
        assert!(!super::is_store_full("publish failed: timed out"));
        assert!(!super::is_store_full("no stream found for given subject"));
    }
}
