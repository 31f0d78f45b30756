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
        let ack =
            js.publish_with_headers(m.subject, m.headers, m.payload).await.map_err(|e| PublishError(e.to_string()))?;
        pending.push(ack.into_future());
    }
    futures::future::join_all(pending).await.into_iter().map(|r| r.map_err(|e| PublishError(e.to_string()))).collect()
}
