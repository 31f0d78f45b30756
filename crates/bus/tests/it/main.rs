//! The bus against the real NATS server (`TVARIT_TEST_NATS_URL`, default
//! 127.0.0.1:4222), each test in its own namespace.

mod declare;
mod power_cut;
mod runner;

use std::io::Write;
use std::sync::{Arc, Mutex};
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

/// The log lines written while the guard lives, on this thread (a
/// current-thread test runtime), as plain text without colours.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(self.clone()).finish();
        tracing::subscriber::set_default(subscriber)
    }

    pub fn lines(&self) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().unwrap()).lines().map(str::to_owned).collect()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
