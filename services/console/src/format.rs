//! Times and durations as operators read them: clock times in the
//! deployment's time zone (the registry's `time_zone`, IST for Rajasthan)
//! with month and weekday names in the interface language, short durations,
//! and the SLA countdown (the script keeps it running).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use prost_types::Timestamp;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::Case;

use crate::i18n::Lang;

const MONTHS_HI: [&str; 12] =
    ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"];
const WEEKDAYS_HI: [&str; 7] = ["सोमवार", "मंगलवार", "बुधवार", "गुरुवार", "शुक्रवार", "शनिवार", "रविवार"];

pub fn millis(t: &Option<Timestamp>) -> Option<i64> {
    t.as_ref().map(to_millis)
}

pub fn time(t: &Option<Timestamp>) -> Option<DateTime<Utc>> {
    millis(t).and_then(DateTime::from_timestamp_millis)
}

/// The zone's short name now (`IST`; `+0545` for a zone without one), for
/// labels such as "Time (IST)".
pub fn zone_name(zone: Tz) -> String {
    Utc::now().with_timezone(&zone).format("%Z").to_string()
}

/// `03 Dec` / `03 दिसंबर`, with the year when asked.
pub fn date(lang: Lang, d: NaiveDate, year: bool) -> String {
    let month = match lang {
        Lang::En => d.format("%b").to_string(),
        Lang::Hi => MONTHS_HI[d.month0() as usize].to_owned(),
    };
    if year { format!("{:02} {month} {}", d.day(), d.year()) } else { format!("{:02} {month}", d.day()) }
}

/// `November 2026` / `नवंबर 2026`.
pub fn month(lang: Lang, d: NaiveDate) -> String {
    match lang {
        Lang::En => d.format("%B %Y").to_string(),
        Lang::Hi => format!("{} {}", MONTHS_HI[d.month0() as usize], d.year()),
    }
}

/// `Mon 30 Nov 2026` / `सोमवार 30 नवंबर 2026`: a calendar day's heading.
pub fn day(lang: Lang, d: NaiveDate) -> String {
    let weekday = match lang {
        Lang::En => d.format("%a").to_string(),
        Lang::Hi => WEEKDAYS_HI[d.weekday().num_days_from_monday() as usize].to_owned(),
    };
    format!("{weekday} {}", date(lang, d, true))
}

/// `03 Dec 14:02:11 IST`, in the deployment's zone.
pub fn clock(lang: Lang, zone: Tz, t: &Option<Timestamp>) -> String {
    time(t).map_or_else(
        || "–".into(),
        |t| {
            let local = t.with_timezone(&zone);
            format!("{} {}", date(lang, local.date_naive(), false), local.format("%H:%M:%S %Z"))
        },
    )
}

/// `30 Nov 2026 18:00 IST`: a date with its year and a minute.
pub fn minute(lang: Lang, zone: Tz, t: DateTime<Utc>) -> String {
    let local = t.with_timezone(&zone);
    format!("{} {}", date(lang, local.date_naive(), true), local.format("%H:%M %Z"))
}

/// `0:45`, `4:05`, `1:02:03`.
pub fn span(secs: i64) -> String {
    let s = secs.abs();
    if s < 3600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

pub fn seconds(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |s| span(s.round() as i64))
}

/// Where a case stands against its SLA now: `ok` before the goal, `amber`
/// between goal and breach, `red` past the breach, `done` once answered.
pub fn sla(c: &Case, now_ms: i64, lang: Lang) -> (&'static str, String) {
    let fill = |key: &str, secs: i64| lang.t(key).replace("{t}", &span(secs));
    match (millis(&c.goal_at), millis(&c.breach_at)) {
        (Some(goal), _) if goal > now_ms => ("ok", fill("sla.goal_in", (goal - now_ms) / 1000)),
        (_, Some(breach)) if breach > now_ms => ("amber", fill("sla.breach_in", (breach - now_ms) / 1000)),
        (_, Some(breach)) => ("red", fill("sla.breached", (now_ms - breach) / 1000)),
        _ => ("done", lang.t("sla.answered").to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::time::from_millis;

    use super::*;

    fn case(goal: i64, breach: i64) -> Case {
        Case { goal_at: Some(from_millis(goal)), breach_at: Some(from_millis(breach)), ..Default::default() }
    }

    #[test]
    fn turns_amber_at_the_goal_and_red_at_the_breach() {
        let now = 1_000_000_000;
        assert_eq!(sla(&case(now + 80_000, now + 260_000), now, Lang::En), ("ok", "goal in 1:20".into()));
        assert_eq!(sla(&case(now, now + 180_000), now, Lang::En), ("amber", "breach in 3:00".into()));
        assert_eq!(sla(&case(now - 200_000, now - 20_000), now, Lang::En), ("red", "breached 0:20 ago".into()));
        assert_eq!(sla(&Case::default(), now, Lang::Hi).0, "done");
        assert_eq!(sla(&case(now - 1, now + 60_000), now, Lang::Hi).1, "सीमा 1:00 में");
    }

    #[test]
    fn times_are_shown_in_the_registry_zone_with_names_in_the_interface_language() {
        let t = Some(tvarit_proto::time::from_millis(1_796_220_131_000)); // 2026-12-02 14:02:11 UTC
        assert_eq!(clock(Lang::En, chrono_tz::Asia::Kolkata, &t), "02 Dec 19:32:11 IST");
        assert_eq!(clock(Lang::Hi, chrono_tz::Asia::Kolkata, &t), "02 दिसंबर 19:32:11 IST");
        assert_eq!(clock(Lang::En, chrono_tz::Asia::Kathmandu, &t), "02 Dec 19:47:11 +0545");
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(day(Lang::Hi, d), "सोमवार 30 नवंबर 2026");
        assert_eq!(day(Lang::En, d), "Mon 30 Nov 2026");
        assert_eq!(zone_name(chrono_tz::Asia::Kolkata), "IST");
    }

    #[test]
    fn spans_read_like_a_clock() {
        assert_eq!(span(45), "0:45");
        assert_eq!(span(3723), "1:02:03");
        assert_eq!(seconds(Some(64.4)), "1:04");
        assert_eq!(seconds(None), "–");
    }
}
