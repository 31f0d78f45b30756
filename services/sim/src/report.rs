//! What reached the public: `GET /sim/replies`, `GET /sim/published` (our own
//! posts), `POST /sim/engagement`, `GET`/`POST /sim/posts`,
//! `GET /sim/summary`, `GET /sim/healthz`, and the summary printed on exit.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use crate::public::{CorpusPost, publish};
use crate::state::{Engagement, Platform, Sim};
use crate::x_http::{query_get, query_pairs};

pub async fn healthz(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let inner = sim.lock();
    Json(json!({
        "status": "ok",
        "posts": inner.posts.len(),
        "replies": inner.replies.iter().filter(|r| r.outcome == "created").count(),
        "stream_connected": sim.stream_connected.load(Ordering::SeqCst),
        "rules": inner.rules.len(),
    }))
}

/// `?platform=x|facebook`, `?in_reply_to=ID`, `?all=true` to include refused replies.
pub async fn replies(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Json<Value> {
    let pairs = query_pairs(query.as_deref());
    let platform = query_get(&pairs, "platform");
    let target = query_get(&pairs, "in_reply_to");
    let all = query_get(&pairs, "all") == Some("true");
    let inner = sim.lock();
    let list: Vec<Value> = inner
        .replies
        .iter()
        .filter(|r| all || r.outcome == "created")
        .filter(|r| platform.is_none_or(|p| json!(r.platform) == json!(p)))
        .filter(|r| target.is_none_or(|t| r.in_reply_to == t))
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    Json(Value::Array(list))
}

/// Our accounts' own posts (publishing, not replies): `?platform=x|facebook`,
/// `?all=true` to include refused ones.
pub async fn published(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Json<Value> {
    let pairs = query_pairs(query.as_deref());
    let platform = query_get(&pairs, "platform");
    let all = query_get(&pairs, "all") == Some("true");
    let inner = sim.lock();
    let list: Vec<Value> = inner
        .published
        .iter()
        .filter(|r| all || r.outcome == "created")
        .filter(|r| platform.is_none_or(|p| json!(r.platform) == json!(p)))
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    Json(Value::Array(list))
}

/// Sets a post's engagement: `{"id": "...", "like_count": 5, "reactions": 3, ...}`.
pub async fn set_engagement(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    };
    let Some(id) = v["id"].as_str().map(str::to_owned) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "give the post's id"}))).into_response();
    };
    match serde_json::from_value::<Engagement>(v) {
        Ok(e) => {
            sim.lock().engagement.insert(id, e);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

/// `?platform=x|facebook`.
pub async fn posts(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Json<Value> {
    let pairs = query_pairs(query.as_deref());
    let platform = query_get(&pairs, "platform");
    let inner = sim.lock();
    let list: Vec<Value> = inner
        .posts
        .iter()
        .filter(|p| platform.is_none_or(|want| json!(p.platform) == json!(want)))
        .map(|p| serde_json::to_value(p.as_ref()).unwrap_or(Value::Null))
        .collect();
    Json(Value::Array(list))
}

/// Publishes one post now: a corpus line's JSON (`text` required).
pub async fn inject(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let input: CorpusPost = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    };
    match publish(&sim, &input, false) {
        Ok(p) => (StatusCode::CREATED, Json(serde_json::to_value(p.as_ref()).unwrap_or(Value::Null))).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub message: &'static str,
    pub running_secs: i64,
    pub published: BTreeMap<String, usize>,
    pub replies: BTreeMap<String, usize>,
    pub refused_replies: BTreeMap<String, usize>,
    /// Posts by the public that got at least one accepted reply.
    pub answered: usize,
    pub unanswered: usize,
    /// Replies to the same post beyond the first.
    pub repeat_replies: usize,
    /// Time from a post to its first reply, in milliseconds.
    pub first_response_ms: Option<Value>,
    pub api_requests: u64,
    pub stream_connections: u64,
    pub webhooks: Value,
}

pub fn summary(sim: &Sim) -> Summary {
    let inner = sim.lock();
    let name = |p: Platform| json!(p).as_str().unwrap_or_default().to_owned();
    let mut published = BTreeMap::new();
    for p in &inner.posts {
        *published.entry(name(p.platform)).or_insert(0) += 1;
    }
    let (mut replies, mut refused) = (BTreeMap::new(), BTreeMap::new());
    let mut answered = HashSet::new();
    let mut first: BTreeMap<&str, i64> = BTreeMap::new();
    let mut repeat = 0;
    for r in &inner.replies {
        if r.outcome != "created" {
            *refused.entry(r.outcome.clone()).or_insert(0) += 1;
            continue;
        }
        *replies.entry(name(r.platform)).or_insert(0) += 1;
        if !answered.insert(r.in_reply_to.as_str()) {
            repeat += 1;
        }
        if let Some(ms) = r.response_ms {
            let e = first.entry(r.in_reply_to.as_str()).or_insert(ms);
            *e = (*e).min(ms);
        }
    }
    let public: HashSet<&str> = inner.posts.iter().map(|p| p.id.as_str()).collect();
    let answered_public = answered.iter().filter(|id| public.contains(*id)).count();
    let mut times: Vec<i64> = first.into_iter().filter(|(id, _)| public.contains(id)).map(|(_, ms)| ms).collect();
    times.sort_unstable();
    let pct = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let first_response_ms =
        (!times.is_empty()).then(|| json!({"median": pct(0.5), "p90": pct(0.9), "max": times[times.len() - 1]}));
    let s = &sim.stats;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    Summary {
        message: "summary",
        running_secs: (chrono::Utc::now() - sim.started_at).num_seconds(),
        answered: answered_public,
        unanswered: inner.posts.len() - answered_public,
        published,
        replies,
        refused_replies: refused,
        repeat_replies: repeat,
        first_response_ms,
        api_requests: load(&s.api_requests),
        stream_connections: load(&s.stream_connections),
        webhooks: json!({
            "x_delivered": load(&s.x_webhooks_delivered), "x_failed_attempts": load(&s.x_webhooks_failed),
            "meta_delivered": load(&s.meta_webhooks_delivered), "meta_failed_attempts": load(&s.meta_webhooks_failed),
        }),
    }
}

pub async fn summary_now(State(sim): State<Arc<Sim>>) -> Json<Summary> {
    Json(summary(&sim))
}
