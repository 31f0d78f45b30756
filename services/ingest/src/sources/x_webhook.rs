//! The X Activity webhook: answers the CRC challenge and takes
//! `tweet_create_events`, verifying `x-twitter-webhooks-signature` over the
//! raw body before anything is parsed.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use tvarit_platforms::x::webhook::{self, V1Tweet};
use tvarit_proto::v1::{Author, Media};
use tvarit_registry::Registry;

use super::SourceState;
use crate::http::reject;
use crate::post_input::{Draft, mentions_in};

pub const SOURCE: &str = "x-webhook";

pub fn router(state: Arc<SourceState>) -> Router {
    Router::new().route("/webhooks/x", get(crc).post(deliver)).with_state(state)
}

async fn crc(State(state): State<Arc<SourceState>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(secret) = &state.x_consumer_secret else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_X_CONSUMER_SECRET".into());
    };
    let Some(token) = q.get("crc_token") else {
        return reject(StatusCode::BAD_REQUEST, "malformed", "crc_token is missing".into());
    };
    let body = webhook::crc_response(secret.expose_secret().as_bytes(), token);
    ([(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `Wed Oct 10 20:19:24 +0000 2018`, the v1.1 time format.
fn v1_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%a %b %d %H:%M:%S %z %Y").ok().map(|t| t.with_timezone(&Utc))
}

fn draft(t: &V1Tweet) -> Draft {
    let text = t.full_text().to_owned();
    let mut mentions = t.mentions();
    if mentions.is_empty() {
        mentions = mentions_in(&text);
    }
    Draft {
        platform: "x".into(),
        post_id: t.id_str.clone(),
        mentions,
        author: Some(Author {
            id: t.user.id_str.clone(),
            handle: format!("@{}", t.user.screen_name),
            name: t.user.name.clone(),
        }),
        created_at: v1_time(&t.created_at),
        conversation_id: String::new(),
        text,
        media: t
            .media()
            .iter()
            .map(|m| {
                // v1.1 gives a photo's file, and only a still for a video or GIF.
                let (url, preview_url) = match m.kind.as_str() {
                    "photo" => (m.media_url_https.clone(), String::new()),
                    _ => (String::new(), m.media_url_https.clone()),
                };
                Media { r#type: m.kind.clone(), url, preview_url, alt_text: m.ext_alt_text.clone().unwrap_or_default() }
            })
            .collect(),
    }
}

async fn deliver(State(state): State<Arc<SourceState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.x_consumer_secret else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_X_CONSUMER_SECRET".into());
    };
    let signature = headers.get("x-twitter-webhooks-signature").and_then(|v| v.to_str().ok());
    if !webhook::signature_valid(secret.expose_secret().as_bytes(), &body, signature) {
        return reject(StatusCode::UNAUTHORIZED, "bad_signature", "x-twitter-webhooks-signature does not match".into());
    }
    let drafts = match drafts(&body, &state.registry) {
        Ok(d) => d,
        Err(e) => return reject(StatusCode::BAD_REQUEST, "malformed", format!("not an X activity delivery: {e}")),
    };
    state.accept_drafts(drafts, SOURCE).await
}

/// The post drafts of a delivery's (already verified) raw body.
pub fn drafts(body: &[u8], registry: &Registry) -> Result<Vec<Draft>, serde_json::Error> {
    let delivery: webhook::Delivery = serde_json::from_slice(body)?;
    Ok(delivery
        .tweet_create_events
        .iter()
        // Our own posts come back as events too: answering them would loop.
        .filter(|t| registry.account(&t.user.screen_name).is_none())
        .map(draft)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_times() {
        let t = v1_time("Wed Oct 10 20:19:24 +0000 2018").unwrap();
        assert_eq!(t.to_rfc3339(), "2018-10-10T20:19:24+00:00");
        assert!(v1_time("2018-10-10").is_none());
    }
}
