use clap::{Parser, Subcommand};
use tvarit_classify::config::ClassifyConfig;
use tvarit_classify::{Listeners, baseline::Baseline, batch};
use tvarit_telemetry::LogTo;

#[derive(Parser)]
#[command(name = "tvarit-classify", version, about = "Decides category, urgency, language and unit of each post")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (the default).
    Serve {
        /// Apply database migrations before serving.
        #[arg(long)]
        migrate: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Classify JSONL posts from stdin to JSONL decisions on stdout.
    Batch,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: ClassifyConfig = tvarit_config::load()?;
    config.common.validate()?;
    match cli.command.unwrap_or(Command::Serve { migrate: false }) {
        Command::Batch => {
            // No telemetry on stdout here: stdout is the output file.
            let classifier = Baseline::new(config.common.registry()?);
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            batch::run(stdin, stdout, &classifier)?;
            return Ok(());
        }
        Command::Migrate => {
            let _telemetry = tvarit_telemetry::init("tvarit-classify", LogTo::Stderr)?;
            tvarit_classify::migrate(&config).await?;
            println!("classify schema migrated");
        }
        Command::Serve { migrate } => {
            let telemetry = tvarit_telemetry::init("tvarit-classify", LogTo::Stdout)?;
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listeners = Listeners {
                http: tvarit_config::bind_listener(&config.classify_http_listen, "classify_http_listen").await?,
                grpc: tvarit_config::bind_listener(&config.classify_grpc_listen, "classify_grpc_listen").await?,
            };
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_classify::run(config, listeners, migrate, metrics, shutdown).await?;
            tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
        }
    }
    Ok(())
}
