//! Fault injection: set from the command line, changed at run time with
//! `POST /sim/faults` (a JSON merge of the fields below, plus the one-shot
//! actions `stream_disconnect_now` and `stream_drop_now`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::state::{Sim, StreamControl};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// The next N API calls (X REST and the Graph API) are throttled: 429 on
    /// X, error code 32 on Meta. A "429 burst".
    pub throttle_next: u32,
    /// Fraction of API calls answered with a 5xx.
    pub error_rate: f64,
    /// Milliseconds added before every API response.
    pub slow_ms: u64,
    /// Milliseconds `POST /2/tweets` waits after the post is created and
    /// before it answers: a caller killed in this gap never learns that its
    /// reply went out (the at-most-once test).
    pub slow_after_create_ms: u64,
    /// Each stream connection is dropped (closed without a word) after N s.
    pub stream_drop_secs: u64,
    /// Each stream connection gets an in-band `operational-disconnect` after N s.
    pub stream_disconnect_secs: u64,
    /// Streams go silent: no keep-alives, posts withheld (for stall detection).
    pub stream_stall: bool,
    /// The next N stream data lines are cut mid-JSON and the connection closed.
    pub truncate_next_lines: u32,
    /// Fraction of webhook deliveries sent twice.
    pub duplicate_webhooks: f64,
    /// `POST /2/tweets` answers 429 UsageCapExceeded.
    pub usage_cap: bool,
}

/// What an API handler should do before its real work.
pub enum Injected {
    None,
    Throttle,
    ServerError,
}

impl Sim {
    /// Applies the slow-response fault and draws the throttle and 5xx faults.
    pub async fn inject(&self) -> Injected {
        let (slow, outcome) = {
            let mut f = self.faults();
            let outcome = if f.throttle_next > 0 {
                f.throttle_next -= 1;
                Injected::Throttle
            } else {
                Injected::None
            };
            (f.slow_ms, (outcome, f.error_rate))
        };
        if slow > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(slow)).await;
        }
        match outcome {
            (Injected::None, rate) if rate > 0.0 && self.chance() < rate => Injected::ServerError,
            (o, _) => o,
        }
    }
}

pub async fn get_faults(State(sim): State<Arc<Sim>>) -> Json<Faults> {
    Json(sim.faults().clone())
}

pub async fn post_faults(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let mut patch: serde_json::Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return bad("expected a JSON object"),
    };
    let disconnect = patch.remove("stream_disconnect_now").and_then(|v| v.as_bool()).unwrap_or(false);
    let drop_now = patch.remove("stream_drop_now").and_then(|v| v.as_bool()).unwrap_or(false);
    let updated = {
        let mut faults = sim.faults();
        let mut current = match serde_json::to_value(&*faults) {
            Ok(Value::Object(m)) => m,
            _ => return bad("faults do not serialize"),
        };
        current.extend(patch);
        match serde_json::from_value::<Faults>(Value::Object(current)) {
            Ok(f) => {
                *faults = f.clone();
                f
            }
            Err(e) => return bad(&e.to_string()),
        }
    };
    if disconnect {
        let _ = sim.control.send(StreamControl::Disconnect);
    }
    if drop_now {
        let _ = sim.control.send(StreamControl::Drop);
    }
    tracing::info!(faults = ?updated, disconnect, drop_now, "faults changed");
    Json(updated).into_response()
}

fn bad(detail: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": detail }))).into_response()
}
