//! Publishing (docs/publishing.md): the police's own posts — awareness,
//! achievements, fact-checks, alerts — composed once, approved by a second
//! person, scheduled, and fanned out to every target account through the
//! platform adapters, at most once per account. Served as the `Publishing`
//! gRPC API with the `Desk` API's tokens and unit rules.
//!
//! - [`content`]: kinds, checks, the text as posted and its length per platform.
//! - [`rules`]: which accounts an audience reaches; who may approve.
//! - [`service`] and [`workflow`]: the API and its audited transactions.
//! - [`fanout`]: the delivery loop (schedule, claim, send, retry, recover).
//! - [`accounts`]: the platform calls; [`engagement`]: metrics afterwards.

pub mod accounts;
pub mod content;
pub mod engagement;
pub mod fanout;
pub mod rules;
pub mod service;
pub mod store;
pub mod workflow;

use std::sync::Arc;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;
use tvarit_proto::v1::publishing_server::PublishingServer;
use tvarit_registry::Registry;

pub use accounts::PostingAccounts;
pub use fanout::Fanout;
pub use service::PublishingService;

/// The API and its delivery loop, sharing the accounts and a wake-up.
pub fn build(
    pool: PgPool,
    registry: Registry,
    accounts: PostingAccounts,
    in_flight_timeout: Duration,
) -> (PublishingServer<PublishingService>, Fanout) {
    let accounts = Arc::new(accounts);
    let wake = Arc::new(Notify::new());
    let fanout = Fanout::new(pool.clone(), accounts.clone(), wake.clone(), in_flight_timeout);
    let service = PublishingService { pool, registry, accounts, wake };
    (PublishingServer::new(service), fanout)
}
