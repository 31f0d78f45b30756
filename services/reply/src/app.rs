//! What `run` needs, gathered before it starts: the configuration, the
//! registry, bound listeners, every secret (read once, from env or
//! `*_FILE`), the metrics handle. `run` reads no environment, so a test
//! can start reply in its own process with secrets of its own
//! (`tests/in_process.rs`), beside the e2e tests that start the binary.

use metrics_exporter_prometheus::PrometheusHandle;
use tvarit_config::{SecretString, read_secret};
use tvarit_registry::Registry;

use crate::accounts::EnvCredentials;
use crate::accounts::seal::SealKey;
use crate::alerts::deliver::Endpoints;
use crate::config::ReplyConfig;

pub use tvarit_config::Listeners;

/// Reply's secrets. A part whose secret is missing is refused at start
/// when it is configured (`run` says which), never run unprotected.
#[derive(Default)]
pub struct Secrets {
    /// Signs the X direct messages handed to ingest
    /// (`TVARIT_INGEST_WEBHOOK_SECRET`); read only when `reply_ingest_url` is set.
    pub ingest_webhook: Option<SecretString>,
    /// Signs the control rooms' alerts (`TVARIT_ALERT_WEBHOOK_SECRET`); read
    /// only when an alert endpoint is configured.
    pub alert_webhook: Option<SecretString>,
    /// The accounts' tokens and OAuth clients given in the environment.
    pub accounts: EnvCredentials,
    /// Opens the stored credentials (`TVARIT_CREDENTIALS_KEY_FILE`).
    pub seal_key: Option<SealKey>,
}

impl Secrets {
    pub fn from_env(config: &ReplyConfig, registry: &Registry) -> anyhow::Result<Self> {
        let alerting = Endpoints::new(registry, config.alert_webhook_url.as_deref()).any();
        Ok(Self {
            ingest_webhook: read_if(config.reply_ingest_url.is_some(), "TVARIT_INGEST_WEBHOOK_SECRET")?,
            alert_webhook: read_if(alerting, "TVARIT_ALERT_WEBHOOK_SECRET")?,
            accounts: EnvCredentials::read(registry)?,
            seal_key: SealKey::from_env()?,
        })
    }
}

/// A secret only the configured parts need: one that is not needed is not
/// read, so a stale `*_FILE` for it cannot stop the start.
fn read_if(needed: bool, name: &str) -> Result<Option<SecretString>, tvarit_config::SecretError> {
    if needed { read_secret(name) } else { Ok(None) }
}

/// Everything `run` starts from.
pub struct App {
    pub config: ReplyConfig,
    /// `config.common.registry()`, loaded once (the secrets need it too).
    pub registry: Registry,
    pub listeners: Listeners,
    pub secrets: Secrets,
    /// Apply the schema's migrations first.
    pub migrate: bool,
    pub metrics: PrometheusHandle,
}
