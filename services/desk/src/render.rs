//! Human and JSON renderings. JSON field names are a contract (DESIGN.md,
//! "Command-line contracts"): extend, never rename.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::{Case, LeaderboardResponse, QueueUpdate};

/// Times are shown in IST, the deployment's zone, as operators read them.
const SHOWN_ZONE: chrono_tz::Tz = chrono_tz::Asia::Kolkata;

fn time(t: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)))
}

fn rfc3339(t: &Option<prost_types::Timestamp>) -> Value {
    time(t).map_or(Value::Null, |t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
}

pub fn case_json(c: &Case) -> Value {
    let post = c.post.clone().unwrap_or_default();
    let cl = c.classification.clone().unwrap_or_default();
    let author = post.author.clone().unwrap_or_default();
    json!({
        "docket": c.docket,
        "unit": c.unit,
        "category": c.category().slug(),
        "urgency": c.urgency().slug(),
        "state": c.state().slug(),
        "language": cl.language,
        "confidence": cl.confidence,
        "reasons": cl.reasons,
        "post": {
            "platform": post.platform,
            "id": post.post_id,
            "created_at": rfc3339(&post.created_at),
            "text": post.text,
            "account": post.account,
            "author": author.handle,
            "untagged": post.untagged,
        },
        "opened_at": rfc3339(&c.opened_at),
        "claimed_by": (!c.claimed_by.is_empty()).then_some(&c.claimed_by),
        "first_reply_at": rfc3339(&c.first_reply_at),
        "reply_status": c.reply_status,
        "follow_ups": c.follow_ups,
        "reply_error": (!c.reply_error.is_empty()).then_some(&c.reply_error),
        "closed_at": rfc3339(&c.closed_at),
    })
}

fn age(c: &Case) -> String {
    let Some(created) = time(&c.post.as_ref().and_then(|p| p.created_at)) else { return "-".into() };
    let s = (Utc::now() - created).num_seconds().max(0);
    if s < 3600 { format!("{}m{:02}s", s / 60, s % 60) } else { format!("{}h{:02}m", s / 3600, s % 3600 / 60) }
}

fn line(c: &Case) -> String {
    let text: String = c.post.as_ref().map(|p| p.text.chars().take(70).collect()).unwrap_or_default();
    format!(
        "{:<15} {:<9} {:<14} {:<14} {:>7}  {}",
        c.docket,
        c.urgency().slug(),
        c.category().slug(),
        c.state().slug(),
        age(c),
        text.replace('\n', " ")
    )
}

pub fn cases(out: &mut dyn Write, cases: &[Case], as_json: bool) -> io::Result<()> {
    if as_json {
        for c in cases {
            writeln!(out, "{}", case_json(c))?;
        }
        return Ok(());
    }
    writeln!(out, "{:<15} {:<9} {:<14} {:<14} {:>7}  post", "docket", "urgency", "category", "state", "age")?;
    for c in cases {
        writeln!(out, "{}", line(c))?;
    }
    writeln!(out, "{} case(s)", cases.len())
}

pub fn case(out: &mut dyn Write, c: &Case, as_json: bool) -> io::Result<()> {
    if as_json {
        return writeln!(out, "{}", case_json(c));
    }
    writeln!(out, "{}", line(c))?;
    if let Some(p) = &c.post {
        let author = p.author.as_ref().map_or("-", |a| a.handle.as_str());
        writeln!(out, "  {} post {} by {author}: {}", p.platform, p.post_id, p.text)?;
    }
    if let Some(cl) = &c.classification {
        writeln!(out, "  {} · {} · confidence {:.2} · {}", cl.language, cl.unit, cl.confidence, cl.reasons.join(", "))?;
    }
    if !c.reply_status.is_empty() {
        let error = if c.reply_error.is_empty() { String::new() } else { format!(": {}", c.reply_error) };
        writeln!(out, "  reply {}{error}", c.reply_status)?;
    }
    if let Some(t) = time(&c.first_reply_at) {
        let shown = t.with_timezone(&SHOWN_ZONE).format("%d %b %H:%M:%S IST");
        writeln!(out, "  first reply {shown} · {}", c.last_reply_text)?;
    }
    Ok(())
}

pub fn update(out: &mut dyn Write, u: &QueueUpdate, as_json: bool) -> io::Result<()> {
    let Some(c) = &u.case else { return Ok(()) };
    let kind = if u.snapshot {
        "queued".to_string()
    } else {
        u.kind().as_str_name().trim_start_matches("CASE_EVENT_KIND_").to_lowercase()
    };
    if as_json {
        let mut v = case_json(c);
        v["event"] = json!(kind);
        writeln!(out, "{v}")?;
    } else {
        writeln!(out, "{kind:<8} {}", line(c))?;
    }
    // A watch is read live: show each change as it comes.
    out.flush()
}

fn seconds(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |s| format!("{s:.1}s"))
}

pub fn leaderboard(out: &mut dyn Write, b: &LeaderboardResponse, as_json: bool) -> io::Result<()> {
    if as_json {
        for r in &b.rows {
            let row = json!({
                "month": b.month, "rank": r.rank, "unit": r.unit, "cases": r.cases, "answered": r.answered,
                "unanswered": r.unanswered, "median_frt_s": r.median_frt_s, "mean_frt_s": r.mean_frt_s,
                "p90_frt_s": r.p90_frt_s, "max_frt_s": r.max_frt_s, "within_goal_share": r.within_goal_share,
                "within_breach_share": r.within_breach_share,
            });
            writeln!(out, "{row}")?;
        }
        return Ok(());
    }
    writeln!(out, "Leaderboard {} ({}): {}", b.month, b.time_zone, b.rule)?;
    writeln!(
        out,
        "{:>4} {:<18} {:>6} {:>8} {:>10} {:>10} {:>10} {:>7} {:>7}",
        "rank", "unit", "cases", "answered", "median", "mean", "p90", "goal%", "breach%"
    )?;
    for r in &b.rows {
        writeln!(
            out,
            "{:>4} {:<18} {:>6} {:>8} {:>10} {:>10} {:>10} {:>6.1}% {:>6.1}%",
            r.rank,
            r.unit,
            r.cases,
            r.answered,
            seconds(r.median_frt_s),
            seconds(r.mean_frt_s),
            seconds(r.p90_frt_s),
            r.within_goal_share * 100.0,
            r.within_breach_share * 100.0
        )?;
    }
    writeln!(out, "Not counted: {}", b.exclusions.join("; "))
}
