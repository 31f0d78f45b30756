use clap::Subcommand;
use tvarit_config::cli::Command;
use tvarit_reply::accounts;
use tvarit_reply::config::ReplyConfig;
use tvarit_reply::store::operators;
use tvarit_reply::{App, Listeners, Secrets, open_database};
use tvarit_telemetry::LogTo;

mod records_cli;
use records_cli::AuditCommand;

const ABOUT: &str = "Cases, per-unit queues and the Desk API for reply clients";

/// The service's own tools, beside `serve` and `migrate`.
#[derive(Subcommand)]
enum Tool {
    /// Manage operators and their tokens.
    #[command(subcommand)]
    Operators(OperatorsCommand),
    /// Check the audit log's hash chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Connect the accounts Tvarit posts from, and see their credentials.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Purge post text, authors and personal data past the retention period.
    #[command(subcommand)]
    Retention(records_cli::RetentionCommand),
}

#[derive(Subcommand)]
enum AccountsCommand {
    /// Connect an X account or YouTube channel: prints the consent address,
    /// then reads the address consent sent you to (or its code) on stdin.
    Connect {
        /// The registered handle, e.g. @SP_Balotra.
        account: String,
        /// Finish a consent begun earlier: the code, or the whole redirect address.
        #[arg(long)]
        code: Option<String>,
    },
    /// Every account: platform, credential source, status, expiry, last renewal and error.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let command = tvarit_config::cli::parse::<Tool>("tvarit-reply", env!("CARGO_PKG_VERSION"), ABOUT);
    let config: ReplyConfig = tvarit_config::load_valid()?;
    if command.serves() {
        config.records.check_key()?;
    }
    let log_to = if command.serves() { LogTo::Stdout } else { LogTo::Stderr };
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
            let registry = config.common.registry()?;
            let secrets = Secrets::from_env(&config, &registry)?;
            let shutdown = tvarit_telemetry::shutdown_on_signal();
            tvarit_reply::run(App { config, registry, listeners, secrets, migrate, metrics }, shutdown).await?;
        }
        Command::Migrate => {
            open_database(&config, true).await?;
            println!("reply schema migrated");
        }
        Command::Tool(Tool::Operators(cmd)) => {
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
        Command::Tool(Tool::Accounts(cmd)) => {
            let pool = open_database(&config, false).await?;
            let registry = config.common.registry()?;
            match cmd {
                AccountsCommand::Connect { account, code } => {
                    let args = accounts::connect::ConnectArgs { account, code };
                    accounts::connect::connect(&pool, &registry, &config, args, &actor).await?;
                }
                AccountsCommand::List { json } => {
                    let warn = chrono::TimeDelta::seconds((config.reply_meta_token_warn_days * 86_400.0) as i64);
                    let views = accounts::list::list(&pool, &registry, warn).await?;
                    print!("{}", accounts::list::render(&views, json));
                }
            }
        }
        Command::Tool(Tool::Audit(cmd)) => records_cli::audit(cmd, &config).await?,
        Command::Tool(Tool::Retention(cmd)) => records_cli::retention(cmd, &config, &actor).await?,
    }
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}
