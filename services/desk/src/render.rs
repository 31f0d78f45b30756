//! Human and JSON renderings. JSON field names are a contract (DESIGN.md,
//! "Command-line contracts"): extend, never rename.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use tvarit_proto::time::datetime;
use tvarit_proto::v1::{Case, QueueUpdate};

/// `03 Dec 14:02:11 IST`: in the deployment's zone, as operators read times.
pub fn shown(t: DateTime<Utc>) -> String {
    t.with_timezone(&crate::zone::zone()).format("%d %b %H:%M:%S %Z").to_string()
}

/// A district case handed to HQ (out of its shift, then HQ's rungs; docs/sla.md).
pub fn handed_to_hq(c: &Case) -> bool {
    c.unit != "hq" && (c.escalated_to == "hq" || c.escalated_to.starts_with("hq/"))
}

/// A time for `--json`: RFC 3339 in UTC to the millisecond, or `null`.
pub(crate) fn rfc3339(t: &Option<prost_types::Timestamp>) -> Value {
    datetime(t.as_ref()).map_or(Value::Null, |t| Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
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
        "needs_review": cl.needs_review,
        "reasons": cl.reasons,
        "post": {
            "platform": post.platform,
            "id": post.post_id,
            "created_at": rfc3339(&post.created_at),
            "text": post.text,
            "account": post.account,
            "author": author.handle,
            "untagged": post.untagged,
            "media": post.media.iter().map(|m| json!({
                "type": m.r#type, "url": m.url, "preview_url": m.preview_url, "alt_text": m.alt_text,
            })).collect::<Vec<_>>(),
        },
        "opened_at": rfc3339(&c.opened_at),
        "claimed_by": (!c.claimed_by.is_empty()).then_some(&c.claimed_by),
        "first_reply_at": rfc3339(&c.first_reply_at),
        "reply_status": c.reply_status,
        "follow_ups": c.follow_ups,
        "reply_error": (!c.reply_error.is_empty()).then_some(&c.reply_error),
        "closed_at": rfc3339(&c.closed_at),
        "escalation_level": c.escalation_level,
        "escalated_to": (!c.escalated_to.is_empty()).then_some(&c.escalated_to),
        "handed_to_hq": handed_to_hq(c),
        "alarm": c.alarm,
        "acknowledged_by": (!c.acknowledged_by.is_empty()).then_some(&c.acknowledged_by),
        "acknowledged_at": rfc3339(&c.acknowledged_at),
        "police_station": (!c.police_station.is_empty()).then_some(&c.police_station),
    })
}

fn age(c: &Case) -> String {
    let Some(created) = datetime(c.post.as_ref().and_then(|p| p.created_at.as_ref())) else { return "-".into() };
    let s = (Utc::now() - created).num_seconds().max(0);
    if s < 3600 { format!("{}m{:02}s", s / 60, s % 60) } else { format!("{}h{:02}m", s / 3600, s % 3600 / 60) }
}

pub fn line(c: &Case) -> String {
    let text: String = c.post.as_ref().map(|p| p.text.chars().take(70).collect()).unwrap_or_default();
    // In HQ's queue a district's case says where it came from.
    let handed = if handed_to_hq(c) { format!("[to HQ from {}] ", c.unit) } else { String::new() };
    format!(
        "{:<15} {:<9} {:<14} {:<14} {:>7}  {handed}{}",
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
    if c.alarm {
        writeln!(out, "  ⚠ ALARM: nobody has claimed or acknowledged this emergency (tvarit-desk ack {})", c.docket)?;
    }
    if let Some(t) = datetime(c.acknowledged_at.as_ref()) {
        writeln!(out, "  acknowledged by {} at {}", c.acknowledged_by, shown(t))?;
    }
    if !c.reply_status.is_empty() {
        let error = if c.reply_error.is_empty() { String::new() } else { format!(": {}", c.reply_error) };
        writeln!(out, "  reply {}{error}", c.reply_status)?;
    }
    if let Some(t) = datetime(c.first_reply_at.as_ref()) {
        writeln!(out, "  first reply {} · {}", shown(t), c.last_reply_text)?;
    }
    Ok(())
}

pub fn update(out: &mut dyn Write, u: &QueueUpdate, as_json: bool) -> io::Result<()> {
    let Some(c) = &u.case else { return Ok(()) };
    let kind = if u.snapshot { "queued".to_string() } else { u.kind().slug() };
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
