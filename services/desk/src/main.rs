//! tvarit-desk: the command-line reply client. Talks to tvarit-reply's
//! `Desk` API and tvarit-metrics' `Metrics` API over gRPC; `--json` prints
//! one JSON object per line for scripts.

mod library_cmd;
mod metrics_cmd;
mod publish_cmd;
mod publish_render;
mod render;
mod search_cmd;
mod shift_cmd;
mod supervise_cmd;
mod watch;
mod zone;

use std::io::Write;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tonic::Request;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{CaseRef, ListQueueRequest, RelabelRequest, ReplyRequest, WhoAmIRequest};
use tvarit_proto::{Category, Urgency};

#[derive(Parser)]
#[command(name = "tvarit-desk", version, about = "The reply client: queues, claims, replies, the leaderboard")]
struct Cli {
    /// tvarit-reply's gRPC address.
    #[arg(long, env = "TVARIT_DESK_SERVER", default_value = "http://127.0.0.1:50053", global = true)]
    server: String,
    /// tvarit-metrics' gRPC address.
    #[arg(long, env = "TVARIT_METRICS_SERVER", default_value = "http://127.0.0.1:50054", global = true)]
    metrics_server: String,
    /// The CA that signed the servers' certificates (HQ's `ca.crt`): speak
    /// TLS and verify the servers with it.
    #[arg(long, env = "TVARIT_TLS_CA_FILE", global = true)]
    ca: Option<std::path::PathBuf>,
    /// This PC's client certificate, when the servers ask for one (mutual TLS).
    #[arg(long, env = "TVARIT_TLS_CLIENT_CERT_FILE", requires = "key", global = true)]
    cert: Option<std::path::PathBuf>,
    /// The client certificate's private key.
    #[arg(long, env = "TVARIT_TLS_CLIENT_KEY_FILE", requires = "cert", global = true)]
    key: Option<std::path::PathBuf>,
    /// Your operator token (`tvarit-reply operators add` issues it).
    #[arg(long, env = "TVARIT_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// One JSON object per line.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Supervise(supervise_cmd::SuperviseCommand),
    #[command(flatten)]
    Shift(shift_cmd::ShiftCommand),
    /// A unit's open cases (emergencies first), or with --all every case.
    Queue {
        #[arg(long)]
        unit: String,
        #[arg(long)]
        all: bool,
    },
    /// A unit's queue, then every change to it as it happens.
    Watch {
        #[arg(long)]
        unit: String,
    },
    /// One case.
    Show { docket: String },
    /// Take a case: you answer it.
    Claim { docket: String },
    /// "Seen, on it": silence an emergency's alarm for the unit without claiming it.
    Ack { docket: String },
    /// Reply publicly to a case's post.
    Reply {
        docket: String,
        #[arg(long)]
        text: String,
        /// Send it as a direct message to the author, not a public reply
        /// (a private case's replies always are).
        #[arg(long)]
        private: bool,
    },
    /// Close a case.
    Close { docket: String },
    /// Give a case you claimed back to the unit's queue (supervisors: any case).
    Release { docket: String },
    /// Open a closed case again.
    Reopen { docket: String },
    /// Correct the category and/or urgency the classifier gave a case.
    Relabel {
        docket: String,
        /// emergency, complaint, misinformation, sensitive, query, appreciation, other
        #[arg(long, value_parser = parse_category)]
        category: Option<Category>,
        /// critical, high, normal, low
        #[arg(long, value_parser = parse_urgency)]
        urgency: Option<Urgency>,
    },
    /// Who the token belongs to, and their units.
    Whoami,
    /// Find cases of your units: words, author, docket, unit, category, state, dates; newest first.
    Search(search_cmd::SearchArgs),
    /// A case's whole conversation in time order: posts, follow-ups, replies, what was done.
    Thread { docket: String },
    /// The suggested reply for a case (template or rebuttal) and the guard's verdict.
    Draft { docket: String },
    /// Reply templates: list, show (every version), edit (supervisor or HQ).
    Templates {
        #[command(subcommand)]
        cmd: library_cmd::TemplatesCmd,
    },
    /// The rebuttal library: list, search, publish (HQ).
    Rebuttals {
        #[command(subcommand)]
        cmd: library_cmd::RebuttalsCmd,
    },
    /// Publishing: compose, preview, approve, schedule, calendar, outcomes, retry, engagement.
    Publish {
        #[command(subcommand)]
        cmd: publish_cmd::PublishCmd,
    },
    #[command(flatten)]
    Metrics(metrics_cmd::MetricsCommand),
}

fn parse_category(s: &str) -> Result<Category, String> {
    Category::from_slug(s).ok_or_else(|| format!("unknown category {s:?}"))
}

fn parse_urgency(s: &str) -> Result<Urgency, String> {
    Urgency::from_slug(s).ok_or_else(|| format!("unknown urgency {s:?}"))
}

pub(crate) fn authed<T>(token: &Option<String>, msg: T) -> anyhow::Result<Request<T>> {
    let mut req = Request::new(msg);
    if let Some(t) = token {
        let value: MetadataValue<_> =
            format!("Bearer {t}").parse().context("the token has characters a header cannot carry")?;
        req.metadata_mut().insert("authorization", value);
    }
    Ok(req)
}

/// The TLS settings of this run (`--ca`, `--cert`, `--key`), read once
/// before any connection; `None` speaks plain text.
static TLS: std::sync::OnceLock<Option<tvarit_tls::ClientTls>> = std::sync::OnceLock::new();

pub(crate) async fn channel(url: &str) -> anyhow::Result<Channel> {
    let tls = TLS.get().and_then(Option::as_ref);
    tvarit_tls::endpoint(url, tls)?.connect().await.with_context(|| match tls {
        Some(_) => format!("cannot reach {url} over TLS"),
        None => format!("cannot reach {url}"),
    })
}

#[tokio::main]
async fn main() {
    // Before the arguments: dates in them are read in the registry's zone.
    if let Err(e) = zone::init() {
        eprintln!("error: {e:#}");
        std::process::exit(2);
    }
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        // `tvarit-desk queue | head`: the reader left; nothing more to say.
        if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
            return;
        }
        match e.downcast_ref::<tonic::Status>() {
            Some(status) => eprintln!("error: {} ({:?})", status.message(), status.code()),
            None => eprintln!("error: {e:#}"),
        }
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let json = cli.json;
    let token = cli.token;
    let tls = tvarit_tls::ClientTls::load(cli.ca.as_deref(), cli.cert.as_deref(), cli.key.as_deref())?;
    TLS.set(tls).expect("TLS is set once, before any connection");
    let stdout = std::io::stdout();
    let out = &mut stdout.lock();
    if let Command::Metrics(cmd) = cli.command {
        return metrics_cmd::run(cmd, &cli.metrics_server, &token, out, json).await;
    }
    let mut desk = DeskClient::new(channel(&cli.server).await?);
    match cli.command {
        Command::Queue { unit, all } => {
            let req = authed(&token, ListQueueRequest { unit, all, limit: 0 })?;
            let cases = desk.list_queue(req).await?.into_inner().cases;
            render::cases(out, &cases, json)?;
        }
        Command::Watch { unit } => watch::run(&mut desk, &token, unit, out, json).await?,
        Command::Supervise(cmd) => supervise_cmd::run(cmd, &mut desk, &token, out, json).await?,
        Command::Shift(cmd) => shift_cmd::run(cmd, &mut desk, &token, out, json).await?,
        Command::Show { docket } => {
            render::case(out, &desk.get_case(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Claim { docket } => {
            render::case(out, &desk.claim(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Ack { docket } => {
            render::case(out, &desk.acknowledge(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Reply { docket, text, private } => {
            let req = ReplyRequest { docket, text, private };
            render::case(out, &desk.reply(authed(&token, req)?).await?.into_inner(), json)?
        }
        Command::Close { docket } => {
            render::case(out, &desk.close(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Release { docket } => {
            render::case(out, &desk.release(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Reopen { docket } => {
            render::case(out, &desk.reopen(authed(&token, CaseRef { docket })?).await?.into_inner(), json)?
        }
        Command::Relabel { docket, category, urgency } => {
            let msg = RelabelRequest {
                docket,
                category: category.unwrap_or_default() as i32,
                urgency: urgency.unwrap_or_default() as i32,
            };
            render::case(out, &desk.relabel(authed(&token, msg)?).await?.into_inner(), json)?
        }
        Command::Whoami => {
            let op = desk.who_am_i(authed(&token, WhoAmIRequest {})?).await?.into_inner();
            if json {
                writeln!(out, "{}", serde_json::json!({ "name": op.name, "role": op.role, "units": op.units }))?;
            } else {
                writeln!(out, "{} ({}), units: {}", op.name, op.role, op.units.join(", "))?;
            }
        }
        Command::Search(args) => search_cmd::search(&mut desk, &token, args, out, json).await?,
        Command::Thread { docket } => search_cmd::thread(&mut desk, &token, docket, out, json).await?,
        Command::Draft { docket } => library_cmd::draft(&cli.server, &token, json, out, docket).await?,
        Command::Templates { cmd } => library_cmd::templates(&cli.server, &token, json, out, cmd).await?,
        Command::Rebuttals { cmd } => library_cmd::rebuttals(&cli.server, &token, json, out, cmd).await?,
        Command::Publish { cmd } => publish_cmd::run(&cli.server, &token, json, out, cmd).await?,
        Command::Metrics(_) => unreachable!("handled above"),
    }
    Ok(())
}
