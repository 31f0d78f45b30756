use serde::{Deserialize, Serialize};
use tvarit_config::{Common, ConfigError, UnitSelection, Validate};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassifyConfig {
    #[serde(flatten)]
    pub common: Common,
    /// gRPC health and reflection.
    pub classify_grpc_listen: String,
    /// `/metrics`, `/healthz`.
    pub classify_http_listen: String,
    /// Most posts classified, stored and published together.
    pub classify_batch: usize,
    /// A model file to use instead of the compiled-in one ("" for that).
    pub classify_model: String,
    /// `TVARIT_UNITS`: the units whose subjects this instance takes, each
    /// through its own durable consumer (`balotra,jodhpur`; `-balotra` for
    /// all but those; empty for every unit). See docs/operations.md §8.
    pub units: String,
    /// Days a decision keeps its reasons and a relabel its post text as a
    /// training example; 0 keeps everything. Set alike with reply's and
    /// ingest's retention.
    pub classify_retention_days: u32,
}

impl Default for ClassifyConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            classify_grpc_listen: "127.0.0.1:50052".into(),
            classify_http_listen: "127.0.0.1:9092".into(),
            classify_batch: 256,
            classify_model: String::new(),
            units: String::new(),
            classify_retention_days: crate::retention::DEFAULT_DAYS,
        }
    }
}

impl Validate for ClassifyConfig {
    /// The shared settings and `units` against the registry, so a bad
    /// `TVARIT_UNITS` stops every command, not only `serve`.
    fn validate(&self) -> Result<(), ConfigError> {
        self.common.validate()?;
        UnitSelection::parse(&self.units, &self.common.registry()?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_unit_is_refused_naming_the_key() {
        let config: ClassifyConfig = tvarit_config::from_toml_str("units = \"balotra,atlantis\"").unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("`units`") && err.contains("atlantis"), "{err}");
        assert!(ClassifyConfig::default().validate().is_ok());
    }
}
