//! Instagram's comment replies on the Graph API:
//! `POST /{version}/{ig-comment-id}/replies` (message) → `{"id"}`, as the
//! professional account whose media was commented on, and
//! `GET /{version}/{ig-comment-id}/replies?fields=id,text,username,timestamp`
//! (how a sender finds a reply whose outcome it lost). Errors, faults and
//! usage headers as the Page calls; the comments arrive by webhook
//! (`meta::payload`, `object: instagram`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use crate::delivery;
use crate::meta_feed::{admit, graph_time, unknown_object};
use crate::meta_graph::{error, graph_json, params};
use crate::state::{Author, Platform, Post, ReplyRecord, Sim};

/// The call's token, faults and usage, then the Instagram comment
/// `comment_id` names, with its account: or the Graph error to answer.
#[allow(clippy::result_large_err)]
async fn admitted_comment(
    sim: &Sim,
    comment_id: &str,
    p: &[(String, String)],
    headers: &HeaderMap,
) -> Result<(Arc<Post>, String, u32), Response> {
    let target = sim.lock().by_id.get(comment_id).cloned();
    let account_of = target.as_ref().and_then(|t| t.page_id.clone()).unwrap_or_default();
    let usage = admit(sim, &account_of, p, headers).await?;
    match target.filter(|t| t.platform == Platform::Instagram) {
        Some(t) => Ok((t, account_of, usage)),
        None => {
            let e = error(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &unknown_object(comment_id));
            Err(graph_json(StatusCode::BAD_REQUEST, &e, usage, comment_id))
        }
    }
}

pub async fn reply(
    State(sim): State<Arc<Sim>>,
    Path((_version, comment_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = params(query.as_deref(), &headers, &body);
    let (target, account, usage) = match admitted_comment(&sim, &comment_id, &p, &headers).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let message = p.iter().rev().find(|(k, _)| k == "message").map(|(_, v)| v.clone()).unwrap_or_default();
    if message.trim().is_empty() {
        let e = error(StatusCode::BAD_REQUEST, "OAuthException", 100, None, "(#100) Missing message");
        return graph_json(StatusCode::BAD_REQUEST, &e, usage, &account);
    }
    let id = answer(&sim, &target, &account, message).await;
    graph_json(StatusCode::OK, &json!({ "id": id }), usage, &account)
}

pub async fn replies(
    State(sim): State<Arc<Sim>>,
    Path((_version, comment_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let p = params(query.as_deref(), &headers, &[]);
    let (target, account, usage) = match admitted_comment(&sim, &comment_id, &p, &headers).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let mut found: Vec<Arc<Post>> =
        sim.lock().by_id.values().filter(|c| c.in_reply_to_id.as_deref() == Some(&target.id)).cloned().collect();
    found.sort_by_key(|c| std::cmp::Reverse(c.seq));
    let data: Vec<_> = found
        .iter()
        .map(|c| json!({"id": c.id, "text": c.text, "username": c.author.username, "timestamp": graph_time(c.created_at)}))
        .collect();
    graph_json(StatusCode::OK, &json!({ "data": data }), usage, &account)
}

/// Records the account's reply to `target` (a comment on our media, or one
/// that @mentions us), delivers it back by webhook as Instagram does, and
/// lingers when a test asked (so it can kill the sender between the post and
/// its record). Returns the reply's id.
pub(crate) async fn answer(sim: &Sim, target: &Post, account: &str, message: String) -> String {
    let (seq, created_at) = sim.next_id();
    let id = format!("179{seq}");
    let username =
        sim.cfg.instagram_accounts.iter().find(|a| a.id == account).map(|a| a.name.clone()).unwrap_or_default();
    let author = Author { id: account.to_owned(), username: username.clone(), name: username };
    let reply = Arc::new(Post {
        page_id: Some(account.to_owned()),
        fb_post_id: target.fb_post_id.clone(),
        ..Post::account_reply(Platform::Instagram, id.clone(), seq, created_at, message, author, target)
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), reply.clone());
        inner.replies.push(ReplyRecord::created(target, &reply, account));
    }
    // Instagram notifies the account of its own comments too; receivers drop them.
    delivery::enqueue_meta(sim, &reply);
    tracing::info!(reply_id = %id, in_reply_to = %target.id, "instagram reply received");
    // The fault that lets a test kill the sender between the post and its record.
    let linger = sim.faults().slow_after_create_ms;
    if linger > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(linger)).await;
    }
    id
}
