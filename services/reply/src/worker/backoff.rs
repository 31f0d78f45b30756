//! The one back-off of the delivery workers: doubling from a first wait to a
//! cap, no jitter (each item already waits on its own schedule in the
//! database, so retries do not arrive in lock-step). The arithmetic is
//! `backon`'s `ExponentialBuilder`; the workers do not use backon's retry
//! loops, because a retry here is a row coming due again, not a sleep in a
//! task that a crash would lose.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Attempts past this wait the cap anyway; bounds the walk below.
const LAST_STEP: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
}

impl Backoff {
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self { first, cap }
    }

    /// The wait after the `attempt`-th call failed (attempts count from 1;
    /// 0 or less is treated as the first).
    pub fn delay(&self, attempt: i32) -> Duration {
        let step = usize::try_from(attempt).unwrap_or(0).clamp(1, LAST_STEP);
        ExponentialBuilder::new()
            .with_min_delay(self.first.min(self.cap))
            .with_max_delay(self.cap)
            .with_factor(2.0)
            .without_max_times()
            .build()
            .nth(step - 1)
            .unwrap_or(self.cap)
    }
}
