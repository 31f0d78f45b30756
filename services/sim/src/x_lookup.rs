//! `GET /2/tweets?ids=…` (1–100 comma-separated ids) with
//! `tweet.fields=public_metrics`: posts by id, and a `Not Found Error` in
//! `errors` for each id that does not exist, as X answers.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::state::Sim;
use crate::x_http::{Endpoint, guard, invalid_request, query_get, query_pairs, respond};
use crate::x_json::{Fields, post_json};
use crate::x_mentions::is_snowflake;

pub async fn lookup(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let g = match guard(&sim, &headers, Endpoint::Lookup).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let pairs = query_pairs(query.as_deref());
    let raw = query_get(&pairs, "ids").unwrap_or_default();
    let ids: Vec<&str> = raw.split(',').filter(|s| !s.is_empty()).collect();
    if ids.is_empty() || ids.len() > 100 {
        let msg = format!("The `ids` query parameter value [{raw}] is not between 1 and 100 ids");
        return invalid_request("ids", raw, &msg, &g.rate);
    }
    if let Some(bad) = ids.iter().find(|id| !is_snowflake(id)) {
        let msg = format!("The `ids` query parameter value [{bad}] does not match ^[0-9]{{1,19}}$");
        return invalid_request("ids", bad, &msg, &g.rate);
    }
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let metrics = pairs
        .iter()
        .filter(|(k, _)| k == "tweet.fields" || k == "post.fields")
        .any(|(_, v)| v.split(',').any(|f| f.trim() == "public_metrics"));
    let inner = sim.lock();
    let (mut data, mut errors) = (Vec::new(), Vec::new());
    for id in ids {
        let Some(p) = inner.by_id.get(id).filter(|p| p.platform == crate::state::Platform::X) else {
            errors.push(json!({
                "value": id, "detail": format!("Could not find tweet with ids: [{id}]."), "title": "Not Found Error",
                "resource_type": "tweet", "parameter": "ids", "resource_id": id,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }));
            continue;
        };
        let mut v = post_json(&sim.cfg, p, &fields);
        if metrics {
            let e = inner.engagement.get(id).cloned().unwrap_or_default();
            let replies = inner.by_id.values().filter(|r| r.in_reply_to_id.as_deref() == Some(id)).count();
            v["public_metrics"] = json!({
                "retweet_count": e.retweet_count, "reply_count": replies, "like_count": e.like_count,
                "quote_count": e.quote_count, "bookmark_count": e.bookmark_count, "impression_count": e.impression_count,
            });
        }
        data.push(v);
    }
    let mut body = serde_json::Map::new();
    if !data.is_empty() {
        body.insert("data".into(), Value::Array(data));
    }
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    respond(StatusCode::OK, Value::Object(body), &g.rate)
}
