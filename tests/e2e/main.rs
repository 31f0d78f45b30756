//! Cross-service tests: the four real binaries against real NATS and
//! PostgreSQL, each test in its own namespace and database.

mod crash_recovery;
mod dedupe;
mod desk_actions;
mod follow_ups;
mod health;
mod leaderboard;
mod outbound;
mod platforms;
mod routing;
mod stream;
mod supervision;
mod webhook;
mod youtube;
