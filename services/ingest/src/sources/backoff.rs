//! X's documented reconnect rules for the filtered stream: reconnect at
//! once after a drop; back off linearly (+250 ms, up to 16 s) on network
//! errors, exponentially from 5 s (up to 320 s) on HTTP errors, and
//! exponentially from 60 s on 429.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The connection was up and then dropped, or X said goodbye in band.
    Dropped,
    /// TCP/TLS error, or a stall (no byte for the stall timeout).
    Network,
    /// An HTTP error status other than 429.
    Http,
    /// 429: too many connections or requests.
    TooMany,
}

#[derive(Debug, Default)]
pub struct Backoff {
    network: u32,
    http: u32,
    too_many: u32,
}

impl Backoff {
    /// A connection was established: start over.
    pub fn connected(&mut self) {
        *self = Backoff::default();
    }

    /// How long to wait before the next attempt after `failure`.
    pub fn next(&mut self, failure: Failure) -> Duration {
        match failure {
            Failure::Dropped => Duration::ZERO,
            Failure::Network => {
                self.network += 1;
                Duration::from_millis(250 * u64::from(self.network)).min(Duration::from_secs(16))
            }
            Failure::Http => {
                self.http += 1;
                (Duration::from_secs(5) * 2u32.saturating_pow(self.http - 1)).min(Duration::from_secs(320))
            }
            Failure::TooMany => {
                self.too_many += 1;
                Duration::from_secs(60) * 2u32.saturating_pow((self.too_many - 1).min(10))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_xs_reconnect_schedule() {
        let mut b = Backoff::default();
        assert_eq!(b.next(Failure::Dropped), Duration::ZERO);
        let net: Vec<_> = (0..3).map(|_| b.next(Failure::Network).as_millis()).collect();
        assert_eq!(net, [250, 500, 750]);
        for _ in 0..100 {
            b.next(Failure::Network);
        }
        assert_eq!(b.next(Failure::Network), Duration::from_secs(16));
        let http: Vec<_> = (0..8).map(|_| b.next(Failure::Http).as_secs()).collect();
        assert_eq!(http, [5, 10, 20, 40, 80, 160, 320, 320]);
        let many: Vec<_> = (0..3).map(|_| b.next(Failure::TooMany).as_secs()).collect();
        assert_eq!(many, [60, 120, 240]);
        b.connected();
        assert_eq!(b.next(Failure::Http), Duration::from_secs(5));
    }
}
