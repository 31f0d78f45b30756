//! The timer's memory: the next marks of every live, unanswered case, in
//! deadline order. It only says when to wake; the database decides, at
//! firing time, whether the mark still applies.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use tvarit_proto::CaseState;
use tvarit_proto::time::datetime;
use tvarit_proto::v1::Case;
use tvarit_registry::{Registry, UnitKind};

use super::clock::{self, Mark};

#[derive(Default)]
struct Entry {
    /// mark → (deadline, when to try it: the deadline, or later after an error)
    pending: BTreeMap<Mark, (DateTime<Utc>, DateTime<Utc>)>,
    fired: HashSet<Mark>,
}

/// A mark whose time has come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub docket: String,
    pub unit: String,
    pub mark: Mark,
    pub due: DateTime<Utc>,
}

#[derive(Default)]
pub struct Schedule {
    cases: HashMap<String, (String, Entry)>,
    queue: BTreeSet<(DateTime<Utc>, String, Mark)>,
    /// The newest event applied per docket: an older one arriving late
    /// (another replica's publish, the outbox sweeper) is ignored.
    seen: HashMap<String, i64>,
}

impl Schedule {
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Cases with a mark still to come.
    pub fn len(&self) -> usize {
        self.cases.values().filter(|(_, e)| !e.pending.is_empty()).count()
    }

    /// Learns the case as of event `event_id` (`fired`: marks already
    /// recorded). Returns false for a stale event.
    pub fn update(&mut self, registry: &Registry, case: &Case, event_id: i64, fired: &[Mark]) -> bool {
        let docket = case.docket.clone();
        if self.seen.get(&docket).is_some_and(|&seen| event_id <= seen) {
            return false;
        }
        self.seen.insert(docket.clone(), event_id);
        let running = matches!(case.state(), CaseState::Open | CaseState::InProcess) && case.first_reply_at.is_none();
        let (policy, kind) = match (registry.sla(&case.unit), registry.unit(&case.unit)) {
            (Some(p), Some(u)) => (p, u.kind),
            _ => match registry.sla("hq") {
                Some(p) => (p, UnitKind::State),
                None => return true,
            },
        };
        let start = datetime(case.post.as_ref().and_then(|p| p.created_at.as_ref()))
            .or_else(|| datetime(case.opened_at.as_ref()));
        let (Some(start), true) = (start, running) else {
            self.remove(&docket);
            self.prune();
            return true;
        };
        let mut entry = self.take(&docket).unwrap_or_default();
        entry.fired.extend(fired.iter().copied());
        entry.fired.extend((1..=case.escalation_level).map(Mark::Escalation));
        let category = case.category().slug();
        let marks = clock::schedule(
            policy,
            category,
            kind,
            registry.time_zone(),
            start,
            datetime(case.goal_at.as_ref()),
            datetime(case.breach_at.as_ref()),
        );
        let old = std::mem::take(&mut entry.pending);
        for (due, mark) in marks.into_iter().filter(|(_, m)| !entry.fired.contains(m)) {
            // Keep a retry's later wake-up for a deadline that did not move.
            let wake = old.get(&mark).filter(|(d, _)| *d == due).map_or(due, |(_, w)| *w);
            entry.pending.insert(mark, (due, wake));
            self.queue.insert((wake, docket.clone(), mark));
        }
        self.cases.insert(docket, (case.unit.clone(), entry));
        true
    }

    /// Takes a case out of the queue, returning its entry.
    fn take(&mut self, docket: &str) -> Option<Entry> {
        let (_, entry) = self.cases.remove(docket)?;
        for (mark, (_, wake)) in &entry.pending {
            self.queue.remove(&(*wake, docket.to_owned(), *mark));
        }
        Some(entry)
    }

    pub fn remove(&mut self, docket: &str) {
        self.take(docket);
    }

    /// Forgets event ids of cases no longer scheduled once there are many.
    fn prune(&mut self) {
        if self.seen.len() > 50_000 {
            let cases = &self.cases;
            self.seen.retain(|docket, _| cases.contains_key(docket));
        }
    }

    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        self.queue.first().map(|(wake, _, _)| *wake)
    }

    /// The earliest mark due by `now`, taken off the queue (it stays
    /// pending until `done` or `retry`).
    pub fn pop_due(&mut self, now: DateTime<Utc>) -> Option<Due> {
        let (wake, _, _) = self.queue.first()?;
        if *wake > now {
            return None;
        }
        let (_, docket, mark) = self.queue.pop_first()?;
        let (unit, entry) = self.cases.get(&docket)?;
        let (due, _) = *entry.pending.get(&mark)?;
        Some(Due { docket: docket.clone(), unit: unit.clone(), mark, due })
    }

    /// The mark is recorded (here or elsewhere): never again for this case.
    pub fn done(&mut self, docket: &str, mark: Mark) {
        if let Some((_, entry)) = self.cases.get_mut(docket) {
            entry.pending.remove(&mark);
            entry.fired.insert(mark);
        }
    }

    /// Firing failed (database down): try again at `wake`.
    pub fn retry(&mut self, docket: &str, mark: Mark, wake: DateTime<Utc>) {
        if let Some((_, entry)) = self.cases.get_mut(docket)
            && let Some(slot) = entry.pending.get_mut(&mark)
        {
            slot.1 = wake;
            self.queue.insert((wake, docket.to_owned(), mark));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use tvarit_proto::time::from_datetime;
    use tvarit_proto::v1::Post;

    fn case(docket: &str, unit: &str, start: DateTime<Utc>) -> Case {
        Case {
            docket: docket.into(),
            unit: unit.into(),
            state: CaseState::Open as i32,
            post: Some(Post { created_at: Some(from_datetime(start)), ..Default::default() }),
            opened_at: Some(from_datetime(start)),
            ..Default::default()
        }
    }

    fn drain(s: &mut Schedule, now: DateTime<Utc>) -> Vec<(String, Mark)> {
        let mut out = Vec::new();
        while let Some(d) = s.pop_due(now) {
            s.done(&d.docket, d.mark);
            out.push((d.docket, d.mark));
        }
        out
    }

    #[test]
    fn marks_come_due_in_deadline_order_and_once() {
        let r = Registry::rajasthan();
        let mut s = Schedule::default();
        let t0 = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        assert!(s.update(&r, &case("HQ-1", "hq", t0), 1, &[]));
        assert!(s.update(&r, &case("HQ-2", "hq", t0 + Duration::seconds(10)), 2, &[]));
        assert_eq!(s.next_wake(), Some(t0 + Duration::seconds(90)));
        assert_eq!(drain(&mut s, t0 + Duration::seconds(89)), vec![]);
        let due = drain(&mut s, t0 + Duration::seconds(130));
        assert_eq!(
            due,
            vec![
                ("HQ-1".into(), Mark::Escalation(1)),
                ("HQ-2".into(), Mark::Escalation(1)),
                ("HQ-1".into(), Mark::Goal),
                ("HQ-2".into(), Mark::Goal),
            ]
        );
        // A later event about the case does not bring fired marks back.
        let mut claimed = case("HQ-1", "hq", t0);
        claimed.state = CaseState::InProcess as i32;
        assert!(s.update(&r, &claimed, 3, &[]));
        assert_eq!(s.next_wake(), Some(t0 + Duration::seconds(240)));
        // An answer stops the clock; a stale event is ignored.
        claimed.first_reply_at = Some(from_datetime(t0));
        assert!(s.update(&r, &claimed, 4, &[]));
        assert!(!s.update(&r, &case("HQ-1", "hq", t0), 3, &[]));
        assert_eq!(s.len(), 1);
        let rest = drain(&mut s, t0 + Duration::seconds(1000));
        assert_eq!(rest, vec![("HQ-2".into(), Mark::Escalation(2)), ("HQ-2".into(), Mark::Breach)]);
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn recorded_marks_and_levels_are_skipped_and_retries_wait() {
        let r = Registry::rajasthan();
        let mut s = Schedule::default();
        let t0 = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        let mut c = case("HQ-1", "hq", t0);
        c.escalation_level = 1;
        s.update(&r, &c, 1, &[Mark::Goal]);
        let d = s.pop_due(t0 + Duration::seconds(1000)).unwrap();
        assert_eq!((d.mark, d.due), (Mark::Escalation(2), t0 + Duration::seconds(240)));
        s.retry(&d.docket, d.mark, t0 + Duration::seconds(1001));
        assert_eq!(s.pop_due(t0 + Duration::seconds(1000)).map(|d| d.mark), Some(Mark::Breach));
        assert_eq!(s.next_wake(), Some(t0 + Duration::seconds(1001)));
    }

    #[test]
    fn a_district_case_out_of_shift_is_due_for_handoff_at_once() {
        let r = Registry::rajasthan();
        let mut s = Schedule::default();
        // 23:30 IST.
        let t0 = DateTime::parse_from_rfc3339("2026-11-03T23:30:00+05:30").unwrap().with_timezone(&Utc);
        s.update(&r, &case("BLT-1", "balotra", t0), 1, &[]);
        let d = s.pop_due(t0).unwrap();
        assert_eq!((d.mark, d.due, d.unit.as_str()), (Mark::Handoff, t0, "balotra"));
    }
}
