use serde::{Deserialize, Serialize};
use tvarit_config::{Common, ConfigError, UnitSelection, Validate};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplyConfig {
    #[serde(flatten)]
    pub common: Common,
    /// gRPC `Desk`, health and reflection.
    pub reply_grpc_listen: String,
    /// `/metrics`, `/healthz`.
    pub reply_http_listen: String,
    /// Most classified posts turned into cases in one transaction.
    pub reply_batch: usize,
    /// Longest reply text accepted, in characters (X counts 280).
    pub reply_max_chars: usize,
    /// X API base URL for sending replies (`tvarit-sim` in tests).
    pub reply_x_api_base: String,
    /// Meta Graph API base URL, with its version.
    pub reply_meta_api_base: String,
    /// YouTube Data API base URL (`<sim>/youtube/v3` in tests).
    pub reply_youtube_api_base: String,
    /// A claim holds this long after its holder last acted on the case;
    /// then another operator may take it (10 minutes).
    pub reply_claim_lease_seconds: f64,
    /// A reply still `sending` after this many seconds was cut off by a
    /// crash; recovery then looks on the platform for it.
    pub reply_in_flight_timeout_seconds: f64,
    /// The control rooms' alert endpoint for every unit that names none of
    /// its own in the registry (`TVARIT_ALERT_WEBHOOK_URL`); its secret is
    /// `TVARIT_ALERT_WEBHOOK_SECRET` (or `_FILE`).
    pub alert_webhook_url: Option<String>,
    /// X's consent page for `accounts connect` (the sim's in tests).
    pub reply_x_authorize_url: String,
    /// Where X sends the browser after consent: the callback registered
    /// for the app in X's developer portal, exactly.
    pub reply_x_redirect_uri: String,
    pub reply_google_authorize_url: String,
    /// Google's token endpoint, for YouTube channels.
    pub reply_google_token_url: String,
    pub reply_google_redirect_uri: String,
    /// A stored access token is renewed this long before it ends.
    pub reply_token_refresh_margin_seconds: f64,
    /// How often Meta Page tokens are checked with `debug_token` (at least
    /// every 5 s; 6 hours by default).
    pub reply_meta_token_check_seconds: f64,
    /// A Page token that ends within this many days is alerted.
    pub reply_meta_token_warn_days: f64,
    /// Ingest's HTTP address (`http://ingest:8080`): where X direct messages
    /// polled for tiers without webhooks are handed, signed with
    /// `TVARIT_INGEST_WEBHOOK_SECRET`. Unset: no polling.
    pub reply_ingest_url: Option<String>,
    /// Seconds between polls of an X account's DM events; X allows 15
    /// requests per 15 minutes per user on `GET /2/dm_events`.
    pub reply_x_dm_poll_seconds: f64,
    /// `TVARIT_UNITS`: the units whose subjects this instance takes, each
    /// through its own durable consumer (`balotra,jodhpur`; `-balotra` for
    /// all but those; empty for every unit). See docs/operations.md §8.
    pub units: String,
    /// Audit checkpoints and retention (`records`).
    #[serde(flatten)]
    pub records: crate::records::RecordsConfig,
}

impl Default for ReplyConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            reply_grpc_listen: "127.0.0.1:50053".into(),
            reply_http_listen: "127.0.0.1:9093".into(),
            reply_batch: 256,
            reply_max_chars: 280,
            reply_x_api_base: "https://api.x.com".into(),
            reply_meta_api_base: "https://graph.facebook.com/v21.0".into(),
            reply_youtube_api_base: "https://www.googleapis.com/youtube/v3".into(),
            reply_claim_lease_seconds: 600.0,
            reply_in_flight_timeout_seconds: 60.0,
            alert_webhook_url: None,
            reply_x_authorize_url: tvarit_platforms::oauth2::X_AUTHORIZE_URL.into(),
            reply_x_redirect_uri: "http://127.0.0.1/callback".into(),
            reply_google_authorize_url: tvarit_platforms::oauth2::GOOGLE_AUTHORIZE_URL.into(),
            reply_google_token_url: tvarit_platforms::oauth2::GOOGLE_TOKEN_URL.into(),
            reply_google_redirect_uri: "http://127.0.0.1/callback".into(),
            reply_token_refresh_margin_seconds: 600.0,
            reply_meta_token_check_seconds: 21_600.0,
            reply_meta_token_warn_days: 7.0,
            reply_ingest_url: None,
            reply_x_dm_poll_seconds: 60.0,
            units: String::new(),
            records: Default::default(),
        }
    }
}

impl Validate for ReplyConfig {
    /// The shared settings, `units` against the registry, the durations,
    /// and the records' settings: a bad key stops every command, not only
    /// `serve`.
    fn validate(&self) -> Result<(), ConfigError> {
        self.common.validate()?;
        UnitSelection::parse(&self.units, &self.common.registry()?)?;
        tvarit_config::check_seconds(&[
            ("reply_in_flight_timeout_seconds", self.reply_in_flight_timeout_seconds),
            ("reply_token_refresh_margin_seconds", self.reply_token_refresh_margin_seconds),
            ("reply_meta_token_check_seconds", self.reply_meta_token_check_seconds),
        ])?;
        if !(0.0..=365.0).contains(&self.reply_meta_token_warn_days) {
            return Err(ConfigError::Invalid {
                key: "reply_meta_token_warn_days",
                message: format!("{} must be 0 to 365 days", self.reply_meta_token_warn_days),
            });
        }
        self.records.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(toml: &str) -> String {
        let config: ReplyConfig = tvarit_config::from_toml_str(toml).unwrap();
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn bad_settings_are_refused_naming_the_key() {
        assert!(ReplyConfig::default().validate().is_ok());
        let err = refused("reply_meta_token_warn_days = 400");
        assert!(err.contains("`reply_meta_token_warn_days`"), "{err}");
        let err = refused("reply_in_flight_timeout_seconds = nan");
        assert!(err.contains("`reply_in_flight_timeout_seconds`"), "{err}");
        let err = refused("units = \"balotra,atlantis\"");
        assert!(err.contains("`units`") && err.contains("atlantis"), "{err}");
        let err = refused("reply_retention_every_hours = 0.0");
        assert!(err.contains("`reply_retention_every_hours`"), "{err}");
        let err = refused("reply_audit_checkpoint_file = \"/var/lib/tvarit/checkpoints\"");
        assert!(err.contains("`reply_audit_key_file`"), "{err}");
    }
}
