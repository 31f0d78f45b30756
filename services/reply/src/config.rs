use serde::{Deserialize, Serialize};
use tvarit_config::Common;

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
}

impl Default for ReplyConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            reply_grpc_listen: "127.0.0.1:50053".into(),
            reply_http_listen: "127.0.0.1:9093".into(),
            reply_batch: 256,
            reply_max_chars: 280,
        }
    }
}
