//! The `Metrics` commands: the monthly leaderboard, figures over a period,
//! a case's timeline and coverage now. JSON field names are a contract:
//! extend, never rename.

use std::io::Write;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{Subcommand, ValueEnum};
use serde_json::{Value, json};
use tvarit_proto::time::{from_datetime, to_millis};
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::{
    CaseTimelineRequest, CoverageRequest, LeaderboardRequest, LeaderboardResponse, StatsGroup, StatsRequest,
    TimelineEvent,
};

use crate::{authed, channel};

#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    Unit,
    Operator,
    Category,
    Shift,
    Account,
}

#[derive(Subcommand)]
pub enum MetricsCommand {
    /// HQ's monthly ranking of units by first response time, with rank change.
    Leaderboard {
        /// YYYY-MM in the deployment's time zone.
        #[arg(long)]
        month: String,
        /// The ranking of accounts (one row per handle) instead of units.
        #[arg(long)]
        accounts: bool,
    },
    /// First response figures over a period (post time), grouped.
    Stats {
        /// A unit; all units when left out.
        #[arg(long)]
        unit: Option<String>,
        /// YYYY-MM-DD (midnight in the deployment's zone) or RFC 3339, inclusive.
        #[arg(long, value_parser = parse_time)]
        from: DateTime<Utc>,
        /// YYYY-MM-DD (midnight in the deployment's zone) or RFC 3339, exclusive.
        #[arg(long, value_parser = parse_time)]
        to: DateTime<Utc>,
        #[arg(long, value_enum, default_value = "unit")]
        by: By,
    },
    /// A case's events with their times.
    Timeline { docket: String },
    /// Open cases per unit now, the oldest waiting case, units with nobody on shift.
    Coverage {
        /// An operator acted in the unit within this many minutes (default: the service's).
        #[arg(long, default_value_t = 0)]
        window_minutes: u32,
    },
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d =
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("{s:?} is neither YYYY-MM-DD nor RFC 3339"))?;
    crate::zone::zone()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{s:?} has no midnight"))
}

fn rfc3339(t: &Option<prost_types::Timestamp>) -> Value {
    t.as_ref()
        .and_then(|t| DateTime::from_timestamp_millis(to_millis(t)))
        .map_or(Value::Null, |t| json!(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
}

/// ` → nodal officer: "viral"`, ` complaint→emergency normal→critical`.
fn timeline_detail(e: &TimelineEvent) -> String {
    let mut out = String::new();
    if !e.escalated_to.is_empty() {
        out.push_str(&format!(" → {}", e.escalated_to));
    }
    if let Some(r) = &e.relabel {
        out.push_str(&format!(
            " {}→{} {}→{}",
            r.from_category().slug(),
            r.to_category().slug(),
            r.from_urgency().slug(),
            r.to_urgency().slug()
        ));
    }
    if !e.note.is_empty() {
        out.push_str(&format!(": {:?}", e.note));
    }
    out
}

fn secs(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |s| format!("{s:.1}s"))
}

pub async fn run(
    cmd: MetricsCommand,
    server: &str,
    token: &Option<String>,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    let mut client = MetricsClient::new(channel(server).await?);
    match cmd {
        MetricsCommand::Leaderboard { month, accounts } => {
            let mut board = client.leaderboard(authed(token, LeaderboardRequest { month })?).await?.into_inner();
            if accounts {
                board.rows = std::mem::take(&mut board.accounts);
            }
            leaderboard(out, &board, json)?;
        }
        MetricsCommand::Stats { unit, from, to, by } => {
            let group_by = match by {
                By::Unit => StatsGroup::Unit,
                By::Operator => StatsGroup::Operator,
                By::Category => StatsGroup::Category,
                By::Shift => StatsGroup::Shift,
                By::Account => StatsGroup::Account,
            };
            let req = StatsRequest {
                unit: unit.unwrap_or_default(),
                from: Some(from_datetime(from)),
                to: Some(from_datetime(to)),
                group_by: group_by as i32,
            };
            let stats = client.stats(authed(token, req)?).await?.into_inner();
            if !json {
                writeln!(
                    out,
                    "{:<20} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>6} {:>7} {:>8} {:>5}",
                    stats.group_by,
                    "cases",
                    "answered",
                    "median",
                    "mean",
                    "p90",
                    "max",
                    "goal%",
                    "breach%",
                    "lag",
                    "esc"
                )?;
            }
            for r in &stats.rows {
                if json {
                    let row = json!({
                        "group_by": stats.group_by, "key": r.key, "cases": r.cases, "answered": r.answered,
                        "unanswered": r.unanswered, "median_frt_s": r.median_frt_s, "mean_frt_s": r.mean_frt_s,
                        "p90_frt_s": r.p90_frt_s, "max_frt_s": r.max_frt_s, "within_goal_share": r.within_goal_share,
                        "within_breach_share": r.within_breach_share, "mean_ingest_lag_s": r.mean_ingest_lag_s,
                        "max_ingest_lag_s": r.max_ingest_lag_s, "sla_goal_missed": r.sla_goal_missed,
                        "sla_breaches": r.sla_breaches, "escalations": r.escalations,
                    });
                    writeln!(out, "{row}")?;
                } else {
                    writeln!(
                        out,
                        "{:<20} {:>6} {:>8} {:>9} {:>9} {:>9} {:>9} {:>5.1}% {:>6.1}% {:>8} {:>5}",
                        if r.key.is_empty() { "(none)" } else { &r.key },
                        r.cases,
                        r.answered,
                        secs(r.median_frt_s),
                        secs(r.mean_frt_s),
                        secs(r.p90_frt_s),
                        secs(r.max_frt_s),
                        r.within_goal_share * 100.0,
                        r.within_breach_share * 100.0,
                        secs(r.mean_ingest_lag_s),
                        r.escalations
                    )?;
                }
            }
        }
        MetricsCommand::Timeline { docket } => {
            let t = client.case_timeline(authed(token, CaseTimelineRequest { docket })?).await?.into_inner();
            let events: Vec<Value> = t
                .events
                .iter()
                .map(|e| {
                    let relabel = e.relabel.as_ref().map(|r| {
                        json!({ "from_category": r.from_category().slug(), "to_category": r.to_category().slug(),
                                "from_urgency": r.from_urgency().slug(), "to_urgency": r.to_urgency().slug() })
                    });
                    json!({ "event_id": e.event_id, "kind": e.kind, "at": rfc3339(&e.at), "actor": e.actor,
                            "note": (!e.note.is_empty()).then_some(&e.note),
                            "escalated_to": (!e.escalated_to.is_empty()).then_some(&e.escalated_to),
                            "relabel": relabel })
                })
                .collect();
            let v = json!({
                "docket": t.docket, "unit": t.unit, "posted_at": rfc3339(&t.posted_at),
                "received_at": rfc3339(&t.received_at), "first_reply_at": rfc3339(&t.first_reply_at),
                "frt_s": t.frt_s, "replied_by": t.replied_by, "events": events,
            });
            if json {
                writeln!(out, "{v}")?;
            } else {
                writeln!(
                    out,
                    "{} ({}) posted {} · FRT {} by {}",
                    t.docket,
                    t.unit,
                    v["posted_at"],
                    secs(t.frt_s),
                    t.replied_by
                )?;
                for e in &t.events {
                    let at = e.at.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)));
                    writeln!(
                        out,
                        "  {}  {:<16} {:<10}{}",
                        at.map_or_else(|| "-".into(), crate::render::shown),
                        e.kind,
                        e.actor,
                        timeline_detail(e)
                    )?;
                }
            }
        }
        MetricsCommand::Coverage { window_minutes } => {
            let c = client.coverage(authed(token, CoverageRequest { window_minutes })?).await?.into_inner();
            for u in &c.units {
                if json {
                    let row = json!({
                        "unit": u.unit, "open_cases": u.open_cases,
                        "oldest_waiting_docket": (!u.oldest_waiting_docket.is_empty()).then_some(&u.oldest_waiting_docket),
                        "oldest_waiting_since": rfc3339(&u.oldest_waiting_since),
                        "operators_on_shift": u.operators_on_shift, "window_minutes": c.window_minutes,
                    });
                    writeln!(out, "{row}")?;
                } else if u.open_cases > 0 || !u.operators_on_shift.is_empty() {
                    let on =
                        if u.operators_on_shift.is_empty() { "NOBODY".into() } else { u.operators_on_shift.join(",") };
                    writeln!(
                        out,
                        "{:<18} open {:>4}  oldest {:<16} on shift: {on}",
                        u.unit, u.open_cases, u.oldest_waiting_docket
                    )?;
                }
            }
            if !json {
                writeln!(out, "nobody on shift (last {} min): {}", c.window_minutes, c.units_uncovered.join(", "))?;
            }
        }
    }
    Ok(())
}

pub fn leaderboard(out: &mut dyn Write, b: &LeaderboardResponse, as_json: bool) -> std::io::Result<()> {
    if as_json {
        for r in &b.rows {
            let mut row = json!({
                "month": b.month, "rank": r.rank, "unit": r.unit, "cases": r.cases, "answered": r.answered,
                "unanswered": r.unanswered, "median_frt_s": r.median_frt_s, "mean_frt_s": r.mean_frt_s,
                "p90_frt_s": r.p90_frt_s, "max_frt_s": r.max_frt_s, "within_goal_share": r.within_goal_share,
                "within_breach_share": r.within_breach_share, "rank_change": r.rank_change,
                "sla_breaches": r.sla_breaches, "escalations": r.escalations, "rank_by": r.rank_by,
            });
            if !r.account.is_empty() {
                row["account"] = json!(r.account);
            }
            writeln!(out, "{row}")?;
        }
        return Ok(());
    }
    writeln!(out, "Leaderboard {} ({}): {}", b.month, b.time_zone, b.rule)?;
    writeln!(
        out,
        "{:>4} {:>6} {:<18} {:>6} {:>8} {:>10} {:>10} {:>10} {:>7} {:>7}",
        "rank", "change", "unit", "cases", "answered", "median", "mean", "p90", "goal%", "breach%"
    )?;
    for r in &b.rows {
        let change = r.rank_change.map_or_else(|| "new".into(), |c| format!("{c:+}"));
        let name = if r.account.is_empty() { r.unit.clone() } else { format!("{} ({})", r.account, r.unit) };
        writeln!(
            out,
            "{:>4} {:>6} {:<18} {:>6} {:>8} {:>10} {:>10} {:>10} {:>6.1}% {:>6.1}%",
            r.rank,
            change,
            name,
            r.cases,
            r.answered,
            secs(r.median_frt_s),
            secs(r.mean_frt_s),
            secs(r.p90_frt_s),
            r.within_goal_share * 100.0,
            r.within_breach_share * 100.0
        )?;
    }
    writeln!(out, "Not counted: {}", b.exclusions.join("; "))
}
