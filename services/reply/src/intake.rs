//! The consumer of classified posts: each batch becomes cases in one
//! transaction; messages are acked after commit, so a crash repeats a batch
//! (absorbed by the case key) and never loses one.
//!
//! Two stages, each in order: the transaction, then (for a committed batch)
//! publishing its events and acking its messages. The next batch's
//! transaction runs while the last one's events go out, so a batch waits
//! for JetStream's acks without holding up the database work behind it.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use prost::Message as _;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tvarit_bus::context_from_headers;
use tvarit_proto::v1::ClassifiedPost;
use tvarit_registry::Registry;

use crate::library::drafts::LibraryCache;
use crate::store::intake::open_cases;
use crate::store::outbox::Publisher;

pub struct Intake {
    pool: PgPool,
    registry: Registry,
    library: LibraryCache,
    committed: mpsc::Sender<Committed>,
}

/// A committed batch: its `opened` events to publish, then its messages to ack.
struct Committed {
    events: Vec<i64>,
    messages: Vec<Message>,
}

impl Intake {
    /// The intake and its publishing stage, which ends once the intake is
    /// dropped and every committed batch is published and acked.
    pub fn start(pool: PgPool, registry: Registry, publisher: Publisher) -> (Arc<Self>, JoinHandle<()>) {
        // One committed batch may wait while the next is in its transaction.
        let (committed, rx) = mpsc::channel(1);
        let stage = tokio::spawn(publish_committed(publisher, rx));
        (Arc::new(Self { pool, registry, library: LibraryCache::default(), committed }), stage)
    }

    pub async fn handle(self: Arc<Self>, batch: Vec<Message>) {
        let mut posts = Vec::with_capacity(batch.len());
        let mut traces = std::collections::HashMap::new();
        let mut messages = Vec::with_capacity(batch.len());
        for msg in batch {
            match ClassifiedPost::decode(msg.payload.as_ref()) {
                Ok(cp) if cp.post.is_some() && cp.classification.is_some() => {
                    // The post's trace continues here and in its `opened` event.
                    let post = cp.post.as_ref().expect("checked above");
                    let span =
                        tracing::info_span!("reply.open_case", platform = %post.platform, post_id = %post.post_id);
                    span.set_parent(context_from_headers(msg.headers.as_ref())).ok();
                    span.in_scope(|| tracing::debug!("opening the post's case"));
                    if let Some(tp) = span.in_scope(tvarit_bus::current_traceparent) {
                        traces.insert((post.platform.clone(), post.post_id.clone()), tp);
                    }
                    posts.push(cp);
                    messages.push(msg);
                }
                _ => {
                    tracing::error!(subject = %msg.subject, "undecodable classified post terminated");
                    metrics::counter!("tvarit_reply_undecodable_total").increment(1);
                    let _ = msg.ack_with(AckKind::Term).await;
                }
            }
        }
        if posts.is_empty() {
            return;
        }
        match open_cases(&self.pool, &self.registry, &self.library, &posts, &traces).await {
            Ok(events) => {
                // The stage lives as long as the intake; should it be gone,
                // the messages are redelivered and the events swept.
                let _ = self.committed.send(Committed { events, messages }).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, posts = messages.len(), "cases not opened; will retry");
                for msg in &messages {
                    let _ = msg.ack_with(AckKind::Nak(Some(Duration::from_secs(1)))).await;
                }
            }
        }
    }
}

async fn publish_committed(publisher: Publisher, mut committed: mpsc::Receiver<Committed>) {
    while let Some(Committed { events, messages }) = committed.recv().await {
        if let Err(e) = publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        for msg in &messages {
            if let Err(e) = msg.ack().await {
                tracing::warn!(error = %e, "ack failed; the post will be redelivered");
            }
        }
    }
}
