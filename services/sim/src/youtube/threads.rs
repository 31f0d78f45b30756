//! `GET /youtube/v3/commentThreads`: what Tvarit's poller reads. Threads
//! come newest first, filtered by channel, video or id, with up to five
//! replies inline when `part=replies` is asked for; 1 quota unit a call.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};

use super::COST_LIST;
use super::ids::{encode_token, etag, replies_key, threads_key};
use super::quota::spend;
use super::request::{authenticate, paging, parts};
use super::wire::{bad_param, comment_json, error, google_json, invalid_value, visible};
use crate::state::{Platform, Post, Sim};
use crate::x_http::{query_get, query_pairs};

/// `GET /youtube/v3/commentThreads`.
pub async fn comment_threads(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = authenticate(&sim, &headers, &pairs) {
        return r;
    }
    let parts = match parts(&pairs, &["id", "snippet", "replies"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(o) = query_get(&pairs, "order").filter(|o| *o != "time" && *o != "relevance") {
        return invalid_value(o, "Value must be one of [time, relevance]");
    }
    let filters = ["allThreadsRelatedToChannelId", "channelId", "id", "videoId"];
    let given: Vec<&str> = filters.iter().copied().filter(|f| query_get(&pairs, f).is_some()).collect();
    if given.len() != 1 {
        let (reason, msg) = if given.is_empty() {
            (
                "missingRequiredParameter",
                "No filter selected. Expected one of: allThreadsRelatedToChannelId, channelId, id, videoId",
            )
        } else {
            (
                "incompatibleParameters",
                "Incompatible parameters specified in the request: allThreadsRelatedToChannelId, channelId, id, videoId",
            )
        };
        return bad_param(reason, msg);
    }
    let value = query_get(&pairs, given[0]).unwrap_or_default().to_owned();
    if given[0] == "allThreadsRelatedToChannelId" && sim.cfg.channel_by_id(&value).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "channelNotFound",
            "youtube.commentThread",
            "The channel identified by the <code>allThreadsRelatedToChannelId</code> parameter could not be found.",
        );
    }
    if let Err(r) = spend(&sim, COST_LIST).await {
        return r;
    }
    let now = Utc::now();
    let (threads, more, total, replies) = {
        let inner = sim.lock();
        let all: Vec<Arc<Post>> = match given[0] {
            "allThreadsRelatedToChannelId" => inner.timelines.get(&threads_key(&value)).cloned().unwrap_or_default(),
            "videoId" => sim
                .cfg
                .youtube_channels
                .iter()
                .filter_map(|c| inner.timelines.get(&threads_key(&c.id)))
                .flatten()
                .filter(|p| p.conversation_id == value)
                .cloned()
                .collect(),
            "id" => value
                .split(',')
                .filter_map(|id| inner.by_id.get(id.trim()))
                .filter(|p| p.platform == Platform::YouTube && p.in_reply_to_id.is_none())
                .cloned()
                .collect(),
            // Comments about the channel itself: Tvarit's channels have none.
            _ => Vec::new(),
        };
        let mut matched: Vec<Arc<Post>> = all.into_iter().filter(|p| visible(p, now)).collect();
        matched.sort_by_key(|p| std::cmp::Reverse(p.seq));
        let total = matched.len();
        let rest: Vec<Arc<Post>> = matched.into_iter().filter(|p| page.below.is_none_or(|b| p.seq < b)).collect();
        let more = rest.len() > page.max;
        let threads: Vec<Arc<Post>> = rest.into_iter().take(page.max).collect();
        let replies: Vec<Vec<Arc<Post>>> = threads
            .iter()
            .map(|t| {
                let list = inner.timelines.get(&replies_key(&t.id)).map(Vec::as_slice).unwrap_or(&[]);
                list.iter().filter(|r| visible(r, now)).cloned().collect()
            })
            .collect();
        (threads, more, total, replies)
    };
    let items: Vec<Value> = threads
        .iter()
        .zip(&replies)
        .map(|(t, rs)| {
            let mut item = json!({"kind": "youtube#commentThread", "etag": etag(&t.id, rs.len()), "id": t.id});
            if parts.iter().any(|p| p == "snippet") {
                item["snippet"] = json!({
                    "channelId": t.page_id,
                    "videoId": t.conversation_id,
                    "topLevelComment": comment_json(t, page.plain),
                    "canReply": true,
                    "totalReplyCount": rs.len(),
                    "isPublic": true,
                });
            }
            if parts.iter().any(|p| p == "replies") && !rs.is_empty() {
                let comments: Vec<Value> = rs.iter().take(5).map(|r| comment_json(r, page.plain)).collect();
                item["replies"] = json!({ "comments": comments });
            }
            item
        })
        .collect();
    let mut body = json!({
        "kind": "youtube#commentThreadListResponse",
        "etag": etag(&value, total),
        "pageInfo": {"totalResults": items.len(), "resultsPerPage": page.max},
        "items": items,
    });
    if more && let Some(last) = threads.last() {
        body["nextPageToken"] = json!(encode_token(last.seq));
    }
    google_json(StatusCode::OK, &body)
}
