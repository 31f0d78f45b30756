use clap::{Parser, Subcommand};
use tvarit_reply::config::ReplyConfig;
use tvarit_reply::store::{audit, operators};
use tvarit_reply::{Listeners, open_database};
use tvarit_telemetry::LogTo;

#[derive(Parser)]
#[command(name = "tvarit-reply", version, about = "Cases, per-unit queues and the Desk API for reply clients")]
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
    /// Manage operators and their tokens.
    #[command(subcommand)]
    Operators(OperatorsCommand),
    /// Check the audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum OperatorsCommand {
    /// Add an operator; prints the new bearer token (shown only once).
    Add {
        /// The operator's name (or give it with --name).
        #[arg(required_unless_present = "name_flag")]
        name: Option<String>,
        #[arg(long = "name", conflicts_with = "name")]
        name_flag: Option<String>,
        #[arg(long, value_parser = operators::ROLES)]
        role: String,
        /// Comma-separated unit slugs, or '*' for every unit.
        #[arg(long, value_delimiter = ',', required = true)]
        units: Vec<String>,
    },
    List,
    /// Revoke an operator's token.
    Revoke {
        name: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    Verify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config: ReplyConfig = tvarit_config::load()?;
    config.common.validate()?;
    tvarit_config::check_seconds(&[("reply_in_flight_timeout_seconds", config.reply_in_flight_timeout_seconds)])?;
    let command = cli.command.unwrap_or(Command::Serve { migrate: false });
    let log_to = if matches!(command, Command::Serve { .. }) { LogTo::Stdout } else { LogTo::Stderr };
    let telemetry = tvarit_telemetry::init("tvarit-reply", log_to)?;
    // Command-line administration is audited under the OS user's name.
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match command {
        Command::Serve { migrate } => {
            let metrics = tvarit_telemetry::install_prometheus()?;
            let listeners = Listeners {
                http: tvarit_config::bind_listener(&config.reply_http_listen, "reply_http_listen").await?,
                grpc: tvarit_config::bind_listener(&config.reply_grpc_listen, "reply_grpc_listen").await?,
            };
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_reply::run(config, listeners, migrate, metrics, shutdown).await?;
        }
        Command::Migrate => {
            open_database(&config, true).await?;
            println!("reply schema migrated");
        }
        Command::Operators(cmd) => {
            let pool = open_database(&config, false).await?;
            match cmd {
                OperatorsCommand::Add { name, name_flag, role, units } => {
                    let name = name.or(name_flag).expect("clap requires a name");
                    let registry = config.common.registry()?;
                    if let Some(bad) = units.iter().find(|u| *u != "*" && registry.unit(u).is_none()) {
                        anyhow::bail!("unknown unit {bad:?}");
                    }
                    println!("{}", operators::add(&pool, &name, &role, &units, &actor).await?);
                }
                OperatorsCommand::List => {
                    for (op, revoked) in operators::list(&pool).await? {
                        let state = if revoked { "revoked" } else { "active" };
                        println!("{}\t{}\t{}\t{state}", op.name, op.role, op.units.join(","));
                    }
                }
                OperatorsCommand::Revoke { name } => operators::revoke(&pool, &name, &actor).await?,
            }
        }
        Command::Audit(AuditCommand::Verify) => {
            let pool = open_database(&config, false).await?;
            match audit::verify(&pool).await? {
                Ok(n) => println!("audit log intact: {n} entries"),
                Err(id) => anyhow::bail!("audit log broken at entry {id}: it or an earlier entry was altered"),
            }
        }
    }
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}
