//! `tvarit-desk watch`: the unit's live queue in the terminal, ordered by
//! SLA deadline with running countdowns, redrawn every second and on every
//! change; reconnects when the server restarts. A ringing emergency rings
//! the terminal bell once and stays on top until someone claims or
//! acknowledges it; escalation steps show there too. With `--json` it
//! prints one object per change instead, for scripts.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tvarit_proto::CaseState;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Case, CaseEventKind, QueueUpdate, WatchQueueRequest};

use crate::{authed, render};

fn at(t: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)))
}

fn span(secs: i64) -> String {
    let s = secs.abs();
    if s < 3600 { format!("{}m{:02}s", s / 60, s % 60) } else { format!("{}h{:02}m", s / 3600, s % 3600 / 60) }
}

/// `goal in 1m20s`, `BREACH in 3m00s`, `BREACHED 2m10s ago`, or `answered`.
pub fn countdown(c: &Case, now: DateTime<Utc>) -> String {
    match (at(&c.goal_at), at(&c.breach_at)) {
        (Some(goal), _) if goal > now => format!("goal in {}", span((goal - now).num_seconds())),
        (_, Some(breach)) if breach > now => format!("BREACH in {}", span((breach - now).num_seconds())),
        (_, Some(breach)) => format!("BREACHED {} ago", span((now - breach).num_seconds())),
        _ => "answered".into(),
    }
}

fn first_words(c: &Case) -> String {
    let text = c.post.as_ref().map_or("", |p| p.text.as_str());
    let mut words: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        words.push('…');
    }
    words.replace('\n', " ")
}

/// `⚠ EMERGENCY BLT-2611-00001 balotra: firing going on near the bus stand…`
pub fn alarm_line(c: &Case) -> String {
    format!("⚠ EMERGENCY {} {}: {}", c.docket, c.unit, first_words(c))
}

/// `↑ BLT-2611-00001 escalated to nodal officer (level 2) at 14:02:11 UTC`
pub fn escalation_line(c: &Case, now: DateTime<Utc>) -> String {
    format!(
        "↑ {} escalated to {} (level {}) at {}",
        c.docket,
        c.escalated_to,
        c.escalation_level,
        now.format("%H:%M:%S UTC")
    )
}

/// How many escalation steps stay on top.
const RECENT_ESCALATIONS: usize = 3;

/// The lines on top of the queue: one per ringing emergency, then the
/// latest escalation steps.
#[derive(Default)]
pub struct Alarms {
    ringing: BTreeMap<String, String>,
    escalations: VecDeque<String>,
}

impl Alarms {
    /// Takes in an update; true when it starts an alarm (ring the bell once).
    pub fn take(&mut self, u: &QueueUpdate, now: DateTime<Utc>) -> bool {
        let Some(c) = &u.case else { return false };
        if !u.snapshot && u.kind() == CaseEventKind::Escalated {
            self.escalations.push_back(escalation_line(c, now));
            if self.escalations.len() > RECENT_ESCALATIONS {
                self.escalations.pop_front();
            }
        }
        if !c.alarm {
            self.ringing.remove(&c.docket);
            return false;
        }
        self.ringing.insert(c.docket.clone(), alarm_line(c)).is_none()
    }

    pub fn lines(&self) -> impl Iterator<Item = &String> {
        self.ringing.values().chain(&self.escalations)
    }
}

fn draw(out: &mut dyn Write, unit: &str, cases: &HashMap<String, Case>, alarms: &Alarms) -> std::io::Result<()> {
    let now = Utc::now();
    let mut rows: Vec<&Case> = cases.values().collect();
    // Soonest deadline first; cases whose clock stopped (answered) last.
    rows.sort_by_key(|c| (at(&c.breach_at).is_none(), at(&c.breach_at), c.docket.clone()));
    write!(out, "\x1b[2J\x1b[H")?;
    for line in alarms.lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{unit}: {} open case(s), {}", rows.len(), now.format("%H:%M:%S UTC"))?;
    for c in rows {
        writeln!(out, "{:<20} {}", countdown(c, now), render::line(c))?;
    }
    out.flush()
}

pub async fn run(
    desk: &mut DeskClient<Channel>,
    token: &Option<String>,
    unit: String,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    loop {
        let req = authed(token, WatchQueueRequest { unit: unit.clone() })?;
        match desk.watch_queue(req).await {
            Ok(resp) => {
                let mut stream = resp.into_inner();
                let mut cases: HashMap<String, Case> = HashMap::new();
                let mut alarms = Alarms::default();
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tokio::select! {
                        update = stream.next() => {
                            let Some(Ok(update)) = update else { break };
                            if json {
                                render::update(out, &update, true)?;
                                continue;
                            }
                            if alarms.take(&update, Utc::now()) {
                                // The terminal's bell: someone at the desk hears it.
                                write!(out, "\x07")?;
                            }
                            if let Some(c) = update.case {
                                // HQ's watch also holds the district cases handed to it,
                                // until they leave HQ's hands.
                                let mine = c.unit == unit || (unit == "hq" && render::handed_to_hq(&c));
                                match c.state() {
                                    CaseState::Open | CaseState::InProcess if mine => cases.insert(c.docket.clone(), c),
                                    _ => cases.remove(&c.docket),
                                };
                            }
                            draw(out, &unit, &cases, &alarms)?;
                        }
                        _ = tick.tick(), if !json => draw(out, &unit, &cases, &alarms)?,
                    }
                }
            }
            Err(e) if !matches!(e.code(), tonic::Code::Unavailable | tonic::Code::Unknown) => return Err(e.into()),
            Err(_) => {}
        }
        eprintln!("watch: connection lost; reconnecting");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(goal: i64, breach: i64, now: DateTime<Utc>) -> Case {
        let ts =
            |s: i64| Some(tvarit_proto::time::from_millis((now + chrono::Duration::seconds(s)).timestamp_millis()));
        Case { goal_at: ts(goal), breach_at: ts(breach), ..Default::default() }
    }

    #[test]
    fn counts_down_to_the_goal_then_the_breach() {
        // Whole milliseconds, as timestamps travel.
        let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap();
        assert_eq!(countdown(&case(80, 260, now), now), "goal in 1m20s");
        assert_eq!(countdown(&case(-10, 170, now), now), "BREACH in 2m50s");
        assert_eq!(countdown(&case(-200, -20, now), now), "BREACHED 0m20s ago");
        assert_eq!(countdown(&Case::default(), now), "answered");
    }

    #[test]
    fn an_alarm_rings_once_stays_on_top_until_silenced_and_escalations_show() {
        let now = Utc::now();
        let text = "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road";
        let post = tvarit_proto::v1::Post { text: text.into(), ..Default::default() };
        let ringing = Case {
            docket: "BLT-1".into(),
            unit: "balotra".into(),
            alarm: true,
            post: Some(post),
            ..Default::default()
        };
        let update =
            |c: &Case, kind: CaseEventKind| QueueUpdate { case: Some(c.clone()), kind: kind as i32, snapshot: false };
        let mut alarms = Alarms::default();
        assert!(alarms.take(&update(&ringing, CaseEventKind::Opened), now), "a new alarm rings the bell");
        let escalated = Case { escalation_level: 1, escalated_to: "shift supervisor".into(), ..ringing.clone() };
        assert!(!alarms.take(&update(&escalated, CaseEventKind::Escalated), now), "already ringing: no second bell");
        let lines: Vec<&String> = alarms.lines().collect();
        assert!(lines[0].starts_with("⚠ EMERGENCY BLT-1 balotra: @SP_Balotra firing going on"), "{lines:?}");
        assert!(lines[0].ends_with('…'));
        assert!(lines[1].starts_with("↑ BLT-1 escalated to shift supervisor (level 1)"), "{lines:?}");
        let acked = Case { alarm: false, acknowledged_by: "meena".into(), ..escalated };
        assert!(!alarms.take(&update(&acked, CaseEventKind::Acknowledged), now));
        assert_eq!(alarms.lines().count(), 1, "the alarm line went; the escalation stays");
    }
}
