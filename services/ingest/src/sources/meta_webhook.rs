//! Meta webhooks for Facebook Pages: the `hub.*` verification handshake, and
//! `feed` and `mention` changes verified with `X-Hub-Signature-256` on the
//! raw body. The Page's own comments are dropped (answering them would loop).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use tvarit_platforms::meta::{self, FeedChange};
use tvarit_proto::v1::Author;
use tvarit_registry::{Account, Registry};

use super::SourceState;
use crate::http::reject;
use crate::post_input::Draft;

pub const SOURCE: &str = "meta-webhook";

pub fn router(state: Arc<SourceState>) -> Router {
    Router::new().route("/webhooks/meta", get(handshake).post(deliver)).with_state(state)
}

async fn handshake(State(state): State<Arc<SourceState>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(verify_token) = &state.meta_verify_token else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_META_VERIFY_TOKEN".into());
    };
    let get = |k: &str| q.get(k).map(String::as_str);
    match meta::verify_subscription(
        get("hub.mode"),
        get("hub.verify_token"),
        get("hub.challenge"),
        verify_token.expose_secret(),
    ) {
        Some(challenge) => challenge.to_owned().into_response(),
        None => reject(StatusCode::FORBIDDEN, "bad_verify_token", "hub.verify_token does not match".into()),
    }
}

fn draft(account: &Account, page_id: &str, c: FeedChange) -> Option<Draft> {
    let from = c.author()?;
    // Only new comments and posts by someone other than the Page itself.
    if c.verb != "add" || !matches!(c.item.as_str(), "comment" | "post") || from.id == page_id {
        return None;
    }
    let post_id = c.comment_id.clone().or(c.post_id.clone())?;
    Some(Draft {
        platform: account.platform.clone(),
        post_id,
        text: c.message.unwrap_or_default(),
        mentions: vec![account.handle.clone()],
        author: Some(Author { id: from.id, handle: String::new(), name: from.name }),
        created_at: c.created_time.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        conversation_id: c.post_id.unwrap_or_default(),
    })
}

async fn deliver(State(state): State<Arc<SourceState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.meta_app_secret else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_META_APP_SECRET".into());
    };
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    if !meta::signature_valid(secret.expose_secret().as_bytes(), &body, signature) {
        return reject(StatusCode::UNAUTHORIZED, "bad_signature", "X-Hub-Signature-256 does not match".into());
    }
    let drafts = match drafts(&body, &state.registry) {
        Ok(d) => d,
        Err(e) => return reject(StatusCode::BAD_REQUEST, "malformed", format!("not a Meta delivery: {e}")),
    };
    state.accept_drafts(drafts, SOURCE).await
}

/// The post drafts of a delivery's (already verified) raw body; entries for
/// unregistered Pages and unreadable changes are skipped and counted.
pub fn drafts(body: &[u8], registry: &Registry) -> Result<Vec<Draft>, serde_json::Error> {
    let delivery: meta::Delivery = serde_json::from_slice(body)?;
    let mut drafts = Vec::new();
    for entry in delivery.entry {
        let account = ["facebook", "instagram"].iter().find_map(|p| registry.account_by_platform_id(p, &entry.id));
        let Some(account) = account else {
            tracing::warn!(page_id = %entry.id, "meta delivery for an unregistered page");
            metrics::counter!("tvarit_ingest_rejected_total", "reason" => "unknown_account").increment(1);
            continue;
        };
        for change in entry.changes.into_iter().filter(|c| c.field == "feed" || c.field == "mention") {
            match serde_json::from_value::<FeedChange>(change.value) {
                Ok(c) => drafts.extend(draft(account, &entry.id, c)),
                Err(e) => tracing::warn!(error = %e, "unreadable meta feed change skipped"),
            }
        }
    }
    Ok(drafts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            platform: "facebook".into(),
            handle: "@BalotraPolicePage".into(),
            unit: "balotra".into(),
            platform_id: Some("1001".into()),
            sources: vec!["webhook".into()],
        }
    }

    fn change(json: &str) -> FeedChange {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn comments_and_mentions_become_drafts_but_the_pages_own_do_not() {
        let c = change(
            r#"{"from":{"id":"77","name":"Asha"},"item":"comment","verb":"add","post_id":"1001_5","comment_id":"5_9","created_time":1764300000,"message":"chain snatching at the market"}"#,
        );
        let d = draft(&account(), "1001", c).unwrap();
        assert_eq!((d.post_id.as_str(), d.conversation_id.as_str()), ("5_9", "1001_5"));
        assert_eq!(d.author.unwrap().id, "77");
        let mention = change(
            r#"{"sender_id":"88","sender_name":"Ravi","item":"post","verb":"add","post_id":"88_3","message":"@Balotra Police bike stolen"}"#,
        );
        let d = draft(&account(), "1001", mention).unwrap();
        assert_eq!((d.post_id.as_str(), d.author.unwrap().name.as_str()), ("88_3", "Ravi"));
        let own = change(
            r#"{"from":{"id":"1001","name":"Page"},"item":"comment","verb":"add","comment_id":"5_10","message":"thanks"}"#,
        );
        assert!(draft(&account(), "1001", own).is_none());
        let edit = change(r#"{"from":{"id":"77"},"item":"comment","verb":"edited","comment_id":"5_9","message":"x"}"#);
        assert!(draft(&account(), "1001", edit).is_none());
    }
}
