//! How long to wait between polls. Quota, not request rate, limits
//! YouTube: each page read costs a unit of the project's daily budget, so
//! the wait grows with the pages the last poll read and the number of
//! channels sharing the budget, and a share is always left for replies.

use std::time::Duration;

/// The share of the daily quota polling may spend; the rest is for replies.
pub const POLL_SHARE: f64 = 0.8;

/// The wait after a poll that read `pages` pages, so that `channels`
/// channels polled alike spend at most [`POLL_SHARE`] of `daily_quota`
/// units a day: `86400 × pages / (Q × 0.8 / N)` seconds.
pub fn poll_interval(daily_quota: u32, channels: usize, pages: u32) -> Duration {
    let per_channel = f64::from(daily_quota) * POLL_SHARE / channels.max(1) as f64;
    if per_channel < 1.0 {
        return Duration::from_secs(86_400);
    }
    Duration::from_secs_f64(86_400.0 * f64::from(pages.max(1)) / per_channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_keeps_polling_within_the_quota_share() {
        // 10,000 units, one channel, one page a poll: 8,000 polls a day.
        assert_eq!(poll_interval(10_000, 1, 1), Duration::from_secs_f64(10.8));
        // Four channels share it; a poll that read 3 pages waits 3 times as long.
        assert_eq!(poll_interval(10_000, 4, 3), Duration::from_secs_f64(129.6));
        // Polls at this pace for a day spend at most 80% of the quota.
        let per_day = 86_400.0 / poll_interval(10_000, 5, 1).as_secs_f64() * 5.0;
        assert!(per_day <= 8_000.0 + 1e-6, "{per_day}");
        assert_eq!(poll_interval(0, 1, 1), Duration::from_secs(86_400));
        assert_eq!(poll_interval(10_000, 0, 0), poll_interval(10_000, 1, 1));
    }
}
