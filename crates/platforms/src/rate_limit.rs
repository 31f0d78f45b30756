//! X's `x-rate-limit-limit/remaining/reset` headers (reset in epoch
//! seconds; X sends no Retry-After).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimit {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    /// Epoch seconds when the window resets.
    pub reset: Option<u64>,
}

impl RateLimit {
    pub fn from_headers(h: &reqwest::header::HeaderMap) -> Self {
        let num = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse().ok());
        Self {
            limit: num("x-rate-limit-limit"),
            remaining: num("x-rate-limit-remaining"),
            reset: num("x-rate-limit-reset"),
        }
    }

    /// Time left until the window resets, from `now`.
    pub fn until_reset(&self, now: SystemTime) -> Option<Duration> {
        let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
        self.reset.map(|r| Duration::from_secs(r.saturating_sub(now)))
    }

    /// True when the window has no calls left.
    pub fn exhausted(&self) -> bool {
        self.remaining == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_x_headers_and_waits_until_reset() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-rate-limit-limit", "300".parse().unwrap());
        h.insert("x-rate-limit-remaining", "0".parse().unwrap());
        h.insert("x-rate-limit-reset", "1000060".parse().unwrap());
        let rl = RateLimit::from_headers(&h);
        assert_eq!(rl, RateLimit { limit: Some(300), remaining: Some(0), reset: Some(1_000_060) });
        assert!(rl.exhausted());
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(rl.until_reset(now), Some(Duration::from_secs(60)));
        assert_eq!(RateLimit::default().until_reset(now), None);
    }
}
