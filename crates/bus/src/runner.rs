//! The one consumer runner every service uses: pull batches, decode each
//! message, terminate what cannot be decoded, hand the rest to the
//! service's handler, and ack or NAK each message by the handler's verdict.
//! A message whose verdict never comes (a handler that returned too few, a
//! batch dropped at shutdown, a later stage that went away) is NAKed by its
//! guard, so another instance takes it at once instead of after the ack wait.
//!
//! Every consumer exports the same series, labelled `consumer`:
//! `tvarit_consumer_messages_total{outcome}` (`acked`, `retried`,
//! `terminated`, `dropped`), `tvarit_consumer_undecodable_total`,
//! `tvarit_consumer_batches_total` and `tvarit_consumer_handle_seconds`.

use std::future::Future;
use std::time::{Duration, Instant};

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use async_nats::{HeaderMap, Subject};
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::{Pull, consume_units};

/// A decoded message as the handler sees it; the runner keeps the message.
#[derive(Debug)]
pub struct Delivery<T> {
    pub value: T,
    pub subject: Subject,
    /// Carries the trace context (see [`crate::context_from_headers`]).
    pub headers: Option<HeaderMap>,
}

/// What the handler decided for a message.
#[derive(Debug)]
pub enum Verdict {
    /// The work is committed.
    Ack,
    /// Not done; deliver again after this delay.
    Retry(Duration),
    /// Committed, but acknowledged only once a later stage (publishing the
    /// batch's events, say) sends; NAKed if that stage drops the sender.
    AckWhen(oneshot::Receiver<()>),
}

/// The handler's answer for a batch.
#[derive(Debug)]
pub enum Verdicts {
    /// One verdict for every message of the batch.
    All(Verdict),
    /// One verdict per message, in the order handed over; a message left
    /// without one is NAKed.
    Each(Vec<Verdict>),
}

/// Decodes a protobuf payload.
pub fn protobuf<T: prost::Message + Default>(payload: &[u8]) -> Result<T, String> {
    T::decode(payload).map_err(|e| e.to_string())
}

/// A consumer's name (its metrics label), batch size and decoder.
#[derive(Debug, Clone, Copy)]
pub struct Runner<T> {
    /// `<service>-<purpose>`; one label for all of a service's unit consumers.
    pub name: &'static str,
    pub max_batch: usize,
    /// Payload to value; an `Err` is a message no retry can help.
    pub decode: fn(&[u8]) -> Result<T, String>,
}

impl<T: Send + 'static> Runner<T> {
    /// Pulls from every consumer until `shutdown`, handing `handle` batches
    /// of decoded messages from any of them. A batch already handed over is
    /// finished before this returns.
    pub async fn run<F, Fut>(self, consumers: Vec<PullConsumer>, shutdown: CancellationToken, handle: F)
    where
        F: FnMut(Vec<Delivery<T>>) -> Fut,
        Fut: Future<Output = Verdicts>,
    {
        self.run_holding_acks(Duration::ZERO, consumers, shutdown, handle).await;
    }

    /// As [`Runner::run`], but each ack is sent `hold` after its verdict: a
    /// handler that published its output acks the input only once NATS has
    /// synced that output to disk (`nats_sync_window_seconds`), so a power
    /// cut that loses the output redelivers the input instead of losing it.
    /// Retries are sent at once.
    pub async fn run_holding_acks<F, Fut>(
        self,
        hold: Duration,
        consumers: Vec<PullConsumer>,
        shutdown: CancellationToken,
        mut handle: F,
    ) where
        F: FnMut(Vec<Delivery<T>>) -> Fut,
        Fut: Future<Output = Verdicts>,
    {
        let Runner { name, max_batch, decode } = self;
        // Acks waiting on a later stage; awaited before returning.
        let waiting = TaskTracker::new();
        let tracker = waiting.clone();
        consume_units(Pull { max_batch: max_batch.max(1), shutdown }, consumers, move |batch| {
            let (deliveries, guards, undecodable) = split(name, decode, batch);
            metrics::counter!("tvarit_consumer_batches_total", "consumer" => name).increment(1);
            let work = (!deliveries.is_empty()).then(|| handle(deliveries));
            let tracker = tracker.clone();
            async move {
                for guard in undecodable {
                    guard.settle(AckKind::Term, "terminated").await;
                }
                let Some(work) = work else { return };
                let started = Instant::now();
                let verdicts = work.await;
                metrics::histogram!("tvarit_consumer_handle_seconds", "consumer" => name)
                    .record(started.elapsed().as_secs_f64());
                settle(guards, verdicts, hold, &tracker).await;
            }
        })
        .await;
        // The handler is dropped by now, so a later stage it fed has its
        // last batch and ends; its acks go out before the service stops.
        waiting.close();
        waiting.wait().await;
    }
}

/// Decodes each message: the decoded ones as deliveries with their guards
/// in the same order, and the guards of those that cannot be decoded.
fn split<T>(
    name: &'static str,
    decode: fn(&[u8]) -> Result<T, String>,
    batch: Vec<Message>,
) -> (Vec<Delivery<T>>, Vec<Guard>, Vec<Guard>) {
    let mut deliveries = Vec::with_capacity(batch.len());
    let mut guards = Vec::with_capacity(batch.len());
    let mut undecodable = Vec::new();
    for msg in batch {
        match decode(msg.payload.as_ref()) {
            Ok(value) => {
                deliveries.push(Delivery { value, subject: msg.subject.clone(), headers: msg.headers.clone() });
                guards.push(Guard::new(name, msg));
            }
            Err(error) => {
                // A message no version of the publisher wrote: retrying cannot help.
                tracing::error!(consumer = name, subject = %msg.subject, %error, "undecodable message terminated");
                metrics::counter!("tvarit_consumer_undecodable_total", "consumer" => name).increment(1);
                undecodable.push(Guard::new(name, msg));
            }
        }
    }
    (deliveries, guards, undecodable)
}

async fn settle(guards: Vec<Guard>, verdicts: Verdicts, hold: Duration, tracker: &TaskTracker) {
    let verdicts = match verdicts {
        Verdicts::All(Verdict::Ack) if !hold.is_zero() => Verdicts::All(Verdict::AckWhen(ready())),
        Verdicts::Each(each) if !hold.is_zero() => Verdicts::Each(
            each.into_iter().map(|v| if matches!(v, Verdict::Ack) { Verdict::AckWhen(ready()) } else { v }).collect(),
        ),
        verdicts => verdicts,
    };
    match verdicts {
        Verdicts::All(Verdict::AckWhen(done)) => {
            // The runner goes on to the next batch while the stage works.
            tracker.spawn(async move {
                if done.await.is_ok() {
                    tokio::time::sleep(hold).await;
                    for guard in guards {
                        guard.settle(AckKind::Ack, "acked").await;
                    }
                }
            });
        }
        Verdicts::All(verdict) => {
            for guard in guards {
                guard.settle_by(&verdict).await;
            }
        }
        Verdicts::Each(verdicts) => {
            // A guard without a verdict is dropped here, and NAKs.
            for (guard, verdict) in guards.into_iter().zip(verdicts) {
                match verdict {
                    Verdict::AckWhen(done) => {
                        tracker.spawn(async move {
                            if done.await.is_ok() {
                                tokio::time::sleep(hold).await;
                                guard.settle(AckKind::Ack, "acked").await;
                            }
                        });
                    }
                    verdict => guard.settle_by(&verdict).await,
                }
            }
        }
    }
}

/// A stage that is already done: an ack that waits only for the hold.
fn ready() -> oneshot::Receiver<()> {
    let (done, ready) = oneshot::channel();
    let _ = done.send(());
    ready
}

/// A message not yet acked or NAKed; dropped unsettled, it NAKs (as wadm's
/// `ScopedMessage` does), so it is redelivered at once.
struct Guard {
    name: &'static str,
    msg: Option<Message>,
}

impl Guard {
    fn new(name: &'static str, msg: Message) -> Self {
        Self { name, msg: Some(msg) }
    }

    async fn settle_by(self, verdict: &Verdict) {
        match verdict {
            Verdict::Ack => self.settle(AckKind::Ack, "acked").await,
            Verdict::Retry(delay) => self.settle(AckKind::Nak(Some(*delay)), "retried").await,
            // Handled by the caller: it waits for the sender.
            Verdict::AckWhen(_) => {}
        }
    }

    async fn settle(mut self, kind: AckKind, outcome: &'static str) {
        let Some(msg) = self.msg.take() else { return };
        metrics::counter!("tvarit_consumer_messages_total", "consumer" => self.name, "outcome" => outcome).increment(1);
        // Not double_ack: a lost ack is a redelivery, which keyed writes absorb.
        if let Err(e) = msg.ack_with(kind).await {
            tracing::warn!(consumer = self.name, error = %e, outcome, "ack failed; the message will be redelivered");
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(msg) = self.msg.take() else { return };
        metrics::counter!("tvarit_consumer_messages_total", "consumer" => self.name, "outcome" => "dropped")
            .increment(1);
        // Outside a runtime (the process is ending) the ack wait redelivers it.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(e) = msg.ack_with(AckKind::Nak(None)).await {
                    tracing::debug!(error = %e, "nak of a dropped message; redelivered after the ack wait instead");
                }
            });
        }
    }
}
