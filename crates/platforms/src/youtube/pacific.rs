//! Pacific time, as far as YouTube's quota needs it: the project's daily
//! budget resets at midnight in Los Angeles, so a `quotaExceeded` is
//! retried after [`next_pacific_midnight`]. Plain calendar arithmetic on
//! Unix seconds (US daylight-time rules since 2007), so this crate needs no
//! time-zone database.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year of a day count since 1970-01-01.
fn year_of(days: i64) -> i64 {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

/// The `n`-th Sunday (1-based) of a month, as days since the epoch.
fn nth_sunday(y: i64, m: i64, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let weekday = (first + 4).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Sunday
    first + (7 - weekday) % 7 + 7 * (n - 1)
}

/// US daylight time (since 2007): from the second Sunday of March, 02:00
/// PST, to the first Sunday of November, 02:00 PDT, as Unix seconds.
fn pacific_dst_bounds(year: i64) -> (i64, i64) {
    let start = nth_sunday(year, 3, 2) * 86_400 + 10 * 3600;
    let end = nth_sunday(year, 11, 1) * 86_400 + 9 * 3600;
    (start, end)
}

/// The offset of Pacific time from UTC at `t` (Unix seconds): -7 h or -8 h.
fn pacific_offset(t: i64) -> i64 {
    let (start, end) = pacific_dst_bounds(year_of(t.div_euclid(86_400)));
    if (start..end).contains(&t) { -7 * 3600 } else { -8 * 3600 }
}

/// The next midnight in America/Los_Angeles after `now` (Unix seconds),
/// when YouTube's daily quota resets.
pub fn next_pacific_midnight(now: i64) -> i64 {
    let local_day = (now + pacific_offset(now)).div_euclid(86_400);
    let midnight_local = (local_day + 1) * 86_400;
    // Midnight comes before the 02:00 switch, so it is in whichever time
    // the day began in: take it as PST if that instant is standard time.
    let as_pst = midnight_local + 8 * 3600;
    if pacific_offset(as_pst) == -8 * 3600 { as_pst } else { midnight_local + 7 * 3600 }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Unix seconds of `YYYY-MM-DDTHH:MM:SSZ`; the error tests use it too.
    pub(in crate::youtube) fn at(s: &str) -> i64 {
        let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
        days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(at("2026-03-31T19:00:00Z"), 1_774_983_600);
        assert_eq!(year_of(days_from_civil(2026, 12, 31)), 2026);
        assert_eq!(year_of(days_from_civil(2027, 1, 1)), 2027);
        assert_eq!(year_of(days_from_civil(2024, 2, 29)), 2024);
        // Second Sunday of March 2026 is the 8th; first Sunday of November the 1st.
        assert_eq!(nth_sunday(2026, 3, 2), days_from_civil(2026, 3, 8));
        assert_eq!(nth_sunday(2026, 11, 1), days_from_civil(2026, 11, 1));
        assert_eq!(nth_sunday(2025, 3, 2), days_from_civil(2025, 3, 9));
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
