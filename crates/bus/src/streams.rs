//! Streams and durable pull consumers, declared idempotently at start by
//! every service that publishes to or consumes from them; a declaration
//! that changed since the server's copy was made is applied to it.

use std::time::Duration;

use async_nats::jetstream::ErrorCode;
use async_nats::jetstream::context::{ConsumerInfoErrorKind, GetStreamErrorKind};
use async_nats::jetstream::{self, consumer, stream};

use crate::drift::{ChangeOutcome, SettingChange, consumer_differences, stream_differences, updated_config};
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

/// Creates the stream, or brings an existing one to these settings (see
/// [`declare_stream`]).
pub async fn ensure_stream(
    js: &jetstream::Context,
    ns: &Namespace,
    kind: StreamKind,
    settings: StreamSettings,
) -> Result<stream::Stream, BusError> {
    declare_stream(js, stream_config(ns, kind, settings)).await.map(|(stream, _)| stream)
}

/// The declaration of one of the pipeline's streams.
pub fn stream_config(ns: &Namespace, kind: StreamKind, settings: StreamSettings) -> stream::Config {
    stream::Config {
        name: ns.stream_name(kind.suffix()),
        subjects: vec![kind.subjects(ns)],
        storage: stream::StorageType::File,
        retention: stream::RetentionPolicy::Limits,
        num_replicas: settings.replicas,
        max_age: settings.max_age,
        duplicate_window: settings.duplicate_window,
        // Refuse new messages rather than silently dropping old unconsumed ones.
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    }
}

/// Creates the stream, or compares an existing one's declared settings with
/// `wanted` and updates it in place, logging one line per changed field.
/// Settings that no existing stream can take (storage, retention), and an
/// update the server refuses, are logged as warnings saying what the
/// operator must do; the service starts on the stream's old settings rather
/// than not at all. Returns every difference found and what became of it.
pub async fn declare_stream(
    js: &jetstream::Context,
    wanted: stream::Config,
) -> Result<(stream::Stream, Vec<SettingChange>), BusError> {
    let name = wanted.name.clone();
    let fail = |message: String| BusError::Stream { stream: name.clone(), message };
    let existing = match js.get_stream(&name).await {
        Ok(stream) => stream,
        Err(e) if is_not_found(&e) => {
            // Idempotent: a stream another instance just made is returned and compared.
            js.get_or_create_stream(wanted.clone()).await.map_err(|e| fail(e.to_string()))?
        }
        Err(e) => return Err(fail(e.to_string())),
    };
    let server = existing.cached_info().config.clone();
    let mut changes = stream_differences(&server, &wanted);
    if changes.is_empty() {
        return Ok((existing, changes));
    }
    let mut stream = existing;
    if changes.iter().any(|c| c.outcome == ChangeOutcome::Applied) {
        match js.update_stream(updated_config(&server, &wanted)).await {
            Ok(_) => {
                stream = js.get_stream(&name).await.map_err(|e| fail(e.to_string()))?;
                // A lone server accepts replicas > 1 and keeps 1: a field
                // that still differs was not applied, whatever the answer.
                let kept = stream_differences(&stream.cached_info().config, &wanted);
                for change in changes.iter_mut().filter(|c| c.outcome == ChangeOutcome::Applied) {
                    if kept.iter().any(|k| k.field == change.field) {
                        change.outcome = ChangeOutcome::Refused;
                    }
                }
            }
            Err(e) => {
                for change in changes.iter_mut().filter(|c| c.outcome == ChangeOutcome::Applied) {
                    change.outcome = ChangeOutcome::Refused;
                }
                tracing::warn!(
                    stream = %name,
                    fields = %fields_of(&changes, ChangeOutcome::Refused),
                    error = %e,
                    "the server refused the stream's new settings: running on the old ones; fix the setting or the server (a cluster for replicas > 1) and restart"
                );
            }
        }
    }
    for change in &changes {
        let SettingChange { field, old, new, outcome } = change;
        match outcome {
            ChangeOutcome::Applied => tracing::info!(stream = %name, field, old, new, "stream setting changed"),
            ChangeOutcome::Refused => {
                tracing::warn!(stream = %name, field, old, new, "stream setting not changed: the server refused it")
            }
            ChangeOutcome::NeedsRecreate => tracing::warn!(
                stream = %name,
                field,
                old,
                new,
                "stream setting cannot change on an existing stream: keeping the old one; to apply it, stop the \
                 publishers, let the consumers drain, delete the stream and restart (it is created anew)"
            ),
        }
    }
    Ok((stream, changes))
}

fn is_not_found(e: &jetstream::context::GetStreamError) -> bool {
    matches!(e.kind(), GetStreamErrorKind::JetStream(err) if err.error_code() == ErrorCode::STREAM_NOT_FOUND)
}

/// Deletes `consumer` from `stream`; one that is not there (never made,
/// or another instance deleted it first) counts as deleted.
pub(crate) async fn delete_consumer_if_present(
    stream: &stream::Stream,
    consumer: &str,
) -> Result<(), stream::ConsumerError> {
    match stream.delete_consumer(consumer).await {
        Err(e)
            if !matches!(e.kind(), stream::ConsumerErrorKind::JetStream(err)
            if err.error_code() == ErrorCode::CONSUMER_NOT_FOUND) =>
        {
            Err(e)
        }
        _ => Ok(()),
    }
}

/// Deletes a consumer an earlier release declared and this one no longer
/// uses, if it and its stream are there: at start, so the server stops
/// keeping its state.
pub async fn retire_consumer(js: &jetstream::Context, stream_name: &str, consumer: &str) -> Result<(), BusError> {
    let fail = |message: String| BusError::Consumer { stream: stream_name.into(), consumer: consumer.into(), message };
    let stream = match js.get_stream(stream_name).await {
        Ok(stream) => stream,
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(e) => return Err(fail(e.to_string())),
    };
    delete_consumer_if_present(&stream, consumer).await.map_err(|e| fail(e.to_string()))
}

fn fields_of(changes: &[SettingChange], outcome: ChangeOutcome) -> String {
    changes.iter().filter(|c| c.outcome == outcome).map(|c| c.field).collect::<Vec<_>>().join(",")
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
        Ok(info) => {
            let changes = consumer_differences(&info.config, &config);
            if changes.is_empty() {
                return stream.get_consumer(durable).await.map_err(|e| fail(e.to_string()));
            }
            let floor = info.ack_floor.stream_sequence;
            for SettingChange { field, old, new, .. } in &changes {
                tracing::info!(consumer = durable, stream = %stream_name, field, old, new, "consumer setting changed");
            }
            tracing::info!(
                consumer = durable,
                stream = %stream_name,
                ack_floor = floor,
                "replacing the consumer with its new settings, starting after its ack floor"
            );
            delete_consumer_if_present(stream, durable).await.map_err(|e| fail(e.to_string()))?;
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
