//! The one back-off: the wait after the n-th failed attempt, growing from a
//! first wait to a cap, no jitter. Reply's delivery worker and ingest's X
//! stream share it, so no service imports another.
//!
//! Stateless on purpose: the caller counts attempts (reply in the database,
//! so a crash does not forget them; ingest's stream in memory, starting over
//! when a connection holds). Doubling is `backon`'s `ExponentialBuilder`;
//! nobody uses backon's retry loops, because a retry is a row coming due
//! again or a reconnect loop that also watches for shutdown.
//!
//! No jitter: reply's items each wait on their own schedule in the
//! database, and ingest keeps one stream connection, so retries do not
//! arrive in lock-step; X's reconnect rules are given without jitter too.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

/// Attempts past this wait the cap anyway; bounds the walk below.
const LAST_STEP: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Growth {
    Doubling,
    Linear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    growth: Growth,
}

impl Backoff {
    /// `first`, then twice the last wait, up to `cap`.
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self { first, cap, growth: Growth::Doubling }
    }

    /// `step` more each attempt (`step`, 2×`step`, …), up to `cap`: X's rule
    /// for network errors on its stream. backon has no linear builder, so
    /// this one is a multiplication.
    pub const fn linear(step: Duration, cap: Duration) -> Self {
        Self { first: step, cap, growth: Growth::Linear }
    }

    /// The wait after the `attempt`-th call failed (attempts count from 1;
    /// 0 or less is treated as the first).
    pub fn delay(&self, attempt: impl TryInto<usize>) -> Duration {
        let step = attempt.try_into().unwrap_or(0).clamp(1, LAST_STEP);
        match self.growth {
            Growth::Linear => self.first.saturating_mul(step as u32).min(self.cap),
            Growth::Doubling => ExponentialBuilder::new()
                .with_min_delay(self.first.min(self.cap))
                .with_max_delay(self.cap)
                .with_factor(2.0)
                .without_max_times()
                .build()
                .nth(step - 1)
                .unwrap_or(self.cap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_from_its_first_wait_to_its_cap() {
        let platform = Backoff::new(Duration::from_secs(2), Duration::from_secs(300));
        let secs: Vec<u64> = (0..=11).map(|a| platform.delay(a).as_secs()).collect();
        assert_eq!(secs, vec![2, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        let control_room = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let secs: Vec<u64> = (1..=9).map(|a| control_room.delay(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(control_room.delay(i32::MAX), Duration::from_secs(60));
        assert_eq!(control_room.delay(-3), Duration::from_secs(1));
        let store = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
        let ms: Vec<u128> = (1..=7u32).map(|a| store.delay(a).as_millis()).collect();
        assert_eq!(ms, vec![200, 400, 800, 1600, 3200, 5000, 5000]);
    }

    #[test]
    fn linear_adds_a_step_each_attempt_up_to_its_cap() {
        let network = Backoff::linear(Duration::from_millis(250), Duration::from_secs(16));
        let ms: Vec<u128> = (1..=3u32).map(|a| network.delay(a).as_millis()).collect();
        assert_eq!(ms, vec![250, 500, 750]);
        assert_eq!(network.delay(64u32), Duration::from_secs(16));
        assert_eq!(network.delay(u32::MAX), Duration::from_secs(16));
    }
}
