//! "Someone else is on this case": who has a case's page open, kept in the
//! console's memory. The page says so when it loads, and its script asks
//! again every 10 s (`/cases/{docket}/presence`), which also keeps its
//! viewer listed; a viewer not heard from for 30 s has left. One console
//! process sees its own viewers only (docs/console.md says so); nothing is
//! written anywhere, as a glance at a case is not an action to audit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A page pings every 10 s; three missed pings and the viewer is gone.
const GONE_AFTER: Duration = Duration::from_secs(30);

#[derive(Clone, Default)]
pub struct Presence {
    /// docket → viewer → last heard.
    inner: Arc<Mutex<HashMap<String, HashMap<String, Instant>>>>,
}

impl Presence {
    /// Notes that `me` has `docket` open; returns the others who do, by name.
    pub fn viewing(&self, docket: &str, me: &str) -> Vec<String> {
        self.viewing_at(docket, me, Instant::now())
    }

    fn viewing_at(&self, docket: &str, me: &str, now: Instant) -> Vec<String> {
        let mut all = self.inner.lock().expect("presence lock");
        // Forget stale viewers everywhere, so the map holds only open pages.
        all.retain(|_, viewers| {
            viewers.retain(|_, seen| now.duration_since(*seen) < GONE_AFTER);
            !viewers.is_empty()
        });
        let viewers = all.entry(docket.to_owned()).or_default();
        viewers.insert(me.to_owned(), now);
        let mut others: Vec<String> = viewers.keys().filter(|v| *v != me).cloned().collect();
        others.sort();
        others
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn others_are_listed_until_they_stop_asking() {
        let p = Presence::default();
        let t0 = Instant::now();
        assert!(p.viewing_at("BLT-1", "asha", t0).is_empty());
        assert_eq!(p.viewing_at("BLT-1", "ravi", t0 + Duration::from_secs(1)), ["asha"]);
        assert!(p.viewing_at("BLT-2", "asha", t0).is_empty(), "another case");
        assert_eq!(p.viewing_at("BLT-1", "asha", t0 + Duration::from_secs(20)), ["ravi"]);
        // ravi last asked at 1 s: gone at 31 s.
        assert!(p.viewing_at("BLT-1", "asha", t0 + Duration::from_secs(32)).is_empty());
    }
}
