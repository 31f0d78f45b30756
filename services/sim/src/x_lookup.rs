//! Post lookup: `GET /2/tweets/{id}` and `GET /2/tweets?ids=…` (1–100
//! comma-separated ids), with `tweet.fields=public_metrics` and the
//! `author_id` expansions. An id that does not exist is a 200 with a
//! `Not Found Error` in `errors`, as X answers.

use std::sync::Arc;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::state::{Inner, Platform, Post, Sim};
use crate::x_http::{Endpoint, XRequest, admit, batch_body, batch_keys, invalid_request, respond};
use crate::x_json::{Fields, includes, post_json};
use crate::x_mentions::is_snowflake;
use crate::x_params;

fn not_found(parameter: &str, id: &str) -> Value {
    json!({
        "value": id, "detail": format!("Could not find tweet with {parameter}: [{id}]."), "title": "Not Found Error",
        "resource_type": "tweet", "parameter": parameter, "resource_id": id,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    })
}

fn wants_metrics(pairs: &[(String, String)]) -> bool {
    pairs
        .iter()
        .filter(|(k, _)| k == "tweet.fields" || k == "post.fields")
        .any(|(_, v)| v.split(',').any(|f| f.trim() == "public_metrics"))
}

/// The posts found and the `errors` entries for the ids that were not.
fn find(inner: &Inner, ids: &[&str], parameter: &str) -> (Vec<Arc<Post>>, Vec<Value>) {
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    for id in ids {
        match inner.by_id.get(*id).filter(|p| p.platform == Platform::X) {
            Some(p) => found.push(p.clone()),
            None => errors.push(not_found(parameter, id)),
        }
    }
    (found, errors)
}

/// One post as lookup renders it, with `public_metrics` if asked.
fn render(sim: &Sim, inner: &Inner, p: &Post, fields: &Fields, metrics: bool) -> Value {
    let mut v = post_json(&sim.cfg, p, fields);
    if metrics {
        let e = inner.engagement.get(&p.id).cloned().unwrap_or_default();
        let replies = inner.by_id.values().filter(|r| r.in_reply_to_id.as_deref() == Some(&p.id)).count();
        v["public_metrics"] = json!({
            "retweet_count": e.retweet_count, "reply_count": replies, "like_count": e.like_count,
            "quote_count": e.quote_count, "bookmark_count": e.bookmark_count, "impression_count": e.impression_count,
        });
    }
    v
}

/// `GET /2/tweets?ids=`.
pub async fn lookup(XRequest { sim, query, headers }: XRequest) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::Lookup, query.as_deref(), &x_params::TWEETS_BY_IDS).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let ids = match batch_keys(&pairs, "ids", "ids", &g.rate) {
        Ok(ids) => ids,
        Err(resp) => return resp,
    };
    if let Some(bad) = ids.iter().find(|id| !is_snowflake(id)) {
        let msg = format!("The `ids` query parameter value [{bad}] does not match ^[0-9]{{1,19}}$");
        return invalid_request("ids", bad, &msg, &g.rate);
    }
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let metrics = wants_metrics(&pairs);
    let inner = sim.lock();
    let (found, errors) = find(&inner, &ids, "ids");
    let data = found.iter().map(|p| render(&sim, &inner, p, &fields, metrics)).collect();
    let posts: Vec<&Post> = found.iter().map(|p| p.as_ref()).collect();
    let body = batch_body(data, includes(&sim.cfg, &posts, &fields), errors);
    drop(inner);
    respond(StatusCode::OK, body, &g.rate)
}

/// `GET /2/tweets/{id}`.
pub async fn by_id(XRequest { sim, query, headers }: XRequest, Path(id): Path<String>) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::Lookup, query.as_deref(), &x_params::TWEET_BY_ID).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    if !is_snowflake(&id) {
        let msg = format!("The `id` query parameter value [{id}] does not match ^[0-9]{{1,19}}$");
        return invalid_request("id", &id, &msg, &g.rate);
    }
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let inner = sim.lock();
    let (found, errors) = find(&inner, &[id.as_str()], "id");
    let body = match found.first() {
        Some(p) => {
            let mut body = json!({"data": render(&sim, &inner, p, &fields, wants_metrics(&pairs))});
            if let Some(inc) = includes(&sim.cfg, &[p.as_ref()], &fields) {
                body["includes"] = inc;
            }
            body
        }
        None => json!({ "errors": errors }),
    };
    drop(inner);
    respond(StatusCode::OK, body, &g.rate)
}
