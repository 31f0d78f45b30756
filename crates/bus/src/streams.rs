//! Streams and durable pull consumers, declared idempotently at start by
//! every service that publishes to or consumes from them.

use std::time::Duration;

use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::{self, consumer, stream};

use crate::{BusError, Namespace};

/// The three streams of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamKind {
    /// `<ns>.post.ingested.>`
    Ingested,
    /// `<ns>.post.classified.>`
    Classified,
    /// `<ns>.case.>`
    Cases,
}

impl StreamKind {
    fn suffix(self) -> &'static str {
        match self {
            StreamKind::Ingested => "ingested",
            StreamKind::Classified => "classified",
            StreamKind::Cases => "cases",
        }
    }

    fn subjects(self, ns: &Namespace) -> String {
        match self {
            StreamKind::Ingested => format!("{}.post.ingested.>", ns.as_str()),
            StreamKind::Classified => format!("{}.post.classified.>", ns.as_str()),
            StreamKind::Cases => format!("{}.case.>", ns.as_str()),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct StreamSettings {
    pub replicas: usize,
    /// How long messages are kept for replay; the database is the record.
    pub max_age: Duration,
    /// Window in which a repeated `Nats-Msg-Id` is dropped by the server.
    pub duplicate_window: Duration,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self { replicas: 1, max_age: Duration::from_secs(7 * 24 * 3600), duplicate_window: Duration::from_secs(120) }
    }
}

/// Gets or creates the stream; returns its name.
pub async fn ensure_stream(
    js: &jetstream::Context,
    ns: &Namespace,
    kind: StreamKind,
    settings: StreamSettings,
) -> Result<stream::Stream, BusError> {
    let name = ns.stream_name(kind.suffix());
    let config = stream::Config {
        name: name.clone(),
        subjects: vec![kind.subjects(ns)],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: settings.replicas,
        max_age: settings.max_age,
        duplicate_window: settings.duplicate_window,
        // Refuse new messages rather than silently dropping old unconsumed ones.
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    };
    js.get_or_create_stream(config).await.map_err(|e| BusError::Stream { stream: name, message: e.to_string() })
}

/// Gets or creates a durable pull consumer with explicit acks. A consumer
/// whose declared settings drifted (another filter, ack wait or limit, as
/// left by an older release) is replaced, starting after its ack floor: the
/// new settings apply, nothing unacknowledged is skipped, and what was
/// acknowledged out of order comes again to keyed, idempotent handlers.
pub async fn ensure_consumer(
    stream: &stream::Stream,
    durable: &str,
    filter_subject: String,
    ack_wait: Duration,
) -> Result<consumer::PullConsumer, BusError> {
    ensure_consumer_after(stream, durable, filter_subject, ack_wait, None).await
}

/// As [`ensure_consumer`]; a consumer that does not exist yet starts after
/// stream sequence `start_after` (`None`: at the stream's first message).
pub(crate) async fn ensure_consumer_after(
    stream: &stream::Stream,
    durable: &str,
    filter_subject: String,
    ack_wait: Duration,
    start_after: Option<u64>,
) -> Result<consumer::PullConsumer, BusError> {
    let stream_name = stream.cached_info().config.name.clone();
    let fail = |message: String| BusError::Consumer { stream: stream_name.clone(), consumer: durable.into(), message };
    let config = pull_config(durable, filter_subject, ack_wait);
    let start_after = match stream.consumer_info(durable).await {
        Ok(info) if same_declaration(&info.config, &config) => {
            return stream.get_consumer(durable).await.map_err(|e| fail(e.to_string()));
        }
        Ok(info) => {
            let floor = info.ack_floor.stream_sequence;
            tracing::warn!(
                consumer = durable,
                stream = %stream_name,
                old_filter = %info.config.filter_subject,
                new_filter = %config.filter_subject,
                ack_floor = floor,
                "consumer settings changed: replacing it, starting after its ack floor"
            );
            match stream.delete_consumer(durable).await {
                Ok(_) => {}
                // Another instance replaced it first.
                Err(e) if e.to_string().contains("not found") => {}
                Err(e) => return Err(fail(e.to_string())),
            }
            Some(floor)
        }
        Err(e) if e.kind() == ConsumerInfoErrorKind::NotFound => start_after,
        Err(e) => return Err(fail(e.to_string())),
    };
    let config = match start_after {
        Some(seq) => consumer::pull::Config {
            deliver_policy: consumer::DeliverPolicy::ByStartSequence { start_sequence: seq + 1 },
            ..config
        },
        None => config,
    };
    // Idempotent: an identical consumer another instance just made is returned.
    stream.get_or_create_consumer(durable, config).await.map_err(|e| fail(e.to_string()))
}

/// The settings every pipeline consumer is declared with.
fn pull_config(durable: &str, filter_subject: String, ack_wait: Duration) -> consumer::pull::Config {
    consumer::pull::Config {
        durable_name: Some(durable.into()),
        filter_subject,
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait,
        // Never give up on a message: failures are retried with back-off and
        // undecodable ones are terminated by the handler.
        max_deliver: -1,
        max_ack_pending: 10_000,
        ..Default::default()
    }
}

/// The declared settings as the server reports them (it fills in the rest).
fn same_declaration(existing: &consumer::Config, declared: &consumer::pull::Config) -> bool {
    existing.filter_subject == declared.filter_subject
        && existing.ack_policy == declared.ack_policy
        && existing.ack_wait == declared.ack_wait
        && existing.max_deliver == declared.max_deliver
        && existing.max_ack_pending == declared.max_ack_pending
}
