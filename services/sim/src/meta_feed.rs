//! A Page's own posts on the Graph API: `POST /{version}/{page-id}/feed`
//! (message, access_token) → `{"id": "{page-id}_{post-id}"}`;
//! `GET /{version}/{page-id}/feed` (the Page's posts, newest first); and
//! `GET /{version}/{post-id}?fields=…` with `shares` (absent when none),
//! `reactions.summary(…)` and `comments.summary(…)`. Same errors, faults and
//! usage headers as comment replies.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::faults::Injected;
use crate::meta_graph::{bearer, error, graph_json, params, usage_percent};
use crate::state::{Author, Platform, Post, PublishedRecord, Sim};

/// Graph's `created_time`: `2026-11-03T10:15:42+0000`.
pub(crate) fn graph_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

pub(crate) fn unknown_object(object_id: &str) -> String {
    format!(
        "Unsupported request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
    )
}

/// A Graph `POST /{version}/{object}/…` once admitted (token, faults,
/// usage; see [`admit`]): the object, its parameters (query, form or JSON
/// body), the body itself and the usage to report. Refused, the handler
/// never runs and the Graph error is the answer.
pub struct AdmittedCall {
    pub sim: Arc<Sim>,
    pub object: String,
    pub params: Vec<(String, String)>,
    pub body: Bytes,
    pub usage: u32,
}

impl FromRequest<Arc<Sim>> for AdmittedCall {
    type Rejection = Response;

    async fn from_request(req: Request, sim: &Arc<Sim>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Path((_version, object)) =
            Path::<(String, String)>::from_request_parts(&mut parts, sim).await.map_err(IntoResponse::into_response)?;
        let (query, headers) = (parts.uri.query().map(str::to_owned), parts.headers.clone());
        let body =
            Bytes::from_request(Request::from_parts(parts, body), sim).await.map_err(IntoResponse::into_response)?;
        let params = params(query.as_deref(), &headers, &body);
        let usage = admit(sim, &object, &params, &headers).await?;
        Ok(AdmittedCall { sim: sim.clone(), object, params, body, usage })
    }
}

/// Token and faults (the version is checked by the router), common to every call here; `Err` is the answer.
#[allow(clippy::result_large_err)]
pub(crate) async fn admit(sim: &Sim, page: &str, p: &[(String, String)], headers: &HeaderMap) -> Result<u32, Response> {
    Sim::count(&sim.stats.api_requests);
    let usage = usage_percent(sim, page, false);
    let fail = |status: StatusCode, code: u32, msg: &str| {
        Err(graph_json(status, &error(status, "OAuthException", code, None, msg), usage, page))
    };
    let token = p.iter().rev().find(|(k, _)| k == "access_token").map(|(_, v)| v.clone()).or_else(|| bearer(headers));
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, 104, "An access token is required to request this resource.");
    };
    if sim.cfg.meta_page_token.as_ref().is_some_and(|t| *t != token) {
        return fail(StatusCode::BAD_REQUEST, 190, "Invalid OAuth access token - Cannot parse access token");
    }
    if let Some(why) = sim.lock().meta_token_invalidated.clone() {
        return fail(StatusCode::BAD_REQUEST, 190, &why);
    }
    match sim.inject().await {
        Injected::None => {}
        Injected::Throttle => return fail(StatusCode::BAD_REQUEST, 32, "Page request limit reached"),
        Injected::ServerError => {
            let msg = "An unexpected error has occurred. Please retry your request later.";
            return fail(StatusCode::INTERNAL_SERVER_ERROR, 2, msg);
        }
    }
    if usage_percent(sim, page, true) > 100 {
        return fail(StatusCode::BAD_REQUEST, 32, "Page request limit reached");
    }
    Ok(usage)
}

pub async fn create(call: AdmittedCall) -> Response {
    let AdmittedCall { sim, object: page_id, params: p, usage, .. } = call;
    let Some(page) = sim.cfg.pages.iter().find(|pg| pg.id == page_id).cloned() else {
        let e = error(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &unknown_object(&page_id));
        return graph_json(StatusCode::BAD_REQUEST, &e, usage, &page_id);
    };
    let message = p.iter().rev().find(|(k, _)| k == "message").map(|(_, v)| v.clone()).unwrap_or_default();
    let link = p.iter().rev().find(|(k, _)| k == "link").map(|(_, v)| v.clone()).unwrap_or_default();
    if message.trim().is_empty() && link.is_empty() {
        let e = error(StatusCode::BAD_REQUEST, "OAuthException", 100, None, "(#100) Missing message or attachment");
        return graph_json(StatusCode::BAD_REQUEST, &e, usage, &page_id);
    }
    let (seq, created_at) = sim.next_id();
    let id = format!("{page_id}_{seq}");
    let post = Arc::new(Post {
        platform: Platform::Facebook,
        id: id.clone(),
        seq,
        corpus_id: None,
        text: message.clone(),
        author: Author { id: page_id.clone(), username: page_id.clone(), name: page.name.clone() },
        mentions: Vec::new(),
        mentioned_ids: Vec::new(),
        created_at,
        indexed_at: created_at,
        conversation_id: id.clone(),
        in_reply_to_id: None,
        in_reply_to_user_id: None,
        page_id: Some(page_id.clone()),
        fb_post_id: Some(id.clone()),
        by_account: true,
        media: Vec::new(),
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), post.clone());
        inner.page_feeds.entry(page_id.clone()).or_default().push(post);
        inner.published.push(PublishedRecord {
            platform: Platform::Facebook,
            account: page_id.clone(),
            post_id: Some(id.clone()),
            text: message,
            time: created_at,
            outcome: "created".into(),
        });
    }
    tracing::info!(post_id = %id, page = %page_id, "meta page post received");
    let linger = sim.faults().slow_after_create_ms;
    if linger > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(linger)).await;
    }
    graph_json(StatusCode::OK, &json!({ "id": id }), usage, &page_id)
}

pub async fn feed(
    State(sim): State<Arc<Sim>>,
    Path((_version, page_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let p = params(query.as_deref(), &headers, &[]);
    let usage = match admit(&sim, &page_id, &p, &headers).await {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let limit = p.iter().find(|(k, _)| k == "limit").and_then(|(_, v)| v.parse::<usize>().ok()).unwrap_or(25).min(100);
    let inner = sim.lock();
    let data: Vec<Value> = inner
        .page_feeds
        .get(&page_id)
        .map(|posts| {
            posts
                .iter()
                .rev()
                .take(limit)
                .map(|p| json!({ "id": p.id, "message": p.text, "created_time": graph_time(p.created_at) }))
                .collect()
        })
        .unwrap_or_default();
    graph_json(StatusCode::OK, &json!({ "data": data }), usage, &page_id)
}

/// `GET /{version}/{post-id}?fields=id,message,created_time,shares,reactions.summary(…),comments.summary(…)`.
pub async fn object(
    State(sim): State<Arc<Sim>>,
    Path((_version, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let p = params(query.as_deref(), &headers, &[]);
    if object_id == "debug_token" {
        return crate::meta_token::debug_token(&sim, &p);
    }
    if sim.cfg.instagram_accounts.iter().any(|a| a.id == object_id)
        && let Some(resp) = crate::instagram_mentions::read(&sim, &object_id, &p, &headers).await
    {
        return resp;
    }
    let page = object_id.split('_').next().unwrap_or_default().to_owned();
    let usage = match admit(&sim, &page, &p, &headers).await {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    let inner = sim.lock();
    let Some(post) = inner.by_id.get(&object_id).filter(|p| p.platform == Platform::Facebook) else {
        let e = error(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &unknown_object(&object_id));
        return graph_json(StatusCode::BAD_REQUEST, &e, usage, &page);
    };
    let fields = p.iter().find(|(k, _)| k == "fields").map(|(_, v)| v.clone()).unwrap_or_else(|| "id".into());
    let e = inner.engagement.get(&object_id).cloned().unwrap_or_default();
    let comments = inner.by_id.values().filter(|c| c.in_reply_to_id.as_deref() == Some(&object_id)).count() as u64;
    let summary = |total: u64| json!({ "data": [], "summary": { "total_count": total } });
    let mut out = Map::new();
    out.insert("id".into(), json!(post.id));
    // Fields are comma-separated; `reactions.summary(total_count)` has no comma inside here.
    for field in fields.split(',').map(str::trim) {
        match field.split(['.', '{']).next().unwrap_or_default() {
            "message" => _ = out.insert("message".into(), json!(post.text)),
            "created_time" => _ = out.insert("created_time".into(), json!(graph_time(post.created_at))),
            "shares" if e.shares > 0 => _ = out.insert("shares".into(), json!({ "count": e.shares })),
            "reactions" => _ = out.insert("reactions".into(), summary(e.reactions)),
            "comments" => _ = out.insert("comments".into(), summary(e.comments + comments)),
            _ => {}
        }
    }
    graph_json(StatusCode::OK, &Value::Object(out), usage, &page)
}
