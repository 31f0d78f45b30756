//! X's documented reconnect rules for the filtered stream: reconnect at
//! once after a drop; back off linearly (+250 ms, up to 16 s) on network
//! errors, exponentially from 5 s (up to 320 s) on HTTP errors, and
//! exponentially from 60 s on 429. The waits are the shared
//! `tvarit_backoff::Backoff`; what is X's own is which failure counts
//! where, and that a connection that holds starts all three over.

use std::time::Duration;

use tvarit_backoff::Backoff;

const NETWORK: Backoff = Backoff::linear(Duration::from_millis(250), Duration::from_secs(16));
const HTTP: Backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(320));
/// X names no cap for 429s; ten doublings (about 17 hours) stand for one.
const TOO_MANY: Backoff = Backoff::new(Duration::from_secs(60), Duration::from_secs(60 << 10));

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

/// Failed attempts of each kind since the last connection held.
#[derive(Debug, Default)]
pub struct Reconnect {
    network: u32,
    http: u32,
    too_many: u32,
}

impl Reconnect {
    /// A connection was established: start over.
    pub fn connected(&mut self) {
        *self = Reconnect::default();
    }

    /// How long to wait before the next attempt after `failure`.
    pub fn next(&mut self, failure: Failure) -> Duration {
        let (count, backoff) = match failure {
            Failure::Dropped => return Duration::ZERO,
            Failure::Network => (&mut self.network, NETWORK),
            Failure::Http => (&mut self.http, HTTP),
            Failure::TooMany => (&mut self.too_many, TOO_MANY),
        };
        *count = count.saturating_add(1);
        backoff.delay(*count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_xs_reconnect_schedule() {
        let mut b = Reconnect::default();
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
        for _ in 0..20 {
            b.next(Failure::TooMany);
        }
        assert_eq!(b.next(Failure::TooMany), Duration::from_secs(61_440));
        b.connected();
        assert_eq!(b.next(Failure::Http), Duration::from_secs(5));
        assert_eq!(b.next(Failure::Network), Duration::from_millis(250));
    }
}
