//! The command line every service shares: `serve [--migrate]`, the default,
//! and `migrate`, beside each service's own tools (`T`). One definition, so
//! the four services cannot drift in how they start or migrate.

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
struct Cli<T: Subcommand> {
    #[command(subcommand)]
    command: Option<Command<T>>,
}

/// What a service binary was asked to do.
#[derive(Subcommand, Debug, PartialEq, Eq)]
pub enum Command<T: Subcommand> {
    /// Run the service (the default).
    Serve {
        /// Apply database migrations before serving.
        #[arg(long)]
        migrate: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    #[command(flatten)]
    Tool(T),
}

impl<T: Subcommand> Command<T> {
    /// Serving logs to stdout (the container log); every other command keeps
    /// stdout for its output and logs to stderr.
    pub fn serves(&self) -> bool {
        matches!(self, Command::Serve { .. })
    }
}

/// Parses the process's arguments; prints help or an error and exits on a
/// bad command line, as clap does.
pub fn parse<T: Subcommand>(name: &'static str, version: &'static str, about: &'static str) -> Command<T> {
    parse_from(name, version, about, std::env::args_os())
}

fn parse_from<T: Subcommand>(
    name: &'static str,
    version: &'static str,
    about: &'static str,
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Command<T> {
    let matches = Cli::<T>::command().name(name).bin_name(name).version(version).about(about).get_matches_from(args);
    let cli = Cli::<T>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.command.unwrap_or(Command::Serve { migrate: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Subcommand, Debug, PartialEq, Eq)]
    enum Tools {
        /// A service's own tool.
        Rollup {
            #[arg(long)]
            dry_run: bool,
        },
    }

    fn parse_args(args: &[&str]) -> Command<Tools> {
        parse_from("tvarit-test", "0.0.0", "test", args.iter().map(std::ffi::OsString::from))
    }

    #[test]
    fn no_command_serves_without_migrating() {
        assert_eq!(parse_args(&["tvarit-test"]), Command::Serve { migrate: false });
        assert!(parse_args(&["tvarit-test"]).serves());
    }

    #[test]
    fn shared_and_own_commands_parse() {
        assert_eq!(parse_args(&["x", "serve", "--migrate"]), Command::Serve { migrate: true });
        assert_eq!(parse_args(&["x", "migrate"]), Command::Migrate);
        let tool = parse_args(&["x", "rollup", "--dry-run"]);
        assert_eq!(tool, Command::Tool(Tools::Rollup { dry_run: true }));
        assert!(!tool.serves());
    }
}
