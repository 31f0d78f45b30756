//! Docket numbers readable on a phone: `<CODE>-<YYMM>-<5 digits>`, counted
//! per unit per month in the deployment's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The counter period (`YYMM`) a case opened at `at` belongs to.
pub fn period(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%y%m").to_string()
}

pub fn format(code: &str, period: &str, number: i32) -> String {
    format!("{code}-{period}-{number:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_is_cut_in_the_deployment_time_zone() {
        // 00:30 IST on 1 April 2026 is still 31 March in UTC.
        let at = DateTime::parse_from_rfc3339("2026-03-31T19:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(period(at, chrono_tz::Asia::Kolkata), "2604");
        assert_eq!(format("BLT", "2603", 42), "BLT-2603-00042");
    }
}
