//! A shift's commands beyond working one case: internal notes, forwarding
//! a case to its police station, and the hand-over (what is live in each unit, and the note for the next shift).

use std::io::Write;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde_json::{Value, json};
use tonic::transport::Channel;
use tvarit_proto::time::{datetime, from_datetime};
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{
    AddNoteRequest, CaseRef, HandoverNote, HandoverNoteRef, HandoverNoteRequest, HandoverRequest, UnitHandover,
};

use crate::{authed, render};

#[derive(Subcommand)]
pub enum ShiftCommand {
    /// An internal note on a case, for your unit only (never sent, never in a report).
    Note { docket: String, text: String },
    /// Send a case to the police station its post names, through the unit's control-room webhook.
    Forward { docket: String },
    /// What the next shift must know: open, claimed by whom, awaiting
    /// approval, breached, the shift's emergencies, the hand-over note.
    Handover {
        /// One unit; every unit of yours when left out.
        #[arg(long)]
        unit: Option<String>,
        /// The shift's start (RFC 3339) for its emergencies; 8 hours ago when left out.
        #[arg(long)]
        since: Option<DateTime<Utc>>,
    },
    /// Leave a hand-over note for the next shift of a unit.
    HandoverNote {
        #[arg(long)]
        unit: String,
        text: String,
    },
    /// Say you (the incoming shift) have read hand-over note ID.
    HandoverAck { id: i64 },
}

pub async fn run(
    cmd: ShiftCommand,
    desk: &mut DeskClient<Channel>,
    token: &Option<String>,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        ShiftCommand::Note { docket, text } => {
            let case = desk.add_note(authed(token, AddNoteRequest { docket, text })?).await?.into_inner();
            render::case(out, &case, json)?;
        }
        ShiftCommand::Forward { docket } => {
            let case = desk.forward(authed(token, CaseRef { docket })?).await?.into_inner();
            render::case(out, &case, json)?;
        }
        ShiftCommand::Handover { unit, since } => {
            let since = since.map(from_datetime);
            let req = HandoverRequest { unit: unit.unwrap_or_default(), since };
            for u in desk.get_handover(authed(token, req)?).await?.into_inner().units {
                if json {
                    writeln!(out, "{}", unit_json(&u))?;
                } else {
                    unit_text(out, &u)?;
                }
            }
        }
        ShiftCommand::HandoverNote { unit, text } => {
            let note = desk.write_handover_note(authed(token, HandoverNoteRequest { unit, text })?).await?;
            note_out(out, &note.into_inner(), json)?;
        }
        ShiftCommand::HandoverAck { id } => {
            let note = desk.acknowledge_handover_note(authed(token, HandoverNoteRef { id })?).await?;
            note_out(out, &note.into_inner(), json)?;
        }
    }
    Ok(())
}

fn note_json(n: &HandoverNote) -> Value {
    json!({
        "id": n.id,
        "unit": n.unit,
        "author": n.author,
        "text": n.text,
        "written_at": render::rfc3339(&n.written_at),
        "acknowledged_by": (!n.acknowledged_by.is_empty()).then_some(&n.acknowledged_by),
        "acknowledged_at": render::rfc3339(&n.acknowledged_at),
    })
}

/// One unit's hand-over as one JSON object; its case lists carry the same
/// fields as `queue --json`.
pub fn unit_json(u: &UnitHandover) -> Value {
    let cases = |cs: &[tvarit_proto::v1::Case]| cs.iter().map(render::case_json).collect::<Vec<_>>();
    json!({
        "unit": u.unit,
        "open": u.open,
        "claimed": u.claimed.iter().map(|c| json!({ "operator": c.operator, "cases": c.cases })).collect::<Vec<_>>(),
        "awaiting_approval": cases(&u.awaiting_approval),
        "breached": cases(&u.breached),
        "emergencies": cases(&u.emergencies),
        "handed_to_hq": u.handed_to_hq,
        "note": u.note.as_ref().map_or(Value::Null, note_json),
    })
}

fn note_line(n: &HandoverNote) -> String {
    let at = datetime(n.written_at.as_ref()).map_or_else(|| "-".into(), render::shown);
    let read = match datetime(n.acknowledged_at.as_ref()) {
        Some(t) => format!("read by {} at {}", n.acknowledged_by, render::shown(t)),
        None => format!("not yet read (tvarit-desk handover-ack {})", n.id),
    };
    format!("note #{} by {} at {at}: {} [{read}]", n.id, n.author, n.text.replace('\n', " "))
}

fn note_out(out: &mut dyn Write, n: &HandoverNote, json: bool) -> std::io::Result<()> {
    if json { writeln!(out, "{}", note_json(n)) } else { writeln!(out, "{}", note_line(n)) }
}

fn unit_text(out: &mut dyn Write, u: &UnitHandover) -> std::io::Result<()> {
    let claimed: Vec<String> = u.claimed.iter().map(|c| format!("{} {}", c.operator, c.cases)).collect();
    let held = if claimed.is_empty() { "none".into() } else { claimed.join(", ") };
    writeln!(
        out,
        "{}: open {} · claimed: {held} · awaiting approval {} · breached {} · emergencies this shift {}",
        u.unit,
        u.open,
        u.awaiting_approval.len(),
        u.breached.len(),
        u.emergencies.len()
    )?;
    if u.unit == "hq" {
        writeln!(out, "  handed to HQ by districts: {}", u.handed_to_hq)?;
    }
    for (what, cases) in
        [("awaiting approval", &u.awaiting_approval), ("breached", &u.breached), ("emergency", &u.emergencies)]
    {
        for c in cases {
            writeln!(out, "  {what:<17} {}", render::line(c))?;
        }
    }
    match &u.note {
        Some(n) => writeln!(out, "  {}", note_line(n)),
        None => writeln!(out, "  no hand-over note"),
    }
}
