//! Publications as people read them (local time) and as scripts read them (JSON,
//! UTC RFC 3339). JSON field names are a contract: extend, never rename.

use std::io::{self, Write};

use serde_json::{Value, json};
use tvarit_proto::v1::{PreviewResponse, Publication, Target};

fn local(t: &Option<prost_types::Timestamp>) -> String {
    tvarit_proto::time::datetime(t.as_ref()).map_or_else(
        || "-".into(),
        |t| t.with_timezone(&crate::zone::zone()).format("%Y-%m-%d %H:%M:%S %Z").to_string(),
    )
}

fn target_json(t: &Target) -> Value {
    let e = t.engagement.as_ref().map_or(Value::Null, |e| {
        json!({ "fetched_at": crate::render::rfc3339(&e.fetched_at), "likes": e.likes, "reposts": e.reposts, "replies": e.replies,
                "quotes": e.quotes, "impressions": e.impressions })
    });
    json!({ "account": t.account, "platform": t.platform, "unit": t.unit, "status": t.status,
            "attempts": t.attempts, "platform_post_id": t.platform_post_id, "link": t.link, "error": t.error,
            "sent_at": crate::render::rfc3339(&t.sent_at), "next_attempt_at": crate::render::rfc3339(&t.next_attempt_at),
            "idempotency_key": t.idempotency_key, "engagement": e })
}

pub fn publication_json(p: &Publication) -> Value {
    let c = p.content.clone().unwrap_or_default();
    let fc = c.fact_check.as_ref().map_or(
        Value::Null,
        |f| json!({ "claim": f.claim, "verdict": f.verdict, "variants": f.variants, "claim_id": f.claim_id }),
    );
    json!({
        "id": p.id, "kind": c.kind, "text_hi": c.text_hi, "text_en": c.text_en, "links": c.links, "media": c.media,
        "fact_check": fc, "scope": p.scope, "units": p.units, "author": p.author, "state": p.state,
        "status": p.status, "approved_by": p.approved_by, "approved_at": crate::render::rfc3339(&p.approved_at),
        "fast_tracked": p.fast_tracked, "rejected_by": p.rejected_by, "reject_reason": p.reject_reason,
        "scheduled_at": crate::render::rfc3339(&p.scheduled_at), "created_at": crate::render::rfc3339(&p.created_at),
        "targets": p.targets.iter().map(target_json).collect::<Vec<_>>(),
    })
}

fn count(p: &Publication, status: &str) -> usize {
    p.targets.iter().filter(|t| t.status == status).count()
}

/// One calendar line.
pub fn publication_line(out: &mut impl Write, p: &Publication) -> io::Result<()> {
    let c = p.content.clone().unwrap_or_default();
    let when = if p.scheduled_at.is_some() { local(&p.scheduled_at) } else { local(&p.approved_at.or(p.created_at)) };
    let text = if c.text_hi.is_empty() { &c.text_en } else { &c.text_hi };
    let short: String = text.chars().take(60).collect();
    writeln!(
        out,
        "pub-{}  {when}  {}  {}  {}  sent {}/{}  {}",
        p.id,
        c.kind,
        p.status,
        if p.scope == "state" { "state-wide".to_owned() } else { p.units.join(",") },
        count(p, "sent"),
        p.targets.len(),
        short
    )
}

pub fn publication(out: &mut impl Write, p: &Publication, json: bool) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", publication_json(p))?;
        return Ok(());
    }
    publication_line(out, p)?;
    writeln!(out, "  by {}, state {}", p.author, p.state)?;
    if !p.approved_by.is_empty() {
        let how = if p.fast_tracked { " (fast-tracked)" } else { "" };
        writeln!(out, "  approved by {}{how} at {}", p.approved_by, local(&p.approved_at))?;
    }
    if !p.reject_reason.is_empty() {
        writeln!(out, "  rejected by {}: {}", p.rejected_by, p.reject_reason)?;
    }
    if let Some(f) = p.content.as_ref().and_then(|c| c.fact_check.as_ref()).filter(|f| !f.claim_id.is_empty()) {
        writeln!(out, "  rebuttal {} in the library", f.claim_id)?;
    }
    for t in &p.targets {
        let mut line = format!("  {:<24} {:<9} {:<11} tries {}", t.account, t.platform, t.status, t.attempts);
        if !t.link.is_empty() {
            line.push_str(&format!("  {}", t.link));
        }
        if !t.error.is_empty() {
            line.push_str(&format!("  ({})", t.error));
        }
        if let Some(e) = &t.engagement {
            line.push_str(&format!("  ♥{} ↻{} ↩{} 👁{}", e.likes, e.reposts, e.replies, e.impressions));
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

pub fn preview(out: &mut impl Write, r: &PreviewResponse, json: bool) -> anyhow::Result<()> {
    if json {
        let platforms: Vec<Value> = r
            .platforms
            .iter()
            .map(|p| {
                json!({ "platform": p.platform, "text": p.text, "length": p.length, "limit": p.limit,
                        "fits": p.fits, "accounts": p.accounts, "note": p.note })
            })
            .collect();
        writeln!(out, "{}", json!({ "platforms": platforms, "accounts": r.accounts }))?;
        return Ok(());
    }
    for p in &r.platforms {
        if p.limit == 0 {
            writeln!(out, "{} ({} accounts): {}", p.platform, p.accounts, p.note)?;
            continue;
        }
        let verdict = if p.fits { "fits" } else { "TOO LONG" };
        writeln!(out, "{} ({} accounts): {}/{} {verdict}", p.platform, p.accounts, p.length, p.limit)?;
        writeln!(out, "---\n{}\n---", p.text)?;
    }
    Ok(())
}
