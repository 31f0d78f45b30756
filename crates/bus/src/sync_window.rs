//! NATS's sync window as a producer sees it (`nats_sync_window_seconds`):
//! NATS may acknowledge a message before it is on disk, so the producer's
//! own durable record of it (an outbox row) must outlive the ack by the
//! window. Ending that record waits out the window in the background; a
//! process that dies first leaves the row, and its sweeper publishes the
//! message again (keyed, so nothing doubles). Ingest's pending posts and
//! reply's event outbox both end their rows here; classify, which has no
//! outbox, holds its acks instead ([`crate::Runner::run_holding_acks`]).

use std::fmt::Display;
use std::future::Future;
use std::time::Duration;

use tokio_util::task::TaskTracker;

#[derive(Clone, Debug, Default)]
pub struct SyncWindow {
    window: Duration,
    /// Records waiting out the window, for [`SyncWindow::settled`].
    waiting: TaskTracker,
}

impl SyncWindow {
    pub fn new(window: Duration) -> Self {
        Self { window, waiting: TaskTracker::new() }
    }

    pub fn duration(&self) -> Duration {
        self.window
    }

    /// Runs `end` (ending `what`'s records of acknowledged messages): at
    /// once with no window, returning its error; otherwise once the window
    /// has passed, in the background, where an error is logged and the
    /// records stay for the sweeper.
    pub async fn end_after<E: Display>(
        &self,
        what: &'static str,
        end: impl Future<Output = Result<(), E>> + Send + 'static,
    ) -> Result<(), E> {
        if self.window.is_zero() {
            return end.await;
        }
        let window = self.window;
        self.waiting.spawn(async move {
            tokio::time::sleep(window).await;
            if let Err(e) = end.await {
                tracing::warn!(error = %e, what, "ending records after the sync window; the sweeper publishes them again");
            }
        });
        Ok(())
    }

    /// How old an unended record must be for a sweeper to take it as left
    /// by a dead process: `floor`, and never inside the window.
    pub fn stale_after(&self, floor: Duration) -> Duration {
        floor.max(self.window + Duration::from_secs(1))
    }

    /// Waits until every record waiting out the window has ended (a
    /// short-lived process, such as a replay, calls it before it exits).
    pub async fn settled(&self) {
        self.waiting.close();
        self.waiting.wait().await;
        self.waiting.reopen();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test(start_paused = true)]
    async fn records_end_at_once_without_a_window_and_after_it_with_one() {
        let ended = Arc::new(AtomicBool::new(false));
        let end = |flag: Arc<AtomicBool>| async move {
            flag.store(true, Ordering::SeqCst);
            Ok::<(), String>(())
        };
        SyncWindow::default().end_after("test", end(ended.clone())).await.unwrap();
        assert!(ended.load(Ordering::SeqCst), "no window: ended before returning");

        let ended = Arc::new(AtomicBool::new(false));
        let window = SyncWindow::new(Duration::from_secs(1));
        window.end_after("test", end(ended.clone())).await.unwrap();
        assert!(!ended.load(Ordering::SeqCst), "a window: the record outlives the ack");
        window.settled().await;
        assert!(ended.load(Ordering::SeqCst), "ended once the window passed");
        assert_eq!(window.stale_after(Duration::from_millis(10)), Duration::from_secs(2));
        assert_eq!(window.stale_after(Duration::from_secs(30)), Duration::from_secs(30));
    }
}
