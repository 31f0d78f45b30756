//! Cross-service tests: the four real binaries against real NATS and
//! PostgreSQL, each test in its own namespace and database.

mod accounts;
mod alerts;
mod config_errors;
mod console;
mod console_alarm;
mod console_hq;
mod console_publishing;
mod console_shift;
mod crash_recovery;
mod dedupe;
mod desk_actions;
mod desk_cli;
mod follow_ups;
mod grpc_input;
mod health;
mod hq_ranking;
mod leaderboard;
mod library;
mod metrics_dashboards;
mod metrics_figures;
mod metrics_http;
mod outbound;
mod platforms;
mod publishing;
mod routing;
mod search;
mod server_faults;
mod service_faults;
mod sla;
mod stream;
mod supervision;
mod tracing;
mod units;
mod webhook;
mod youtube;
