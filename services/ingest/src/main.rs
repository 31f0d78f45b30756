use anyhow::Context;
use std::path::PathBuf;

use clap::Subcommand;
use tvarit_config::cli::Command;
use tvarit_ingest::config::IngestConfig;
use tvarit_ingest::{App, Listeners, Secrets, replay};
use tvarit_telemetry::LogTo;

const ABOUT: &str = "Takes posts in and publishes each once";

/// The service's own tools, beside `serve` and `migrate`.
#[derive(Subcommand)]
enum Tool {
    /// Purge archived posts past `ingest_retention_days` of personal data.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Publish every post of a JSONL file; exit 0 once all are acknowledged.
    Replay {
        file: PathBuf,
        /// Posts per second at most.
        #[arg(long)]
        rate: Option<u32>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Purge now (`--dry-run`: only count what would be purged).
    Apply {
        #[arg(long)]
        dry_run: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = tvarit_config::cli::parse::<Tool>("tvarit-ingest", env!("CARGO_PKG_VERSION"), ABOUT);
    let config: IngestConfig = tvarit_config::load_valid()?;
    let log_to = if command.serves() { LogTo::Stdout } else { LogTo::Stderr };
    let telemetry = tvarit_telemetry::init("tvarit-ingest", log_to)?;
    match command {
        Command::Serve { migrate } => {
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listeners = Listeners {
                http: tvarit_config::bind_listener(&config.ingest_http_listen, "ingest_http_listen").await?,
                grpc: tvarit_config::bind_listener(&config.ingest_grpc_listen, "ingest_grpc_listen").await?,
            };
            let registry = config.common.registry()?;
            let secrets = Secrets::from_env(&config, &registry)?;
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_ingest::run(App { config, registry, listeners, secrets, migrate, metrics }, shutdown).await?;
        }
        Command::Migrate => {
            tvarit_ingest::connect(&config, true).await?;
            println!("ingest schema migrated");
        }
        Command::Tool(Tool::Retention(RetentionCommand::Apply { dry_run })) => {
            let days = config.ingest_retention_days;
            anyhow::ensure!(days > 0, "ingest_retention_days is 0: retention is off, nothing is purged");
            let (acceptor, _) = tvarit_ingest::connect(&config, false).await?;
            let cutoff = tvarit_ingest::retention::cutoff(days);
            if dry_run {
                let due = tvarit_ingest::retention::due(acceptor.pool(), cutoff).await?;
                println!("due={due} days={days} cutoff={}", cutoff.to_rfc3339());
            } else {
                let purged = tvarit_ingest::retention::apply(acceptor.pool(), cutoff).await?;
                tracing::info!(posts = purged, days, "retention applied");
                println!("purged={purged} days={days} cutoff={}", cutoff.to_rfc3339());
            }
        }
        Command::Tool(Tool::Replay { file, rate }) => {
            let registry = config.common.registry()?;
            let reader = std::io::BufReader::new(
                std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?,
            );
            let (acceptor, _) = tvarit_ingest::connect(&config, false).await?;
            let summary = replay::replay(reader, &acceptor, &registry, rate).await?;
            // Every post is acknowledged now: say so, then keep the pending
            // rows of the last sync window until NATS has synced them.
            println!("new={} duplicates={} rejected={}", summary.new, summary.duplicates, summary.rejected);
            acceptor.settled().await;
        }
    }
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}
