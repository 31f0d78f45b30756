//! `GET /youtube/v3/comments`: the replies in a thread (`parentId=`),
//! oldest first as a thread reads, or comments by `id=`; 1 quota unit a
//! call. The reply sender uses it to learn whether a reply whose outcome
//! was lost was in fact posted.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::COST_LIST;
use super::ids::{encode_token, etag, replies_key};
use super::quota::spend;
use super::request::{authenticate, paging, parts};
use super::wire::{bad_param, comment_json, google_json, visible};
use crate::state::{Platform, Post, Sim};
use crate::x_http::{query_get, query_pairs};

/// `GET /youtube/v3/comments?parentId=` (or `id=`).
pub async fn list_comments(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = authenticate(&sim, &headers, &pairs) {
        return r;
    }
    if let Err(r) = parts(&pairs, &["id", "snippet"]) {
        return r;
    }
    let page = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (parent, ids) = (query_get(&pairs, "parentId"), query_get(&pairs, "id"));
    if parent.is_some() == ids.is_some() {
        let (reason, msg) = if parent.is_none() {
            ("missingRequiredParameter", "No filter selected. Expected one of: id, parentId")
        } else {
            ("incompatibleParameters", "Incompatible parameters specified in the request: id, parentId")
        };
        return bad_param(reason, msg);
    }
    if let Err(r) = spend(&sim, COST_LIST).await {
        return r;
    }
    let now = Utc::now();
    let found: Vec<Arc<Post>> = {
        let inner = sim.lock();
        match (parent, ids) {
            (Some(p), _) => inner.timelines.get(&replies_key(p)).cloned().unwrap_or_default(),
            (None, Some(ids)) => ids
                .split(',')
                .filter_map(|id| inner.by_id.get(id.trim()))
                .filter(|p| p.platform == Platform::YouTube)
                .cloned()
                .collect(),
            (None, None) => Vec::new(),
        }
    };
    // Oldest first, as a thread reads; pages continue after `below`.
    let rest: Vec<Arc<Post>> =
        found.into_iter().filter(|p| visible(p, now)).filter(|p| page.below.is_none_or(|b| p.seq > b)).collect();
    let more = rest.len() > page.max;
    let shown: Vec<&Arc<Post>> = rest.iter().take(page.max).collect();
    let items: Vec<Value> = shown.iter().map(|p| comment_json(p, page.plain)).collect();
    let mut body = json!({
        "kind": "youtube#commentListResponse",
        "etag": etag(parent.or(ids).unwrap_or_default(), items.len()),
        "pageInfo": {"totalResults": items.len(), "resultsPerPage": page.max},
        "items": items,
    });
    if more && let Some(last) = shown.last() {
        body["nextPageToken"] = json!(encode_token(last.seq));
    }
    google_json(StatusCode::OK, &body)
}
