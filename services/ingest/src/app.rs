//! What `run` needs, gathered before it starts: the configuration, bound
//! listeners, every secret (read once, from env or `*_FILE`), the metrics
//! handle. `run` reads no environment, so a test can start ingest in its
//! own process with secrets of its own (`tests/in_process.rs`), beside
//! the tests that start the binary.

use metrics_exporter_prometheus::PrometheusHandle;
use tvarit_config::{SecretError, SecretString, read_secret};
use tvarit_registry::Registry;

use crate::config::IngestConfig;
use crate::sources::InstagramReader;

pub use tvarit_config::Listeners;

/// Ingest's secrets. `None` turns the part that needs it off (with a
/// warning at start), never on unprotected.
#[derive(Default)]
pub struct Secrets {
    /// `POST /v1/posts` HMAC key (`TVARIT_INGEST_WEBHOOK_SECRET`).
    pub webhook: Option<SecretString>,
    /// X Account Activity CRC and signatures (`TVARIT_X_CONSUMER_SECRET`).
    pub x_consumer: Option<SecretString>,
    /// X polling, the filtered stream, recent search (`TVARIT_X_APP_BEARER`).
    pub x_app_bearer: Option<SecretString>,
    /// Meta webhook signatures and subscription check
    /// (`TVARIT_META_APP_SECRET`, `TVARIT_META_VERIFY_TOKEN`).
    pub meta_app: Option<SecretString>,
    pub meta_verify: Option<SecretString>,
    /// YouTube comment polling (`TVARIT_YOUTUBE_API_KEY`).
    pub youtube_api_key: Option<SecretString>,
    /// Instagram @mentions read back with the accounts' page tokens.
    pub instagram: Option<InstagramReader>,
}

impl Secrets {
    pub fn from_env(config: &IngestConfig, registry: &Registry) -> Result<Self, SecretError> {
        Ok(Self {
            webhook: read_secret("TVARIT_INGEST_WEBHOOK_SECRET")?,
            x_consumer: read_secret("TVARIT_X_CONSUMER_SECRET")?,
            x_app_bearer: read_secret("TVARIT_X_APP_BEARER")?,
            meta_app: read_secret("TVARIT_META_APP_SECRET")?,
            meta_verify: read_secret("TVARIT_META_VERIFY_TOKEN")?,
            youtube_api_key: read_secret("TVARIT_YOUTUBE_API_KEY")?,
            instagram: InstagramReader::from_env(registry, &config.ingest_meta_api_base)?,
        })
    }
}

/// Everything `run` starts from.
pub struct App {
    pub config: IngestConfig,
    /// `config.common.registry()`, loaded once (the secrets need it too).
    pub registry: Registry,
    pub listeners: Listeners,
    pub secrets: Secrets,
    /// Apply the schema's migrations first.
    pub migrate: bool,
    pub metrics: PrometheusHandle,
}
