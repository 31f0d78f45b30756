//! A control room for tests: a local HTTP endpoint that takes Tvarit's
//! signed alerts (DESIGN.md "Alerts"), keeps every attempt, and answers with
//! the status the test sets (200 by default, 503 to make reply retry).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};

/// One POST as it arrived.
#[derive(Debug, Clone)]
pub struct ReceivedAlert {
    pub at: DateTime<Utc>,
    /// The status the receiver answered with.
    pub status: u16,
    pub signature: Option<String>,
    pub body: Vec<u8>,
    pub json: serde_json::Value,
}

#[derive(Clone, Default)]
struct Shared {
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<ReceivedAlert>>>,
}

pub struct AlertReceiver {
    shared: Shared,
    pub url: String,
}

async fn take(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let status = s.status.load(Ordering::SeqCst);
    let signature = headers.get("x-tvarit-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    s.received.lock().unwrap().push(ReceivedAlert { at: Utc::now(), status, signature, body: body.to_vec(), json });
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

impl AlertReceiver {
    pub async fn start() -> AlertReceiver {
        let shared = Shared { status: Arc::new(AtomicU16::new(200)), ..Default::default() };
        let app = axum::Router::new().route("/alerts", axum::routing::post(take)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        AlertReceiver { shared, url: format!("http://{addr}/alerts") }
    }

    /// The status every following POST is answered with.
    pub fn answer(&self, status: u16) {
        self.shared.status.store(status, Ordering::SeqCst);
    }

    /// Every POST so far, accepted or not.
    pub fn all(&self) -> Vec<ReceivedAlert> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The accepted (2xx) alerts about `docket`.
    pub fn accepted(&self, docket: &str) -> Vec<ReceivedAlert> {
        self.all().into_iter().filter(|a| a.status < 300 && a.json["docket"] == docket).collect()
    }
}
