use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Defaults → `TVARIT_CONFIG` TOML → `TVARIT_*` env (`TVARIT_CONSOLE_REPLY_URL` → `console_reply_url`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConsoleConfig {
    /// The console's pages, `/healthz` and `/metrics`.
    pub console_http_listen: String,
    /// tvarit-reply's gRPC address (`Desk`, `Library`).
    pub console_reply_url: String,
    /// tvarit-metrics' gRPC address (`Metrics`).
    pub console_metrics_url: String,
    /// Mark the session cookie `Secure` on every response. Without it the
    /// cookie is `Secure` only when a proxy says `X-Forwarded-Proto: https`.
    pub console_secure_cookies: bool,
    /// A session idle this long is signed out (a shift and a bit).
    pub console_session_idle_minutes: u64,
    /// Units and their names; the compiled-in Rajasthan registry when unset.
    pub registry_file: Option<PathBuf>,
    /// `TVARIT_TLS*`: HTTPS for the pages, and the CA (and client
    /// certificate) the console's gRPC client uses towards reply and metrics.
    #[serde(flatten)]
    pub tls: tvarit_tls::TlsConfig,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            console_http_listen: "127.0.0.1:8000".into(),
            console_reply_url: "http://127.0.0.1:50053".into(),
            console_metrics_url: "http://127.0.0.1:50054".into(),
            console_secure_cookies: false,
            console_session_idle_minutes: 14 * 60,
            registry_file: None,
            tls: tvarit_tls::TlsConfig::default(),
        }
    }
}

impl tvarit_config::Validate for ConsoleConfig {
    /// The backends' URLs and the session length, like every service's
    /// settings (the console shares none of `Common`: it reaches no NATS or
    /// database).
    fn validate(&self) -> Result<(), tvarit_config::ConfigError> {
        for (key, url) in
            [("console_reply_url", &self.console_reply_url), ("console_metrics_url", &self.console_metrics_url)]
        {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(tvarit_config::ConfigError::Invalid {
                    key,
                    message: format!("{url:?} must be an http:// or https:// URL"),
                });
            }
        }
        if self.console_session_idle_minutes == 0 {
            return Err(tvarit_config::ConfigError::Invalid {
                key: "console_session_idle_minutes",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tvarit_config::Validate;

    use super::*;

    #[test]
    fn a_backend_that_is_not_a_url_is_refused_naming_the_key() {
        let config: ConsoleConfig = tvarit_config::from_toml_str("console_metrics_url = \"metrics:50054\"").unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("`console_metrics_url`"), "{err}");
        assert!(ConsoleConfig::default().validate().is_ok());
    }
}
