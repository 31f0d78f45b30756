//! Instagram @mentions of our accounts on the public's own media: the
//! webhook names only ids (`meta::mention_payload`); the words are read with
//! `GET /{version}/{ig-user-id}?fields=mentioned_comment.comment_id(ID){fields}`
//! and answered with `POST /{version}/{ig-user-id}/mentions` (`media_id`,
//! `comment_id`, `message`) → `{"id"}`. A comment that does not @mention
//! the account is Graph's 100/33 error, as for any object it cannot see.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::meta_feed::{AdmittedCall, admit, graph_time, unknown_object};
use crate::meta_graph::{error, graph_json};
use crate::state::{Post, Sim};

/// The mention `comment_id` of our Instagram account `account`, if it is one.
fn mention_of(sim: &Sim, account: &str, comment_id: &str) -> Option<Arc<Post>> {
    let inner = sim.lock();
    let post = inner.by_id.get(comment_id)?;
    (inner.instagram_mentions.contains(comment_id) && post.page_id.as_deref() == Some(account)).then(|| post.clone())
}

/// `mentioned_comment.comment_id(ID){id,text,username,timestamp}`: the id and the wanted fields.
fn wanted(fields: &str) -> Option<(&str, Vec<&str>)> {
    let rest = fields.strip_prefix("mentioned_comment.comment_id(")?;
    let (id, rest) = rest.split_once(')')?;
    let inner = rest.strip_prefix('{').and_then(|r| r.strip_suffix('}')).unwrap_or("id,text,timestamp");
    Some((id, inner.split(',').map(str::trim).collect()))
}

/// `GET /{version}/{ig-user-id}?fields=mentioned_comment...`, called by the
/// Graph object route for an Instagram account; `None` for other fields.
pub async fn read(sim: &Sim, account: &str, p: &[(String, String)], headers: &HeaderMap) -> Option<Response> {
    let fields = p.iter().find(|(k, _)| k == "fields").map(|(_, v)| v.clone())?;
    let (comment_id, wanted) = wanted(&fields)?;
    let usage = match admit(sim, account, p, headers).await {
        Ok(u) => u,
        Err(resp) => return Some(resp),
    };
    let Some(c) = mention_of(sim, account, comment_id) else {
        let e = error(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &unknown_object(comment_id));
        return Some(graph_json(StatusCode::BAD_REQUEST, &e, usage, account));
    };
    let mut out = Map::new();
    for f in wanted {
        match f {
            "id" => _ = out.insert("id".into(), json!(c.id)),
            "text" => _ = out.insert("text".into(), json!(c.text)),
            "username" => _ = out.insert("username".into(), json!(c.author.username)),
            "timestamp" => _ = out.insert("timestamp".into(), json!(graph_time(c.created_at))),
            "media" => _ = out.insert("media".into(), json!({"id": c.fb_post_id})),
            _ => {}
        }
    }
    let body = json!({"mentioned_comment": Value::Object(out), "id": account});
    Some(graph_json(StatusCode::OK, &body, usage, account))
}

/// `POST /{version}/{ig-user-id}/mentions`.
pub async fn reply(call: AdmittedCall) -> Response {
    let AdmittedCall { sim, object: account, params: p, usage, .. } = call;
    let get = |k: &str| p.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (media, comment, message) = (get("media_id"), get("comment_id"), get("message"));
    let fail = |msg: &str| {
        let e = error(StatusCode::BAD_REQUEST, "OAuthException", 100, None, msg);
        graph_json(StatusCode::BAD_REQUEST, &e, usage, &account)
    };
    if media.is_empty() || message.trim().is_empty() {
        return fail("(#100) The parameter media_id and message are required");
    }
    let target = mention_of(&sim, &account, &comment).filter(|t| t.fb_post_id.as_deref() == Some(media.as_str()));
    let Some(target) = target else {
        let e = error(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &unknown_object(&comment));
        return graph_json(StatusCode::BAD_REQUEST, &e, usage, &account);
    };
    let id = crate::instagram::answer(&sim, &target, &account, message).await;
    graph_json(StatusCode::OK, &json!({ "id": id }), usage, &account)
}
