//! A supervised pull loop that hands the handler batches of whatever is
//! ready (up to a limit), so that a handler can write a batch to the
//! database in one statement and keep many publish acks in flight.

use std::future::Future;
use std::time::Duration;

use async_nats::jetstream::Message;
use async_nats::jetstream::consumer::PullConsumer;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

pub(crate) type Batch = Vec<Message>;

/// How long a pull request waits on the server for messages: an idle
/// consumer costs a request every 30 s; the client renews requests as
/// messages arrive, so a busy consumer never waits on the expiry.
const PULL_EXPIRY: Duration = Duration::from_secs(30);
/// The server's idle heartbeat on a pull. Without one a pull lost with a
/// NATS node (the request died with it) is noticed only at the expiry; two
/// missed heartbeats end the stream here and the pull is re-established at
/// once. A 60 s expiry and no heartbeat made a consumer stall for a minute
/// after a cluster node died (the server_faults test).
const PULL_HEARTBEAT: Duration = Duration::from_secs(5);

/// How a service pulls: the most messages a batch hands over, and when to
/// stop. The pull loops (one consumer here, many in `units.rs`) share it.
#[derive(Clone)]
pub(crate) struct Pull {
    /// At least 1 (the runner sees to it).
    pub max_batch: usize,
    pub shutdown: CancellationToken,
}

impl Pull {
    /// Pulls from `consumer` until shutdown, calling `handle` with each
    /// batch. The handler acks or NAKs every message itself. Stream errors
    /// (missed heartbeats, a broker restart) are logged and the pull is
    /// re-established; the loop ends only on shutdown. A batch already
    /// handed over is finished before the loop returns.
    pub(crate) async fn one<F, Fut>(self, consumer: PullConsumer, mut handle: F)
    where
        F: FnMut(Batch) -> Fut,
        Fut: Future<Output = ()>,
    {
        let Pull { max_batch, shutdown } = self;
        let mut backoff = Duration::from_millis(100);
        while !shutdown.is_cancelled() {
            let messages = match consumer
                .stream()
                .max_messages_per_batch(max_batch)
                .expires(PULL_EXPIRY)
                .heartbeat(PULL_HEARTBEAT)
                .messages()
                .await
            {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start pulling; retrying");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            let mut chunks = messages.ready_chunks(max_batch);
            loop {
                let chunk = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    next = chunks.next() => next,
                };
                let Some(chunk) = chunk else {
                    tracing::warn!("pull stream ended; re-establishing");
                    break;
                };
                let mut batch = Vec::with_capacity(chunk.len());
                for item in chunk {
                    match item {
                        Ok(m) => batch.push(m),
                        Err(e) => tracing::warn!(error = %e, "pull stream error"),
                    }
                }
                if !batch.is_empty() {
                    backoff = Duration::from_millis(100);
                    handle(batch).await;
                }
            }
        }
    }
}
