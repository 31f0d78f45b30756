//! `tvarit-desk watch`: the unit's live queue in the terminal, ordered by
//! SLA deadline with running countdowns, redrawn every second and on every
//! change; reconnects when the server restarts. With `--json` it prints
//! one object per change instead, for scripts.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tvarit_proto::CaseState;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Case, WatchQueueRequest};

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

fn draw(out: &mut dyn Write, unit: &str, cases: &HashMap<String, Case>) -> std::io::Result<()> {
    let now = Utc::now();
    let mut rows: Vec<&Case> = cases.values().collect();
    // Soonest deadline first; cases whose clock stopped (answered) last.
    rows.sort_by_key(|c| (at(&c.breach_at).is_none(), at(&c.breach_at), c.docket.clone()));
    write!(out, "\x1b[2J\x1b[H")?;
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
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tokio::select! {
                        update = stream.next() => {
                            let Some(Ok(update)) = update else { break };
                            if json {
                                render::update(out, &update, true)?;
                                continue;
                            }
                            if let Some(c) = update.case {
                                match c.state() {
                                    CaseState::Open | CaseState::InProcess => cases.insert(c.docket.clone(), c),
                                    _ => cases.remove(&c.docket),
                                };
                            }
                            draw(out, &unit, &cases)?;
                        }
                        _ = tick.tick(), if !json => draw(out, &unit, &cases)?,
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
}
