use clap::{Parser, Subcommand};
use tvarit_console::config::ConsoleConfig;
use tvarit_telemetry::LogTo;

#[derive(Parser)]
#[command(name = "tvarit-console", version, about = "The web console for operators, supervisors and HQ")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the console (the default).
    Serve,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: ConsoleConfig = tvarit_config::load_valid()?;
    let telemetry = tvarit_telemetry::init("tvarit-console", LogTo::Stdout)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listener = tvarit_config::bind_listener(&config.console_http_listen, "console_http_listen").await?;
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_console::run(config, listener, metrics, shutdown).await?;
        }
    }
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}
