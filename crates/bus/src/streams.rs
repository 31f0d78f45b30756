//! Streams and durable pull consumers, declared idempotently at start by
//! every service that publishes to or consumes from them.

use std::time::Duration;

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

/// Gets or creates a durable pull consumer with explicit acks.
pub async fn ensure_consumer(
    stream: &stream::Stream,
    durable: &str,
    filter_subject: String,
    ack_wait: Duration,
) -> Result<consumer::PullConsumer, BusError> {
    let stream_name = stream.cached_info().config.name.clone();
    let config = consumer::pull::Config {
        durable_name: Some(durable.into()),
        filter_subject,
        ack_policy: consumer::AckPolicy::Explicit,
        ack_wait,
        // Never give up on a message: failures are retried with back-off and
        // undecodable ones are terminated by the handler.
        max_deliver: -1,
        max_ack_pending: 10_000,
        ..Default::default()
    };
    stream.get_or_create_consumer(durable, config).await.map_err(|e| BusError::Consumer {
        stream: stream_name,
        consumer: durable.into(),
        message: e.to_string(),
    })
}
