//! The handler of classified posts (the bus's runner decodes, terminates
//! the undecodable and settles): each batch becomes cases in one
//! transaction; messages are acked after commit, so a crash repeats a batch
//! (absorbed by the case key) and never loses one.
//!
//! Two stages, each in order: the transaction, then (for a committed batch)
//! publishing its events, after which the runner acks its messages. The next batch's
//! transaction runs while the last one's events go out, so a batch waits
//! for JetStream's acks without holding up the database work behind it.

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tvarit_bus::{Delivery, Verdict, Verdicts, context_from_headers};
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

/// A committed batch: its `opened` events to publish, then word to the
/// runner that its messages may be acked.
struct Committed {
    events: Vec<i64>,
    published: oneshot::Sender<()>,
}

/// A classified post that names its post and classification; anything else
/// is terminated by the runner.
pub fn decode(payload: &[u8]) -> Result<ClassifiedPost, String> {
    let cp: ClassifiedPost = tvarit_bus::protobuf(payload)?;
    if cp.post.is_none() || cp.classification.is_none() {
        return Err("a classified post without its post or classification".into());
    }
    Ok(cp)
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

    pub async fn handle(self: Arc<Self>, batch: Vec<Delivery<ClassifiedPost>>) -> Verdicts {
        let mut posts = Vec::with_capacity(batch.len());
        let mut traces = std::collections::HashMap::new();
        for d in batch {
            // The post's trace continues here and in its `opened` event.
            let post = d.value.post.as_ref().expect("checked by decode");
            let span = tracing::info_span!("reply.open_case", platform = %post.platform, post_id = %post.post_id);
            span.set_parent(context_from_headers(d.headers.as_ref())).ok();
            span.in_scope(|| tracing::debug!("opening the post's case"));
            if let Some(tp) = span.in_scope(tvarit_bus::current_traceparent) {
                traces.insert((post.platform.clone(), post.post_id.clone()), tp);
            }
            posts.push(d.value);
        }
        match open_cases(&self.pool, &self.registry, &self.library, &posts, &traces).await {
            Ok(events) => {
                let (published, acked) = oneshot::channel();
                // The stage lives as long as the intake; should it be gone,
                // the messages are NAKed and redelivered and the events swept.
                let _ = self.committed.send(Committed { events, published }).await;
                Verdicts::All(Verdict::AckWhen(acked))
            }
            Err(e) => {
                tracing::warn!(error = %e, posts = posts.len(), "cases not opened; will retry");
                Verdicts::All(Verdict::Retry(Duration::from_secs(1)))
            }
        }
    }
}

async fn publish_committed(publisher: Publisher, mut committed: mpsc::Receiver<Committed>) {
    while let Some(Committed { events, published }) = committed.recv().await {
        if let Err(e) = publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        // The runner acks the batch's messages; a lost ack is a redelivery,
        // which the case key absorbs.
        let _ = published.send(());
    }
}
