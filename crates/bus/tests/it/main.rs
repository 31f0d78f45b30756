//! The bus against the real NATS server (`TVARIT_TEST_NATS_URL`, default
//! 127.0.0.1:4222), each test in its own namespace.

mod declare;
mod runner;

use std::time::{SystemTime, UNIX_EPOCH};

use async_nats::jetstream;
use tvarit_bus::Namespace;

/// A JetStream context and a namespace no other test uses.
pub async fn setup(name: &str) -> (jetstream::Context, Namespace) {
    let url = std::env::var("TVARIT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let client = async_nats::connect(url).await.expect("the test NATS server is running");
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    let ns = Namespace::new(format!("t_{name}_{}_{nanos:x}", std::process::id()));
    (jetstream::new(client), ns)
}
