//! Pacific time, as far as YouTube's quota needs it: the project's daily
//! budget resets at midnight in Los Angeles, so a `quotaExceeded` is
//! retried after [`next_pacific_midnight`]. The zone's rules come from
//! chrono-tz's copy of the time-zone database.

use chrono::{DateTime, Days, TimeZone};
use chrono_tz::America::Los_Angeles;

/// The next midnight in America/Los_Angeles after `now` (Unix seconds),
/// when YouTube's daily quota resets.
pub fn next_pacific_midnight(now: i64) -> i64 {
    let tomorrow = DateTime::from_timestamp(now, 0)
        .map(|t| t.with_timezone(&Los_Angeles).date_naive())
        .and_then(|d| d.checked_add_days(Days::new(1)))
        .and_then(|d| d.and_hms_opt(0, 0, 0));
    // Midnight always exists in Los Angeles (the switches are at 02:00).
    tomorrow.and_then(|m| Los_Angeles.from_local_datetime(&m).earliest()).map_or(now + 86_400, |m| m.timestamp())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`; the error tests use it too.
    pub(in crate::youtube) fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp()
    }

    #[test]
    fn quota_resets_at_pacific_midnight_through_daylight_time() {
        let cases = [
            // Winter: PST, midnight is 08:00 UTC.
            ("2026-11-03T10:00:00Z", "2026-11-04T08:00:00Z"),
            ("2026-01-15T07:59:59Z", "2026-01-15T08:00:00Z"),
            ("2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z"),
            // Summer: PDT, midnight is 07:00 UTC.
            ("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z"),
            ("2026-07-01T07:00:00Z", "2026-07-02T07:00:00Z"),
            // The day before spring forward, and the day of it.
            ("2026-03-07T12:00:00Z", "2026-03-08T08:00:00Z"),
            ("2026-03-08T12:00:00Z", "2026-03-09T07:00:00Z"),
            // Fall back: Nov 1 2026 starts in PDT, Nov 2 in PST.
            ("2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z"),
            ("2026-11-01T12:00:00Z", "2026-11-02T08:00:00Z"),
            // India's evening is Pacific morning of the same day.
            ("2026-11-03T14:30:00Z", "2026-11-04T08:00:00Z"),
        ];
        for (now, want) in cases {
            assert_eq!(next_pacific_midnight(at(now)), at(want), "after {now}");
        }
    }
}
