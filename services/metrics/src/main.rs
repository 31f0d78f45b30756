use clap::Subcommand;
use tvarit_config::cli::Command;
use tvarit_metrics::config::MetricsConfig;
use tvarit_metrics::report::Format;
use tvarit_metrics::{Listeners, open_database};
use tvarit_telemetry::LogTo;

const ABOUT: &str = "Response-time facts, the leaderboard and Prometheus metrics";

/// The service's own tools, beside `serve` and `migrate`.
#[derive(Subcommand)]
enum Tool {
    /// HQ's monthly report on stdout: the ranking and per-unit figures.
    Report {
        /// YYYY-MM in the deployment's time zone.
        #[arg(long)]
        month: String,
        #[arg(long, value_enum, default_value = "html")]
        format: tvarit_metrics::report::Format,
    },
    /// Recompute every month rollup from the raw facts (e.g. after changing the goal).
    Rollup,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = tvarit_config::cli::parse::<Tool>("tvarit-metrics", env!("CARGO_PKG_VERSION"), ABOUT);
    let config: MetricsConfig = tvarit_config::load_valid()?;
    let log_to = if command.serves() { LogTo::Stdout } else { LogTo::Stderr };
    let telemetry = tvarit_telemetry::init("tvarit-metrics", log_to)?;
    match command {
        Command::Serve { migrate } => {
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listeners = Listeners {
                http: tvarit_config::bind_listener(&config.metrics_http_listen, "metrics_http_listen").await?,
                grpc: tvarit_config::bind_listener(&config.metrics_grpc_listen, "metrics_grpc_listen").await?,
            };
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_metrics::run(tvarit_metrics::App { config, listeners, migrate, metrics }, shutdown).await?;
        }
        Command::Migrate => {
            open_database(&config, true).await?;
            println!("metrics schema migrated");
        }
        Command::Tool(Tool::Report { month, format }) => {
            let pool = open_database(&config, false).await?;
            let (goal, breach) = (config.metrics_goal_seconds, config.metrics_breach_seconds);
            let settings = tvarit_metrics::board_settings(&config, &config.common.registry()?);
            let board = tvarit_metrics::leaderboard::leaderboard(&pool, &month, &settings).await?;
            let text = match format {
                Format::Csv => tvarit_metrics::report::csv(&board),
                Format::Html => {
                    let reply_schema = tvarit_bus::Namespace::new(&config.common.namespace).schema("reply");
                    let more = tvarit_metrics::report::breakdowns(&pool, &month, &settings, &reply_schema).await?;
                    tvarit_metrics::report::html(&board, &more, goal, breach)
                }
            };
            print!("{text}");
        }
        Command::Tool(Tool::Rollup) => {
            let pool = open_database(&config, false).await?;
            let tz = config.common.registry()?.time_zone();
            let (goal, breach) = (config.metrics_goal_seconds, config.metrics_breach_seconds);
            let n = tvarit_metrics::rollup::rebuild_rollups(&pool, tz, goal, breach, true).await?;
            println!("{n} unit-month rollups rebuilt");
        }
    }
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}
