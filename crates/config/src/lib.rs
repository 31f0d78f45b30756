//! Configuration for every Tvarit process: compiled-in defaults, then an
//! optional TOML file (`TVARIT_CONFIG`), then `TVARIT_*` environment
//! variables. Validated at start with an error that names the bad key.

pub mod cli;
mod database;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;
mod units;

use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use database::{connect_schema, ensure_schema, open_schema, with_database};
pub use secrecy::{ExposeSecret, SecretString};
pub use secret::{SecretError, read_secret};
pub use units::UnitSelection;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Figment(#[from] Box<figment::Error>),
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("configuration key `registry_file`: {0}")]
    Registry(#[from] tvarit_registry::RegistryError),
}

/// What every service shares: where NATS and PostgreSQL are, and the
/// namespace that keeps deployments (and tests) apart on one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Common {
    /// Prefixes every subject, stream and database schema.
    pub namespace: String,
    pub nats_url: String,
    pub database_url: String,
    /// Units and accounts; the compiled-in Rajasthan registry when unset.
    pub registry_file: Option<PathBuf>,
    /// JetStream replicas for the streams this service declares (3 in a cluster).
    pub stream_replicas: usize,
    /// How long NATS may hold an acknowledged message before it is on disk:
    /// its `sync_interval` with a margin (deploy/nats/nats.conf). Each
    /// producer keeps its durable record of what it published, and classify
    /// its input unacknowledged, for this long, so that a power cut losing
    /// NATS's last unsynced messages is made good by a republish (keyed, so
    /// nothing doubles). 0: NATS fsyncs before acking (`sync_interval:
    /// always`), or nobody needs to survive a power cut (a laptop).
    pub nats_sync_window_seconds: f64,
    /// `TVARIT_TLS*`: the gRPC server's certificate, key and client CA.
    #[serde(flatten)]
    pub tls: tvarit_tls::TlsConfig,
}

impl Default for Common {
    fn default() -> Self {
        Self {
            namespace: "tvarit".into(),
            nats_url: "nats://127.0.0.1:4222".into(),
            database_url: "postgres://postgres@127.0.0.1:5432/tvarit".into(),
            registry_file: None,
            stream_replicas: 1,
            nats_sync_window_seconds: 0.0,
            tls: tvarit_tls::TlsConfig::default(),
        }
    }
}

/// A duration setting in seconds must be a finite number from 0 to a day:
/// TOML accepts `inf` and `nan`, which would panic where a `Duration` is
/// made from them, or wait for ever.
pub fn check_seconds(settings: &[(&'static str, f64)]) -> Result<(), ConfigError> {
    for &(key, value) in settings {
        if !(0.0..=86_400.0).contains(&value) {
            return Err(ConfigError::Invalid {
                key,
                message: format!("{value} must be a number of seconds from 0 to 86400"),
            });
        }
    }
    Ok(())
}

impl Common {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !is_namespace(&self.namespace) {
            return Err(ConfigError::Invalid {
                key: "namespace",
                message: format!(
                    "{:?} must start with a lowercase letter and hold only lowercase letters, digits and '_' (at most 32)",
                    self.namespace
                ),
            });
        }
        if !(1..=5).contains(&self.stream_replicas) {
            return Err(ConfigError::Invalid { key: "stream_replicas", message: "must be 1 to 5".into() });
        }
        // Republishes after a power cut must fall inside JetStream's
        // 2-minute duplicate window, and held acks inside the ack wait.
        if !(0.0..=10.0).contains(&self.nats_sync_window_seconds) {
            return Err(ConfigError::Invalid {
                key: "nats_sync_window_seconds",
                message: format!("{} must be a number of seconds from 0 to 10", self.nats_sync_window_seconds),
            });
        }
        Ok(())
    }

    /// [`Common::nats_sync_window_seconds`] as a duration.
    pub fn nats_sync_window(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.nats_sync_window_seconds)
    }

    pub fn registry(&self) -> Result<tvarit_registry::Registry, ConfigError> {
        Ok(tvarit_registry::Registry::load(self.registry_file.as_deref())?)
    }
}

fn is_namespace(s: &str) -> bool {
    s.len() <= 32
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Loads `T` from its defaults, the TOML file named by `TVARIT_CONFIG` (if
/// any) and the `TVARIT_*` environment (`TVARIT_NATS_URL` → `nats_url`).
pub fn load<T>() -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    let mut figment = Figment::from(Serialized::defaults(T::default()));
    if let Some(path) = std::env::var_os("TVARIT_CONFIG") {
        figment = figment.merge(Toml::file_exact(PathBuf::from(path)));
    }
    figment.merge(Env::prefixed("TVARIT_").ignore(&["config"])).extract().map_err(|e| ConfigError::Figment(Box::new(e)))
}

/// `T` from its defaults and the TOML `text` alone (no file, no
/// environment): what `load` does with a `TVARIT_CONFIG` file, for checking
/// configuration text.
pub fn from_toml_str<T>(text: &str) -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default,
{
    Figment::from(Serialized::defaults(T::default()))
        .merge(Toml::string(text))
        .extract()
        .map_err(|e| ConfigError::Figment(Box::new(e)))
}

/// A service's settings, checked as a whole right after loading: the shared
/// ones (`Common::validate`) and the service's own, failing on the first bad
/// key with `ConfigError::Invalid` naming it.
pub trait Validate {
    fn validate(&self) -> Result<(), ConfigError>;
}

/// `load`, then `validate`: the first thing every service's `main` does, so
/// a bad key stops it before it logs, binds or connects anything.
pub fn load_valid<T>() -> Result<T, ConfigError>
where
    T: Serialize + DeserializeOwned + Default + Validate,
{
    let config: T = load()?;
    config.validate()?;
    Ok(config)
}

/// A service's two listeners (health, metrics and webhooks over HTTP; its
/// API over gRPC), bound before `run` so that a test can hand in port 0.
pub struct Listeners {
    pub http: tokio::net::TcpListener,
    pub grpc: tokio::net::TcpListener,
}

/// Binds a listen address, naming the configuration key if it fails.
pub async fn bind_listener(addr: &str, key: &str) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| std::io::Error::new(e.kind(), format!("binding {key} = {addr}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_must_be_a_safe_token() {
        let mut c = Common::default();
        assert!(c.validate().is_ok());
        for bad in ["", "Tvarit", "a.b", "a-b", "1abc", "a>"] {
            c.namespace = bad.into();
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains("`namespace`"), "{bad}: {err}");
        }
    }
}
