//! `POST /youtube/v3/comments?part=snippet`: Tvarit's reply to a
//! top-level comment (50 quota units). Every refusal YouTube documents for
//! `comments.insert` is reproduced, and every attempt, accepted or not, is
//! recorded in `/sim/replies` for the tests to check.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::ids::{replies_key, reply_id};
use super::quota::{spend, unbilled};
use super::request::{Caller, authenticate, bearer, parts};
use super::wire::{comment_json, error, google_json};
use super::{COST_INSERT, MAX_COMMENT_CHARS};
use crate::state::{Author, Platform, Post, ReplyRecord, Sim};
use crate::x_http::query_pairs;

/// `POST /youtube/v3/comments?part=snippet`: a reply.
pub async fn insert_comment(
    State(sim): State<Arc<Sim>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    let refuse = |sim: &Sim, parent: &str, text: &str, outcome: &str| {
        let target = sim.lock().by_id.get(parent).cloned();
        sim.lock().replies.push(ReplyRecord {
            platform: Platform::YouTube,
            in_reply_to: parent.to_owned(),
            in_reply_to_corpus_id: target.and_then(|t| t.corpus_id.clone()),
            text: text.to_owned(),
            reply_id: None,
            time: Utc::now(),
            account: None,
            response_ms: None,
            outcome: outcome.to_owned(),
        });
    };
    if bearer(&headers).is_none() {
        return unbilled(google_json(
            StatusCode::UNAUTHORIZED,
            &json!({"error": {"code": 401,
                "message": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                "errors": [{"message": "Login Required.", "domain": "global", "reason": "required",
                    "location": "Authorization", "locationType": "header"}],
                "status": "UNAUTHENTICATED"}}),
        ));
    }
    let bound = match authenticate(&sim, &headers, &pairs) {
        Ok(Caller::Token(bound)) => bound,
        Ok(Caller::Key) => None,
        Err(r) => return r,
    };
    if let Err(r) = parts(&pairs, &["id", "snippet"]) {
        return r;
    }
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "parseError", "global", "Parse Error");
    };
    let snippet = &input["snippet"];
    let parent_id = snippet["parentId"].as_str().unwrap_or_default().to_owned();
    let text = snippet["textOriginal"].as_str().unwrap_or_default().to_owned();
    if !snippet.is_object() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalidCommentMetadata",
            "youtube.comment",
            "The request metadata is invalid.",
        );
    }
    if parent_id.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "parentIdMissing",
            "youtube.comment",
            "The comment being created must be linked to a parent comment. However, the API request did not provide a value for the <code><a href=\"/youtube/v3/docs/comments#snippet.parentId\">snippet.parentId</a></code> property.",
        );
    }
    if text.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "commentTextRequired",
            "youtube.comment",
            "The comment resource that is being inserted must specify a value for the <code>snippet.textOriginal</code> property. Comments cannot be empty.",
        );
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        refuse(&sim, &parent_id, &text, "commentTextTooLong");
        return error(
            StatusCode::BAD_REQUEST,
            "commentTextTooLong",
            "youtube.comment",
            "The comment resource that is being inserted contains too many characters in the <code>snippet.textOriginal</code> property.",
        );
    }
    let target = sim.lock().by_id.get(&parent_id).cloned().filter(|t| t.platform == Platform::YouTube);
    let Some(target) = target else {
        refuse(&sim, &parent_id, &text, "parentCommentNotFound");
        return error(
            StatusCode::NOT_FOUND,
            "parentCommentNotFound",
            "youtube.comment",
            "The specified parent comment could not be found. Check the value of the <code><a href=\"/youtube/v3/docs/comments#snippet.parentId\">snippet.parentId</a></code> property in the request body to ensure that it is correct.",
        );
    };
    if target.in_reply_to_id.is_some() {
        refuse(&sim, &parent_id, &text, "operationNotSupported");
        return error(
            StatusCode::BAD_REQUEST,
            "operationNotSupported",
            "youtube.comment",
            "The API user is not able to insert a comment in reply to the specified comment.",
        );
    }
    let owner = target.page_id.clone().unwrap_or_default();
    let channel_id = bound.unwrap_or_else(|| owner.clone());
    let Some(channel) = sim.cfg.channel_by_id(&channel_id).cloned() else {
        refuse(&sim, &parent_id, &text, "forbidden");
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "youtube.comment",
            "The comment cannot be created due to insufficient permissions. The request might not be properly authorized.",
        );
    };
    if let Err(r) = spend(&sim, COST_INSERT).await {
        refuse(&sim, &parent_id, &text, "quotaExceeded");
        return r;
    }
    let (seq, created_at) = sim.next_id();
    let id = reply_id(&target.id, seq);
    let author = Author {
        id: channel.id.clone(),
        username: channel.handle.trim_start_matches('@').to_owned(),
        name: channel.handle.clone(),
    };
    let reply = Arc::new(Post {
        page_id: target.page_id.clone(),
        ..Post::account_reply(Platform::YouTube, id.clone(), seq, created_at, text, author, &target)
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), reply.clone());
        inner.timelines.entry(replies_key(&target.id)).or_default().push(reply.clone());
        inner.authored.entry(channel.id.clone()).or_default().push(reply.clone());
        inner.replies.push(ReplyRecord::created(&target, &reply, &channel.id));
    }
    tracing::info!(reply_id = %id, in_reply_to = %target.id, "youtube reply received");
    let pause = sim.faults().slow_after_create_ms;
    if pause > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
    google_json(StatusCode::OK, &comment_json(&reply, false))
}
