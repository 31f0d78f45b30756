use serde::{Deserialize, Serialize};
use tvarit_config::{Common, ConfigError, Validate};

use crate::leaderboard::RankBy;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsConfig {
    #[serde(flatten)]
    pub common: Common,
    /// gRPC `Metrics`, health and reflection.
    pub metrics_grpc_listen: String,
    /// `/metrics`, `/healthz`.
    pub metrics_http_listen: String,
    /// Goal for cases whose facts predate per-case targets (each case
    /// otherwise carries its unit's registry target; HQ: 2 min).
    pub metrics_goal_seconds: f64,
    /// Breach limit for the same older facts (HQ: 5 min).
    pub metrics_breach_seconds: f64,
    /// A unit is "on shift" when an operator acted there within this many minutes.
    pub metrics_on_shift_minutes: u32,
    /// What the ranking orders by first: `mean` (HQ's rule) or `median`.
    pub metrics_rank_by: RankBy,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            metrics_grpc_listen: "127.0.0.1:50054".into(),
            metrics_http_listen: "127.0.0.1:9094".into(),
            metrics_goal_seconds: crate::facts::DEFAULT_GOAL_S,
            metrics_breach_seconds: crate::facts::DEFAULT_BREACH_S,
            metrics_on_shift_minutes: 30,
            metrics_rank_by: RankBy::Mean,
        }
    }
}

impl Validate for MetricsConfig {
    /// The shared settings, and the fallback targets as seconds (TOML allows
    /// `inf` and `nan`).
    fn validate(&self) -> Result<(), ConfigError> {
        self.common.validate()?;
        tvarit_config::check_seconds(&[
            ("metrics_goal_seconds", self.metrics_goal_seconds),
            ("metrics_breach_seconds", self.metrics_breach_seconds),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_that_are_not_seconds_are_refused_naming_the_key() {
        let config: MetricsConfig = tvarit_config::from_toml_str("metrics_breach_seconds = inf").unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("`metrics_breach_seconds`"), "{err}");
        assert!(MetricsConfig::default().validate().is_ok());
    }
}
