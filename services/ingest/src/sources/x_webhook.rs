//! The X Activity webhook: answers the CRC challenge and takes
//! `tweet_create_events` and `direct_message_events` (private posts),
//! verifying `x-twitter-webhooks-signature` over the
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
use tvarit_platforms::x::dm::{ActivityDm, ActivityUsers};
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
        private: false,
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

/// A person's direct message to our account `for_user_id` (whose handle
/// is `handle`). The thread is the account's conversation with them.
fn dm_draft(handle: &str, for_user_id: &str, users: &ActivityUsers, e: &ActivityDm) -> Option<Draft> {
    let m = &e.message_create;
    // The account's own messages are delivered too; answering them would loop.
    if e.kind != "message_create" || m.sender_id == for_user_id {
        return None;
    }
    let sender = users.get(&m.sender_id);
    Some(Draft {
        platform: "x".into(),
        post_id: e.id.clone(),
        text: m.message_data.text.clone(),
        mentions: vec![handle.to_owned()],
        author: Some(Author {
            id: m.sender_id.clone(),
            handle: sender.map(|u| format!("@{}", u.screen_name)).unwrap_or_default(),
            name: sender.map(|u| u.name.clone()).unwrap_or_default(),
        }),
        created_at: e.created_timestamp.parse().ok().and_then(DateTime::from_timestamp_millis),
        conversation_id: format!("dm:{for_user_id}"),
        media: Vec::new(),
        private: true,
    })
}

/// The post drafts of a delivery's (already verified) raw body.
pub fn drafts(body: &[u8], registry: &Registry) -> Result<Vec<Draft>, serde_json::Error> {
    let delivery: webhook::Delivery = serde_json::from_slice(body)?;
    let mut drafts: Vec<Draft> = delivery
        .tweet_create_events
        .iter()
        // Our own posts come back as events too: answering them would loop.
        .filter(|t| registry.account(&t.user.screen_name).is_none())
        .map(draft)
        .collect();
    if !delivery.direct_message_events.is_empty() {
        match registry.account_by_platform_id("x", &delivery.for_user_id) {
            Some(account) => drafts.extend(
                delivery
                    .direct_message_events
                    .iter()
                    .filter_map(|e| dm_draft(&account.handle, &delivery.for_user_id, &delivery.users, e)),
            ),
            None => {
                tracing::warn!(for_user_id = %delivery.for_user_id, "direct messages for an X account with no registered platform_id");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "unknown_account").increment(1);
            }
        }
    }
    Ok(drafts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The documented Account Activity DM delivery: the person's message is
    /// a private draft of the account; the account's own is dropped.
    #[test]
    fn direct_messages_become_private_drafts() {
        let toml = format!(
            "{}\n[[accounts]]\nplatform = \"x\"\nhandle = \"@SP_Balotra\"\nunit = \"balotra\"\nplatform_id = \"322793061\"\nsources = [\"webhook\"]\n",
            tvarit_registry::RAJASTHAN_TOML.split("[[accounts]]").next().unwrap()
        );
        let registry = Registry::from_toml(&toml).unwrap();
        let body = br#"{"for_user_id":"322793061","direct_message_events":[
            {"type":"message_create","id":"954491830116155396","created_timestamp":"1516403560557","message_create":{"target":{"recipient_id":"322793061"},"sender_id":"3001969357","message_data":{"text":"Mera phone chori hua, number 98290 12345 par call karein"}}},
            {"type":"message_create","id":"954491830116155397","created_timestamp":"1516403560600","message_create":{"target":{"recipient_id":"3001969357"},"sender_id":"322793061","message_data":{"text":"Please share the place"}}}],
            "users":{"3001969357":{"id":"3001969357","name":"Jordan","screen_name":"jordan_b"},"322793061":{"id":"322793061","name":"SP Balotra","screen_name":"SP_Balotra"}}}"#;
        let drafts = drafts(body, &registry).unwrap();
        assert_eq!(drafts.len(), 1, "{drafts:?}");
        let d = &drafts[0];
        assert!(d.private);
        assert_eq!((d.post_id.as_str(), d.conversation_id.as_str()), ("954491830116155396", "dm:322793061"));
        assert_eq!(d.author.as_ref().unwrap().handle, "@jordan_b");
        assert_eq!(d.mentions, vec!["@SP_Balotra".to_owned()]);
        assert_eq!(d.created_at.unwrap().timestamp_millis(), 1516403560557);
    }

    #[test]
    fn reads_v1_times() {
        let t = v1_time("Wed Oct 10 20:19:24 +0000 2018").unwrap();
        assert_eq!(t.to_rfc3339(), "2018-10-10T20:19:24+00:00");
        assert!(v1_time("2018-10-10").is_none());
    }
}
