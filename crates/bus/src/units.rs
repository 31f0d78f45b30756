//! One durable consumer per unit (`<service>-<purpose>-<unit>`, filtered on
//! that unit's subject), so an instance can take some units only, and every
//! instance that takes a unit shares that unit's consumer: JetStream hands
//! each message to one of them, so work is split, never doubled.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::context::ConsumerInfoErrorKind;
use async_nats::jetstream::{AckKind, Message, stream};
use tokio::sync::mpsc;

use crate::streams::{delete_consumer_if_present, ensure_consumer_after};
use crate::{Batch, BusError, Pull};

/// The durable name of `unit`'s consumer for `base` (`reply-classified`).
pub fn unit_consumer_name(base: &str, unit: &str) -> String {
    format!("{base}-{unit}")
}

/// Declares the consumer of each of `units` (`subject_of(unit)` its filter).
///
/// Releases before per-unit consumers had one consumer named `base` for
/// every unit. While it exists, a unit consumer made now starts after its
/// ack floor (nothing it acknowledged is read again, nothing it left is
/// skipped), and once every one of `all_units` has its own consumer it is
/// deleted.
pub async fn ensure_unit_consumers(
    stream: &stream::Stream,
    base: &str,
    units: &[String],
    all_units: &[String],
    subject_of: impl Fn(&str) -> String,
    ack_wait: Duration,
) -> Result<Vec<PullConsumer>, BusError> {
    let stream_name = stream.cached_info().config.name.clone();
    let fail = |consumer: &str, message: String| BusError::Consumer {
        stream: stream_name.clone(),
        consumer: consumer.into(),
        message,
    };
    let legacy_floor = match stream.consumer_info(base).await {
        Ok(info) => Some(info.ack_floor.stream_sequence),
        Err(e) if e.kind() == ConsumerInfoErrorKind::NotFound => None,
        Err(e) => return Err(fail(base, e.to_string())),
    };
    let mut consumers = Vec::with_capacity(units.len());
    for unit in units {
        let name = unit_consumer_name(base, unit);
        consumers.push(ensure_consumer_after(stream, &name, subject_of(unit), ack_wait, legacy_floor).await?);
    }
    if legacy_floor.is_some() {
        let mut all_declared = true;
        for unit in all_units {
            match stream.consumer_info(unit_consumer_name(base, unit)).await {
                Ok(_) => {}
                Err(e) if e.kind() == ConsumerInfoErrorKind::NotFound => all_declared = false,
                Err(e) => return Err(fail(base, e.to_string())),
            }
        }
        if all_declared {
            tracing::info!(consumer = base, stream = %stream_name, "every unit has its own consumer: deleting the all-units one");
            delete_consumer_if_present(stream, base).await.map_err(|e| fail(base, e.to_string()))?;
        }
    }
    Ok(consumers)
}

/// A pull of this size or more per unit consumer, however many units an
/// instance takes: small enough that 41 units' prefetch stays well inside
/// the ack wait, large enough that a hot unit is not starved of requests.
const MIN_PULL_PER_UNIT: usize = 16;

/// Pulls from every consumer until `shutdown` and calls `handle` with
/// batches of up to `max_batch` messages from any of them, so one database
/// transaction still serves many units. Consumers wait their turn for room
/// in the shared queue in order, so a hot unit's backlog does not hold up
/// the others' messages. At shutdown, messages pulled but not handed over
/// are NAKed for another instance to take at once.
pub(crate) async fn consume_units<F, Fut>(pull: Pull, consumers: Vec<PullConsumer>, mut handle: F)
where
    F: FnMut(Batch) -> Fut,
    Fut: Future<Output = ()>,
{
    if consumers.len() <= 1 {
        if let Some(only) = consumers.into_iter().next() {
            pull.one(only, handle).await;
        }
        return;
    }
    let Pull { max_batch, shutdown } = pull;
    let per_unit = (max_batch / consumers.len()).clamp(MIN_PULL_PER_UNIT, max_batch.max(MIN_PULL_PER_UNIT));
    let (tx, mut rx) = mpsc::channel::<Message>(max_batch);
    let pullers: Vec<_> = consumers
        .into_iter()
        .map(|consumer| {
            let tx = tx.clone();
            let pull = Pull { max_batch: per_unit, shutdown: shutdown.clone() };
            tokio::spawn(pull.one(consumer, move |batch| {
                let tx = tx.clone();
                async move {
                    for msg in batch {
                        if let Err(mpsc::error::SendError(msg)) = tx.send(msg).await {
                            nak(&msg).await;
                        }
                    }
                }
            }))
        })
        .collect();
    drop(tx);
    let mut batch = Vec::with_capacity(max_batch);
    loop {
        let got = tokio::select! {
            _ = shutdown.cancelled() => break,
            n = rx.recv_many(&mut batch, max_batch) => n,
        };
        if got == 0 {
            break;
        }
        handle(std::mem::replace(&mut batch, Vec::with_capacity(max_batch))).await;
    }
    rx.close();
    while let Ok(msg) = rx.try_recv() {
        nak(&msg).await;
    }
    for puller in pullers {
        let _ = puller.await;
    }
}

async fn nak(msg: &Message) {
    if let Err(e) = msg.ack_with(AckKind::Nak(None)).await {
        tracing::debug!(error = %e, "nak at shutdown; redelivered after the ack wait instead");
    }
}
