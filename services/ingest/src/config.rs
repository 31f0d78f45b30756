use serde::{Deserialize, Serialize};
use tvarit_config::Common;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestConfig {
    #[serde(flatten)]
    pub common: Common,
    /// `POST /v1/posts`, `/metrics`, `/healthz`.
    pub ingest_http_listen: String,
    /// gRPC health and reflection.
    pub ingest_grpc_listen: String,
    /// Larger request bodies are refused with 413.
    pub ingest_max_post_bytes: usize,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            ingest_http_listen: "127.0.0.1:8080".into(),
            ingest_grpc_listen: "127.0.0.1:50051".into(),
            ingest_max_post_bytes: 64 * 1024,
        }
    }
}
