//! Times and durations as operators read them: IST clock times, short
//! durations, and the SLA countdown (the script keeps it running).

use chrono::{DateTime, Utc};
use prost_types::Timestamp;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::Case;

use crate::i18n::Lang;

/// Times are shown in IST, the deployment's zone.
pub const ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;

pub fn millis(t: &Option<Timestamp>) -> Option<i64> {
    t.as_ref().map(to_millis)
}

pub fn time(t: &Option<Timestamp>) -> Option<DateTime<Utc>> {
    millis(t).and_then(DateTime::from_timestamp_millis)
}

pub fn clock(t: &Option<Timestamp>) -> String {
    time(t).map_or_else(|| "–".into(), |t| t.with_timezone(&ZONE).format("%d %b %H:%M:%S IST").to_string())
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
    fn spans_read_like_a_clock() {
        assert_eq!(span(45), "0:45");
        assert_eq!(span(3723), "1:02:03");
        assert_eq!(seconds(Some(64.4)), "1:04");
        assert_eq!(seconds(None), "–");
    }
}
