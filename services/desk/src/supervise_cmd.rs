//! Supervisors' and HQ's commands, and the sensitive-case workflow.

use std::io::Write;

use clap::Subcommand;
use tonic::transport::Channel;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{ApproveRequest, EscalateRequest, ListOperatorsRequest, ReassignRequest, RecordActionRequest};

use crate::{authed, render};

#[derive(Subcommand)]
pub enum SuperviseCommand {
    /// Give a case to another operator of its unit (supervisors, HQ).
    Reassign {
        docket: String,
        #[arg(long)]
        to: String,
    },
    /// Raise a case to the next level.
    Escalate {
        docket: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Approve (or with --reject refuse) the reply waiting on a sensitive case.
    Approve {
        docket: String,
        #[arg(long)]
        reject: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The operators who may work a unit, to reassign to (supervisors, HQ).
    Operators {
        #[arg(long)]
        unit: String,
    },
    /// Record legal sections and a takedown request on a (sensitive) case.
    Action {
        docket: String,
        /// e.g. --section "BNS 196" --section "IT Act 67"
        #[arg(long = "section")]
        sections: Vec<String>,
        #[arg(long)]
        takedown: bool,
        #[arg(long, default_value = "")]
        note: String,
    },
}

pub async fn run(
    cmd: SuperviseCommand,
    desk: &mut DeskClient<Channel>,
    token: &Option<String>,
    out: &mut dyn Write,
    json: bool,
) -> anyhow::Result<()> {
    let case = match cmd {
        SuperviseCommand::Reassign { docket, to } => {
            desk.reassign(authed(token, ReassignRequest { docket, operator: to })?).await?
        }
        SuperviseCommand::Escalate { docket, reason } => {
            desk.escalate(authed(token, EscalateRequest { docket, reason })?).await?
        }
        SuperviseCommand::Approve { docket, reject, note } => {
            desk.approve(authed(token, ApproveRequest { docket, approve: !reject, note })?).await?
        }
        SuperviseCommand::Operators { unit } => {
            let found = desk.list_operators(authed(token, ListOperatorsRequest { unit })?).await?.into_inner();
            for o in found.operators {
                if json {
                    writeln!(out, "{}", serde_json::json!({ "name": o.name, "role": o.role, "units": o.units }))?;
                } else {
                    writeln!(out, "{:<20} {:<10} {}", o.name, o.role, o.units.join(","))?;
                }
            }
            return Ok(());
        }
        SuperviseCommand::Action { docket, sections, takedown, note } => {
            let msg = RecordActionRequest { docket, legal_sections: sections, takedown_requested: takedown, note };
            desk.record_action(authed(token, msg)?).await?
        }
    };
    render::case(out, &case.into_inner(), json)?;
    Ok(())
}
