//! The consumer of classified posts: each batch becomes cases in one
//! transaction; messages are acked after commit, so a crash repeats a batch
//! (absorbed by the case key) and never loses one.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{AckKind, Message};
use prost::Message as _;
use sqlx::PgPool;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tvarit_bus::context_from_headers;
use tvarit_proto::v1::ClassifiedPost;
use tvarit_registry::Registry;

use crate::store::intake::open_cases;
use crate::store::outbox::Publisher;

pub struct Intake {
    pub pool: PgPool,
    pub registry: Registry,
    pub publisher: Publisher,
}

impl Intake {
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
        match open_cases(&self.pool, &self.registry, &posts, &traces).await {
            Ok(events) => {
                if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
                    tracing::warn!(error = %e, "case event publish deferred to the sweeper");
                }
                for msg in &messages {
                    if let Err(e) = msg.ack().await {
                        tracing::warn!(error = %e, "ack failed; the post will be redelivered");
                    }
                }
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
