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

/// How long a pull request waits on the server for messages. Long, so an
/// idle consumer costs a request a minute rather than a round trip a
/// moment; the client renews requests as messages arrive and reissues them
/// after a reconnect, so a busy consumer never waits on the expiry.
const PULL_EXPIRY: Duration = Duration::from_secs(60);

/// Pulls from `consumer` until `shutdown`, calling `handle` with each batch.
/// The handler acks or NAKs every message itself. Stream errors (missed
/// heartbeats, a broker restart) are logged and the pull is re-established;
/// the loop ends only on shutdown. A batch already handed over is finished
/// before the loop returns.
pub(crate) async fn consume_batches<F, Fut>(
    consumer: PullConsumer,
    max_batch: usize,
    shutdown: CancellationToken,
    mut handle: F,
) where
    F: FnMut(Batch) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_cancelled() {
        let messages = match consumer.stream().max_messages_per_batch(max_batch).expires(PULL_EXPIRY).messages().await {
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
