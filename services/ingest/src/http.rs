//! `POST /v1/posts`: a generic signed webhook for sources without an adapter
//! of their own (e.g. a WhatsApp bridge). The HMAC-SHA256 signature over the
//! raw body is checked before anything is parsed.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tvarit_registry::Registry;

use crate::accept::Outcome;
use crate::coalesce::Coalescer;
use crate::post_input::parse_post;

pub const SIGNATURE_HEADER: &str = "x-tvarit-signature";

pub struct WebhookState {
    /// Concurrent requests are archived and published in shared batches.
    pub acceptor: Coalescer,
    pub registry: Registry,
    /// `None` refuses every post: an unsigned endpoint is never opened.
    pub secret: Option<SecretString>,
}

pub fn router(state: Arc<WebhookState>, max_body_bytes: usize) -> Router {
    Router::new().route("/v1/posts", post(receive_post)).layer(DefaultBodyLimit::max(max_body_bytes)).with_state(state)
}

pub fn reject(status: StatusCode, reason: &'static str, detail: String) -> Response {
    metrics::counter!("tvarit_ingest_rejected_total", "reason" => reason).increment(1);
    tracing::info!(%status, reason, %detail, "post rejected");
    (status, axum::Json(json!({ "error": reason, "detail": detail }))).into_response()
}

async fn receive_post(State(state): State<Arc<WebhookState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.secret else {
        return reject(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            "set TVARIT_INGEST_WEBHOOK_SECRET or TVARIT_INGEST_WEBHOOK_SECRET_FILE".into(),
        );
    };
    let header = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if !tvarit_platforms::verify_hex_sha256(secret.expose_secret().as_bytes(), &body, header) {
        return reject(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            format!("{SIGNATURE_HEADER} must be sha256=<hex HMAC-SHA256 of the body>"),
        );
    }
    let text = match std::str::from_utf8(&body) {
        Ok(t) => t,
        Err(e) => return reject(StatusCode::BAD_REQUEST, "invalid_utf8", e.to_string()),
    };
    let post = match parse_post(text, &state.registry, chrono::Utc::now(), "webhook") {
        Ok(p) => p,
        Err(e @ crate::post_input::InputError::Json(_)) => {
            return reject(StatusCode::BAD_REQUEST, "malformed", e.to_string());
        }
        Err(e) => return reject(StatusCode::UNPROCESSABLE_ENTITY, "invalid", e.to_string()),
    };
    let unit = post.unit.clone();
    match state.acceptor.accept(post).await {
        Ok(outcome) => {
            let duplicate = outcome == Outcome::Duplicate;
            let body = json!({ "status": "accepted", "duplicate": duplicate, "unit": unit });
            (StatusCode::ACCEPTED, axum::Json(body)).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot accept post now");
            // The sender retries; nothing was acknowledged.
            let body = json!({ "error": "unavailable", "detail": "try again shortly" });
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}
