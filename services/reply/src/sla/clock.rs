//! The SLA clock of one case, as pure functions of its unit's policy: which
//! marks are due when, and whether a moment falls in a unit's shift.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use tvarit_proto::v1::CaseEventKind;
use tvarit_registry::{Shift, SlaPolicy, UnitKind};

/// A moment in a case's clock. The derived order breaks ties between marks
/// due at the same second: a handoff first, then goal, escalations, breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mark {
    /// A district case out of its shift is handed to HQ's 24×7 desk.
    Handoff,
    Goal,
    /// Escalation level `n` (1-based: step `n - 1` of the policy's ladder).
    Escalation(u32),
    Breach,
}

impl Mark {
    /// The key stored in `sla_marks.kind`.
    pub fn key(self) -> String {
        match self {
            Mark::Handoff => "handoff".into(),
            Mark::Goal => "goal".into(),
            Mark::Escalation(n) => format!("escalation:{n}"),
            Mark::Breach => "breach".into(),
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "handoff" => Some(Mark::Handoff),
            "goal" => Some(Mark::Goal),
            "breach" => Some(Mark::Breach),
            _ => key.strip_prefix("escalation:")?.parse().ok().map(Mark::Escalation),
        }
    }

    pub fn event_kind(self) -> CaseEventKind {
        match self {
            Mark::Handoff | Mark::Escalation(_) => CaseEventKind::Escalated,
            Mark::Goal => CaseEventKind::SlaGoalMissed,
            Mark::Breach => CaseEventKind::SlaBreached,
        }
    }
}

/// Every mark of a case of `category` whose clock started at `start` (the
/// post's platform time), with its deadline, in firing order. `goal_at` and
/// `breach_at` are the deadlines stamped on the case when it opened (else
/// computed here). An emergency climbs its own, shorter ladder.
pub fn schedule(
    policy: &SlaPolicy,
    category: &str,
    kind: UnitKind,
    tz: Tz,
    start: DateTime<Utc>,
    goal_at: Option<DateTime<Utc>>,
    breach_at: Option<DateTime<Utc>>,
) -> Vec<(DateTime<Utc>, Mark)> {
    let after = |secs: u32| start + Duration::seconds(secs.into());
    let mut marks = vec![
        (goal_at.unwrap_or_else(|| after(policy.goal_seconds)), Mark::Goal),
        (breach_at.unwrap_or_else(|| after(policy.breach_seconds)), Mark::Breach),
    ];
    for (i, step) in policy.ladder(category).iter().enumerate() {
        marks.push((after(step.after_seconds), Mark::Escalation(i as u32 + 1)));
    }
    // HQ is the last resort: only a district hands its cases over.
    if kind == UnitKind::District
        && let Some(at) = handoff_at(policy.shift, tz, start)
    {
        marks.push((at, Mark::Handoff));
    }
    marks.sort();
    marks
}

/// Whether `t` falls in `shift` (start inclusive, end exclusive), in `tz`.
pub fn in_shift(shift: Shift, tz: Tz, t: DateTime<Utc>) -> bool {
    match shift {
        Shift::Always => true,
        Shift::Hours { start, end } => {
            let local = t.with_timezone(&tz);
            let m = local.hour() * 60 + local.minute();
            if start < end { start <= m && m < end } else { m >= start || m < end }
        }
    }
}

/// When a district case whose clock started at `start` goes to HQ: at once
/// if it started out of shift, else when that shift ends. `None` round the
/// clock.
pub fn handoff_at(shift: Shift, tz: Tz, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let Shift::Hours { start: from, end } = shift else { return None };
    if !in_shift(shift, tz, start) {
        return Some(start);
    }
    let local = start.with_timezone(&tz);
    let m = local.hour() * 60 + local.minute();
    // A night shift that began yesterday ends today; otherwise the end is
    // later today, or (across midnight) tomorrow.
    let days = if from > end && m >= from { 1 } else { 0 };
    let date = local.date_naive() + Duration::days(days) + Duration::days((end / 1440).into());
    let time = NaiveTime::from_hms_opt((end % 1440) / 60, end % 60, 0)?;
    let naive = date.and_time(time);
    // A shift end in a DST gap is the first valid moment after it.
    let at = tz
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())?;
    Some(at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvarit_registry::{EscalationStep, Registry};

    const IST: Tz = chrono_tz::Asia::Kolkata;

    fn ist(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap();
        IST.from_local_datetime(&naive).unwrap().with_timezone(&Utc)
    }

    fn district() -> SlaPolicy {
        Registry::rajasthan().sla("balotra").unwrap().clone()
    }

    #[test]
    fn deadlines_follow_the_policy_from_the_post_time() {
        let start = ist("2026-11-03 10:00:00");
        let marks = schedule(&district(), "complaint", UnitKind::District, IST, start, None, None);
        let s = |secs| start + Duration::seconds(secs);
        // In shift until 22:00, so the handoff waits for the end of the shift.
        assert_eq!(
            marks,
            vec![
                (s(90), Mark::Escalation(1)),
                (s(120), Mark::Goal),
                (s(240), Mark::Escalation(2)),
                (s(300), Mark::Breach),
                (ist("2026-11-03 22:00:00"), Mark::Handoff),
            ]
        );
        // Deadlines stamped on the case win over the policy.
        let stamped = schedule(&district(), "complaint", UnitKind::District, IST, start, Some(s(5)), Some(s(7)));
        assert_eq!(stamped[0], (s(5), Mark::Goal));
        assert!(stamped.contains(&(s(7), Mark::Breach)));
    }

    #[test]
    fn an_emergency_climbs_its_own_ladder_up_to_hq() {
        let start = ist("2026-11-03 10:00:00");
        let s = |secs| start + Duration::seconds(secs);
        let marks = schedule(&district(), "emergency", UnitKind::District, IST, start, None, None);
        let escalations: Vec<_> = marks.iter().filter(|m| matches!(m.1, Mark::Escalation(_))).copied().collect();
        assert_eq!(
            escalations,
            vec![(s(60), Mark::Escalation(1)), (s(120), Mark::Escalation(2)), (s(180), Mark::Escalation(3))]
        );
        assert_eq!(district().ladder("emergency")[2].to, "hq");
    }

    #[test]
    fn ties_fire_goal_before_escalation_before_breach() {
        let policy = SlaPolicy {
            goal_seconds: 60,
            breach_seconds: 60,
            escalation: vec![EscalationStep { after_seconds: 60, to: "x".into() }],
            emergency_escalation: vec![],
            shift: Shift::Always,
        };
        let start = ist("2026-11-03 10:00:00");
        let kinds: Vec<Mark> = schedule(&policy, "complaint", UnitKind::District, IST, start, None, None)
            .into_iter()
            .map(|m| m.1)
            .collect();
        assert_eq!(kinds, vec![Mark::Goal, Mark::Escalation(1), Mark::Breach]);
    }

    #[test]
    fn hq_and_round_the_clock_units_are_never_handed_over() {
        let start = ist("2026-11-03 23:30:00");
        let hq = Registry::rajasthan().sla("hq").unwrap().clone();
        assert!(
            !schedule(&hq, "complaint", UnitKind::State, IST, start, None, None).iter().any(|m| m.1 == Mark::Handoff)
        );
        // A state unit given shift hours still has nobody above it.
        assert!(
            !schedule(&district(), "complaint", UnitKind::State, IST, start, None, None)
                .iter()
                .any(|m| m.1 == Mark::Handoff)
        );
        assert_eq!(handoff_at(Shift::Always, IST, start), None);
    }

    #[test]
    fn out_of_shift_cases_go_to_hq_at_once_in_local_time() {
        let shift = district().shift;
        // 23:30 IST is 18:00 UTC: in shift by UTC hours, out of it in IST.
        let late = ist("2026-11-03 23:30:00");
        assert!(!in_shift(shift, IST, late));
        assert_eq!(handoff_at(shift, IST, late), Some(late));
        // 00:30 IST on the 1st is still the previous day in UTC.
        let after_midnight = ist("2026-11-01 00:30:00");
        assert_eq!(after_midnight.format("%d %H:%M").to_string(), "31 19:00");
        assert!(!in_shift(shift, IST, after_midnight));
        assert_eq!(handoff_at(shift, IST, after_midnight), Some(after_midnight));
        // The edges: 08:00 is in, 22:00 is out, 07:59 and 21:59 as expected.
        assert!(!in_shift(shift, IST, ist("2026-11-03 07:59:59")));
        assert!(in_shift(shift, IST, ist("2026-11-03 08:00:00")));
        assert!(in_shift(shift, IST, ist("2026-11-03 21:59:59")));
        assert!(!in_shift(shift, IST, ist("2026-11-03 22:00:00")));
        assert_eq!(handoff_at(shift, IST, ist("2026-11-03 21:59:30")), Some(ist("2026-11-03 22:00:00")));
    }

    #[test]
    fn night_shifts_end_the_next_morning() {
        let night = Shift::parse("22:00-06:00").unwrap();
        assert!(in_shift(night, IST, ist("2026-11-03 23:30:00")));
        assert!(in_shift(night, IST, ist("2026-11-04 00:30:00")));
        assert!(!in_shift(night, IST, ist("2026-11-04 06:00:00")));
        assert_eq!(handoff_at(night, IST, ist("2026-11-03 23:30:00")), Some(ist("2026-11-04 06:00:00")));
        assert_eq!(handoff_at(night, IST, ist("2026-11-04 00:30:00")), Some(ist("2026-11-04 06:00:00")));
        assert_eq!(handoff_at(night, IST, ist("2026-11-04 12:00:00")), Some(ist("2026-11-04 12:00:00")));
        // A day that ends at midnight.
        let to_midnight = Shift::parse("08:00-24:00").unwrap();
        assert_eq!(handoff_at(to_midnight, IST, ist("2026-11-03 23:30:00")), Some(ist("2026-11-04 00:00:00")));
    }

    #[test]
    fn shift_hours_are_in_the_registry_time_zone() {
        let utc = chrono_tz::UTC;
        let shift = district().shift;
        let t = ist("2026-11-03 23:30:00"); // 18:00 UTC
        assert!(in_shift(shift, utc, t));
        assert!(!in_shift(shift, IST, t));
    }

    #[test]
    fn mark_keys_round_trip() {
        for m in [Mark::Handoff, Mark::Goal, Mark::Escalation(1), Mark::Escalation(12), Mark::Breach] {
            assert_eq!(Mark::from_key(&m.key()), Some(m));
        }
        assert_eq!(Mark::from_key("escalation:x"), None);
        assert_eq!(Mark::Goal.event_kind(), CaseEventKind::SlaGoalMissed);
        assert_eq!(Mark::Handoff.event_kind(), CaseEventKind::Escalated);
    }
}
