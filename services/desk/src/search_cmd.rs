//! `tvarit-desk search` (find past and present cases of your units) and
//! `tvarit-desk thread` (a case's whole conversation in time order).

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use serde_json::{Value, json};
use tonic::transport::Channel;
use tvarit_proto::time::{datetime, from_datetime};
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{CaseRef, SearchCasesRequest, Thread, ThreadEntry, thread_entry::Entry};
use tvarit_proto::{CaseState, Category, Urgency};

use crate::{authed, render};

#[derive(Args)]
pub struct SearchArgs {
    /// Words that must all appear in the case's posts; "a phrase", -word, a or b.
    #[arg(long)]
    text: Option<String>,
    /// The author's handle (with or without @).
    #[arg(long)]
    author: Option<String>,
    /// One unit (default: all of yours).
    #[arg(long)]
    unit: Option<String>,
    /// emergency, complaint, misinformation, sensitive, query, appreciation, other
    #[arg(long, value_parser = crate::parse_category)]
    category: Option<Category>,
    /// open, in_process, closed, not_actionable
    #[arg(long, value_parser = parse_state)]
    state: Option<CaseState>,
    /// critical, high, normal, low
    #[arg(long, value_parser = crate::parse_urgency)]
    urgency: Option<Urgency>,
    /// x, facebook, youtube, ...
    #[arg(long)]
    platform: Option<String>,
    /// Cases claimed by this operator.
    #[arg(long)]
    operator: Option<String>,
    /// One docket, e.g. BLT-2611-00042.
    #[arg(long)]
    docket: Option<String>,
    /// Opened on or after: 2026-11-30, "2026-11-30 18:00" (the deployment's zone) or RFC 3339.
    #[arg(long, value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// Opened before; a date alone includes that whole day.
    #[arg(long, value_parser = parse_until)]
    until: Option<DateTime<Utc>>,
    /// How many cases at most, newest first.
    #[arg(long, default_value_t = 50)]
    limit: u32,
    /// Go on from where an earlier search stopped (it prints the cursor).
    #[arg(long)]
    cursor: Option<String>,
}

fn parse_state(s: &str) -> Result<CaseState, String> {
    CaseState::from_slug(s).ok_or_else(|| format!("unknown state {s:?} (open, in_process, closed, not_actionable)"))
}

fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    crate::publish_cmd::parse_time(s).map_err(|e| format!("{e:#}"))
}

/// A date alone ends at the next midnight, so `--until 2026-12-03` takes in
/// the 3rd.
fn parse_until(s: &str) -> Result<DateTime<Utc>, String> {
    let t = parse_since(s)?;
    let date_only = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
    Ok(if date_only { t + chrono::Duration::days(1) } else { t })
}

/// Server pages are at most this big; `--limit` beyond it takes several.
const PAGE: u32 = 200;

pub async fn search(
    desk: &mut DeskClient<Channel>,
    token: &Option<String>,
    args: SearchArgs,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    let ts = |t: Option<DateTime<Utc>>| t.map(from_datetime);
    let mut req = SearchCasesRequest {
        text: args.text.unwrap_or_default(),
        author: args.author.unwrap_or_default(),
        unit: args.unit.unwrap_or_default(),
        category: args.category.unwrap_or_default() as i32,
        state: args.state.unwrap_or_default() as i32,
        urgency: args.urgency.unwrap_or_default() as i32,
        platform: args.platform.unwrap_or_default(),
        operator: args.operator.unwrap_or_default(),
        docket: args.docket.unwrap_or_default(),
        since: ts(args.since),
        until: ts(args.until),
        limit: 0,
        cursor: args.cursor.unwrap_or_default(),
    };
    let mut found = Vec::new();
    let mut wanted = args.limit.max(1);
    loop {
        req.limit = wanted.min(PAGE);
        let page = desk.search_cases(authed(token, req.clone())?).await?.into_inner();
        wanted = wanted.saturating_sub(page.cases.len() as u32);
        found.extend(page.cases);
        req.cursor = page.next_cursor;
        if wanted == 0 || req.cursor.is_empty() {
            break;
        }
    }
    render::cases(out, &found, json)?;
    if !req.cursor.is_empty() {
        // On stderr, so `--json` output stays one case per line.
        eprintln!("more: --cursor {}", req.cursor);
    }
    Ok(())
}

pub async fn thread(
    desk: &mut DeskClient<Channel>,
    token: &Option<String>,
    docket: String,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    let thread = desk.get_thread(authed(token, CaseRef { docket })?).await?.into_inner();
    render_thread(out, &thread, json).context("writing the thread")
}

/// One entry as JSON: `kind` is post, follow_up, reply or event.
pub fn entry_json(docket: &str, e: &ThreadEntry) -> Value {
    let mut v = match &e.entry {
        Some(Entry::Post(p)) => json!({
            "kind": if e.follow_up { "follow_up" } else { "post" },
            "platform": p.platform,
            "id": p.post_id,
            "author": p.author.as_ref().map(|a| a.handle.clone()).unwrap_or_default(),
            "text": p.text,
        }),
        Some(Entry::Reply(r)) => json!({
            "kind": "reply",
            "operator": r.operator,
            "text": r.text,
            "status": r.status,
            "sent_at": render::rfc3339(&r.sent_at),
            "platform_reply_id": (!r.platform_reply_id.is_empty()).then_some(&r.platform_reply_id),
            "error": (!r.error.is_empty()).then_some(&r.error),
        }),
        Some(Entry::Event(ev)) => json!({
            "kind": "event",
            "event": ev.kind().slug(),
            "actor": ev.actor,
            "note": (!ev.note.is_empty()).then_some(&ev.note),
            "escalated_to": (!ev.escalated_to.is_empty()).then_some(&ev.escalated_to),
        }),
        None => json!({ "kind": "unknown" }),
    };
    v["docket"] = json!(docket);
    v["at"] = render::rfc3339(&e.at);
    v
}

fn entry_line(e: &ThreadEntry) -> String {
    let at = datetime(e.at.as_ref()).map_or_else(|| "-".into(), render::shown);
    let what = match &e.entry {
        Some(Entry::Post(p)) => {
            let author = p.author.as_ref().map_or("-", |a| a.handle.as_str());
            let kind = if e.follow_up { "follow-up" } else { "post" };
            format!("{kind:<9} {author} on {}: {}", p.platform, p.text.replace('\n', " "))
        }
        Some(Entry::Reply(r)) => {
            let error = if r.error.is_empty() { String::new() } else { format!(" ({})", r.error) };
            format!("{:<9} {} [{}{error}]: {}", "reply", r.operator, r.status, r.text.replace('\n', " "))
        }
        Some(Entry::Event(ev)) => {
            let kind = ev.kind().slug();
            let to = if ev.escalated_to.is_empty() || !kind.starts_with("escalated") {
                String::new()
            } else {
                format!(" to {}", ev.escalated_to)
            };
            let note = if ev.note.is_empty() { String::new() } else { format!(": {}", ev.note) };
            format!("{:<9} {kind}{to} by {}{note}", "·", ev.actor)
        }
        None => String::new(),
    };
    format!("{at}  {what}")
}

pub fn render_thread(out: &mut dyn Write, thread: &Thread, json: bool) -> std::io::Result<()> {
    let docket = thread.case.as_ref().map_or("", |c| c.docket.as_str());
    if json {
        for e in &thread.entries {
            writeln!(out, "{}", entry_json(docket, e))?;
        }
        return Ok(());
    }
    if let Some(c) = &thread.case {
        writeln!(out, "{}", render::line(c))?;
    }
    for e in &thread.entries {
        writeln!(out, "{}", entry_line(e))?;
    }
    Ok(())
}
