//! `GET /2/tweets/search/recent`: the last seven days of X posts (the
//! public's and our replies) that match `query`, newest first. The query
//! language is the stream rules' (`rule_expr`), paging is by `next_token`
//! (X also takes `pagination_token` here), `max_results` is 10–100, and
//! `since_id`/`until_id`/`start_time`/`end_time` bound it as on mentions.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Duration, Utc};
use serde_json::json;

use crate::rule_expr;
use crate::state::{Platform, Post, Sim, x_time};
use crate::x_http::{Endpoint, guard, invalid_request, invalid_request_errors, query_get, query_pairs, respond};
use crate::x_mentions::{Paging, page_body};
use crate::x_params;

/// Recent search's query limit (512 on Basic and Pro; 4,096 on Enterprise).
const MAX_QUERY_LEN: usize = 512;

pub async fn recent(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let g = match guard(&sim, &headers, Endpoint::Search).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let rate = &g.rate;
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = x_params::SEARCH_RECENT.check(&pairs, rate) {
        return r;
    }
    let text = query_get(&pairs, "query").unwrap_or_default();
    if text.trim().is_empty() {
        let body =
            vec![json!({"parameters": {"query": []}, "message": "The `query` query parameter can not be empty"})];
        return invalid_request_errors(body, rate);
    }
    let parsed = if text.chars().count() > MAX_QUERY_LEN {
        Err(format!("Query length exceeds the maximum of {MAX_QUERY_LEN} characters"))
    } else {
        rule_expr::parse(text)
    };
    let expr = match parsed {
        Ok(e) => e,
        Err(why) => {
            let msg = format!("There were errors processing your request: {why}");
            return invalid_request("query", text, &msg, rate);
        }
    };
    if let Some(v) = query_get(&pairs, "sort_order").filter(|v| *v != "recency" && *v != "relevancy") {
        let msg = format!("The `sort_order` query parameter value [{v}] is not one of [recency,relevancy]");
        return invalid_request("sort_order", v, &msg, rate);
    }
    // X takes `pagination_token` here too; `next_token` is what it documents.
    let key = if query_get(&pairs, "next_token").is_some() { "next_token" } else { "pagination_token" };
    let Paging { max, bounds, below } = match Paging::parse(&pairs, 10..=100, key, rate) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let now = Utc::now();
    let oldest = now - Duration::days(7);
    if let Some(t) = bounds.start.filter(|t| *t < oldest) {
        let v = x_time(t);
        let msg = format!("Invalid 'start_time':'{v}'. 'start_time' must be on or after {}", x_time(oldest));
        return invalid_request("start_time", &v, &msg, rate);
    }
    let selected: Vec<Arc<Post>> = {
        let inner = sim.lock();
        let mut hits: Vec<Arc<Post>> = inner
            .by_id
            .values()
            .filter(|p| p.platform == Platform::X && p.indexed_at <= now && p.created_at >= oldest)
            .filter(|p| bounds.contains(p) && below.is_none_or(|b| p.seq < b))
            .filter(|p| expr.matches(p))
            .cloned()
            .collect();
        // Relevancy is ordered as recency here: the sim has no signal for it.
        hits.sort_by_key(|p| std::cmp::Reverse(p.seq));
        hits.truncate(max + 1);
        hits
    };
    respond(StatusCode::OK, page_body(&sim, &selected, max, &pairs), rate)
}
