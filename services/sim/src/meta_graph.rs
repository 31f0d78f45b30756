//! The Graph API's `POST /{version}/{comment-id}/comments` (message,
//! access_token as form, JSON or query) → `{"id"}`, with Meta's error body
//! `{"error":{"message","type","code","error_subcode","fbtrace_id"}}`, the
//! throttling codes, and `X-App-Usage` / `X-Business-Use-Case-Usage` headers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use serde_json::{Value, json};

use crate::delivery;
use crate::faults::Injected;
use crate::state::{Author, Platform, Post, ReplyRecord, Sim, Window};

pub(crate) fn graph_json(status: StatusCode, body: &Value, usage_pct: u32, page: &str) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json; charset=UTF-8"));
    let app = json!({"call_count": usage_pct, "total_cputime": usage_pct / 2, "total_time": usage_pct / 2});
    let buc = json!({ page: [{"type": "pages", "call_count": usage_pct, "total_cputime": usage_pct / 2,
        "total_time": usage_pct / 2, "estimated_time_to_regain_access": 0}] });
    for (name, v) in [("x-app-usage", app), ("x-business-use-case-usage", buc)] {
        if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
            h.insert(name, v);
        }
    }
    resp
}

pub(crate) fn error(status: StatusCode, kind: &str, code: u32, subcode: Option<u32>, message: &str) -> Value {
    let trace = URL_SAFE_NO_PAD.encode(rand::random::<u64>().to_be_bytes());
    let mut e = json!({"message": message, "type": kind, "code": code, "fbtrace_id": trace});
    if let Some(s) = subcode {
        e["error_subcode"] = json!(s);
    }
    if status.is_server_error() {
        e["is_transient"] = json!(true);
    }
    json!({ "error": e })
}

/// Request parameters from the query and the body (form or JSON).
pub(crate) fn params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let json_body = headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("json"));
    if json_body {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
            for (k, v) in m {
                let v = v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string());
                out.push((k, v));
            }
        }
    } else {
        out.extend(form_urlencoded::parse(body).into_owned());
    }
    out
}

/// Only `/v<major>.<minor>/…` is the Graph API: the `/{version}/…` routes
/// would otherwise answer X paths such as `GET /2/users` with Meta's errors.
pub async fn versioned_only(req: Request, next: Next) -> Response {
    let first = req.uri().path().trim_start_matches('/').split('/').next().unwrap_or_default();
    if is_version(first) { next.run(req).await } else { crate::x_http::unserved(req.uri().clone()).await }
}

/// `v19.0`: `v`, digits, a dot, digits.
fn is_version(s: &str) -> bool {
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    s.strip_prefix('v').and_then(|v| v.split_once('.')).is_some_and(|(major, minor)| digits(major) && digits(minor))
}

pub async fn comment(
    State(sim): State<Arc<Sim>>,
    Path((_version, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    Sim::count(&sim.stats.api_requests);
    let p = params(query.as_deref(), &headers, &body);
    let get = |k: &str| p.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    let target = sim.lock().by_id.get(&object_id).cloned();
    let page = target.as_ref().and_then(|t| t.page_id.clone()).or_else(|| sim.cfg.pages.first().map(|p| p.id.clone()));
    let page = page.unwrap_or_default();
    let usage = usage_percent(&sim, &page, false);
    let fail = |status: StatusCode, kind: &str, code: u32, sub: Option<u32>, msg: &str| {
        graph_json(status, &error(status, kind, code, sub, msg), usage, &page)
    };
    let Some(token) = get("access_token").filter(|t| !t.is_empty()).or_else(|| bearer(&headers)) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "OAuthException",
            104,
            None,
            "An access token is required to request this resource.",
        );
    };
    if sim.cfg.meta_page_token.as_ref().is_some_and(|t| *t != token) {
        return fail(
            StatusCode::BAD_REQUEST,
            "OAuthException",
            190,
            None,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    match sim.inject().await {
        Injected::None => {}
        Injected::Throttle => {
            return fail(StatusCode::BAD_REQUEST, "OAuthException", 32, None, "Page request limit reached");
        }
        Injected::ServerError => {
            let msg = "An unexpected error has occurred. Please retry your request later.";
            return fail(StatusCode::INTERNAL_SERVER_ERROR, "OAuthException", 2, None, msg);
        }
    }
    if usage_percent(&sim, &page, true) > 100 {
        return fail(StatusCode::BAD_REQUEST, "OAuthException", 32, None, "Page request limit reached");
    }
    let Some(target) = target.filter(|t| t.platform == Platform::Facebook) else {
        let msg = format!(
            "Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        );
        return fail(StatusCode::BAD_REQUEST, "GraphMethodException", 100, Some(33), &msg);
    };
    let message = get("message").unwrap_or_default();
    if message.trim().is_empty() {
        return fail(StatusCode::BAD_REQUEST, "OAuthException", 100, None, "(#100) Missing message or attachment");
    }
    let (seq, created_at) = sim.next_id();
    let post_part = target.id.split('_').next().unwrap_or("0").to_owned();
    let id = format!("{post_part}_{seq}");
    let page_name = sim.cfg.pages.iter().find(|p| p.id == page).map(|p| p.name.clone()).unwrap_or_default();
    let author = Author { id: page.clone(), username: page.clone(), name: page_name };
    let reply = Arc::new(Post {
        page_id: Some(page.clone()),
        fb_post_id: target.fb_post_id.clone(),
        ..Post::account_reply(Platform::Facebook, id.clone(), seq, created_at, message, author, &target)
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), reply.clone());
        inner.replies.push(ReplyRecord::created(&target, &reply, &page));
    }
    delivery::enqueue_meta(&sim, &reply);
    tracing::info!(reply_id = %id, in_reply_to = %target.id, "meta reply received");
    graph_json(StatusCode::OK, &json!({ "id": id }), usage, &page)
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("OAuth ")).map(|t| t.trim().to_owned())
}

/// The Page's share of its hourly call budget, in percent; `count` spends one call.
pub(crate) fn usage_percent(sim: &Sim, page: &str, count: bool) -> u32 {
    let mut inner = sim.lock();
    let now = Utc::now();
    let w = inner
        .windows
        .entry(("meta".into(), page.to_owned()))
        .or_insert_with(|| Window { used: 0, reset_at: now + chrono::Duration::hours(1) });
    if w.reset_at <= now {
        *w = Window { used: 0, reset_at: now + chrono::Duration::hours(1) };
    }
    if count {
        w.used += 1;
    }
    (u64::from(w.used) * 100 / u64::from(sim.cfg.meta_hourly_limit.max(1))) as u32
}
