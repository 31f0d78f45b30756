//! What every X API v2 endpoint does the same way: authentication, the
//! fixed-window rate limits with their `x-rate-limit-*` headers, injected
//! faults, and X's error bodies.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::config::Account;
use crate::faults::Injected;
use crate::state::{Sim, Window};
use crate::x_tokens::Lookup as Issued;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Mentions,
    PostTweets,
    StreamConnect,
    Rules,
    Users,
    Me,
    /// `GET /2/tweets?ids=` and `GET /2/tweets/{id}`.
    Lookup,
    /// `GET /2/tweets/search/recent`.
    Search,
    /// `POST /2/dm_conversations/with/{id}/messages`.
    DmCreate,
    /// `GET /2/dm_conversations/with/{id}/dm_events`.
    DmEvents,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needs {
    Any,
    User,
    App,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Endpoint::Mentions => "mentions",
            Endpoint::PostTweets => "post_tweets",
            Endpoint::StreamConnect => "stream",
            Endpoint::Rules => "rules",
            Endpoint::Users => "users",
            Endpoint::Me => "users_me",
            Endpoint::Lookup => "tweets_lookup",
            Endpoint::Search => "search_recent",
            Endpoint::DmCreate => "dm_create",
            Endpoint::DmEvents => "dm_events",
        }
    }

    fn needs(self) -> Needs {
        match self {
            Endpoint::PostTweets | Endpoint::Me | Endpoint::DmCreate | Endpoint::DmEvents => Needs::User,
            Endpoint::StreamConnect | Endpoint::Rules => Needs::App,
            Endpoint::Mentions | Endpoint::Users | Endpoint::Lookup | Endpoint::Search => Needs::Any,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Caller {
    App { token: String },
    User { token: String, account: Option<Account> },
}

impl Caller {
    /// The rate-limit key: per user for user context, one bucket per app.
    fn key(&self) -> String {
        match self {
            Caller::App { .. } => "app".into(),
            Caller::User { account: Some(a), .. } => a.user_id.clone(),
            Caller::User { token, .. } => format!("token:{token}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RateInfo {
    pub limit: u32,
    pub remaining: u32,
    pub reset: i64,
    /// The app's 24-hour posting cap, on `POST /2/tweets` only.
    pub app_24h: Option<(u32, u32, i64)>,
}

pub struct Guarded {
    pub caller: Caller,
    pub rate: RateInfo,
}

const UNSUPPORTED_APP: &str = "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].";
const APP_POST_CAP_24H: u32 = 10_000;

/// What an X read endpoint reads of its request besides its path: the sim,
/// the raw query and the headers (what [`admit`] takes).
pub struct XRequest {
    pub sim: Arc<Sim>,
    pub query: Option<String>,
    pub headers: HeaderMap,
}

impl FromRequestParts<Arc<Sim>> for XRequest {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, sim: &Arc<Sim>) -> Result<Self, Infallible> {
        Ok(XRequest { sim: sim.clone(), query: parts.uri.query().map(str::to_owned), headers: parts.headers.clone() })
    }
}

/// How every X read endpoint starts: the guard, then the query's parameters
/// checked against the endpoint's `spec` (X answers 400 for any it does not know).
pub async fn admit(
    sim: &Sim,
    headers: &HeaderMap,
    ep: Endpoint,
    query: Option<&str>,
    spec: &crate::x_params::Spec,
) -> Result<(Guarded, Vec<(String, String)>), Response> {
    let g = guard(sim, headers, ep).await?;
    let pairs = query_pairs(query);
    spec.check(&pairs, &g.rate)?;
    Ok((g, pairs))
}

/// Authenticates, applies faults and counts the request against its window.
pub async fn guard(sim: &Sim, headers: &HeaderMap, ep: Endpoint) -> Result<Guarded, Response> {
    Sim::count(&sim.stats.api_requests);
    let caller = authenticate(sim, headers, ep)?;
    let injected = sim.inject().await;
    let mut inner = sim.lock();
    let now = Utc::now();
    let limits = &sim.cfg.limits;
    let limit = match ep {
        Endpoint::Mentions => limits.mentions,
        Endpoint::Search => limits.search,
        Endpoint::PostTweets | Endpoint::DmCreate => limits.post_tweets,
        Endpoint::StreamConnect => limits.stream_connect,
        Endpoint::Rules => limits.rules,
        Endpoint::Users | Endpoint::Me | Endpoint::Lookup | Endpoint::DmEvents => limits.users,
    };
    let window = chrono::Duration::from_std(limits.window).unwrap_or_default();
    let w = inner
        .windows
        .entry((ep.name().to_owned(), caller.key()))
        .or_insert_with(|| Window { used: 0, reset_at: now + window });
    if w.reset_at <= now {
        *w = Window { used: 0, reset_at: now + window };
    }
    let over = w.used >= limit;
    if !over {
        w.used += 1;
    }
    let mut rate = RateInfo { limit, remaining: limit - w.used, reset: w.reset_at.timestamp(), app_24h: None };
    if ep == Endpoint::PostTweets {
        let day = inner
            .windows
            .entry(("post_tweets_24h".into(), "app".into()))
            .or_insert_with(|| Window { used: 0, reset_at: now + chrono::Duration::hours(24) });
        if day.reset_at <= now {
            *day = Window { used: 0, reset_at: now + chrono::Duration::hours(24) };
        }
        if !over {
            day.used += 1;
        }
        rate.app_24h = Some((APP_POST_CAP_24H, APP_POST_CAP_24H.saturating_sub(day.used), day.reset_at.timestamp()));
    }
    drop(inner);
    if over {
        return Err(too_many_requests(&rate));
    }
    match injected {
        Injected::None => Ok(Guarded { caller, rate }),
        Injected::Throttle => Err(too_many_requests(&RateInfo { remaining: 0, ..rate })),
        Injected::ServerError => Err(respond(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"title": "Service Unavailable", "detail": "Service Unavailable", "type": "about:blank", "status": 503}),
            &rate,
        )),
    }
}

// A refusal is the response itself, as axum handlers return it.
#[allow(clippy::result_large_err)]
fn authenticate(sim: &Sim, headers: &HeaderMap, ep: Endpoint) -> Result<Caller, Response> {
    let raw = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").trim();
    let bound = |token: &str| {
        sim.cfg
            .x_user_tokens
            .iter()
            .find(|(t, _)| t == token)
            .and_then(|(_, u)| sim.cfg.account_by_username(u))
            .cloned()
    };
    let (caller, oauth1) = if let Some(token) = raw.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()) {
        let is_app = sim.cfg.x_app_tokens.iter().any(|t| t == token);
        // A token from /2/oauth2/token acts for the account that authorized
        // it until it expires; any other token keeps the static rules.
        let issued = sim.lock().tokens.access(token, Utc::now());
        let account = match issued {
            Issued::Expired => return Err(unauthorized()),
            Issued::Valid(username) => sim.cfg.account_by_username(&username).cloned(),
            Issued::Unknown => bound(token),
        };
        let caller = if is_app || (account.is_none() && ep.needs() != Needs::User) {
            Caller::App { token: token.to_owned() }
        } else {
            Caller::User { token: token.to_owned(), account }
        };
        (caller, false)
    } else if let Some(params) = raw.strip_prefix("OAuth ").filter(|p| p.contains("oauth_")) {
        let token = oauth_param(params, "oauth_token").unwrap_or_default();
        if token.is_empty() {
            return Err(unauthorized());
        }
        (Caller::User { account: bound(&token), token }, true)
    } else {
        return Err(unauthorized());
    };
    match (ep.needs(), &caller) {
        (Needs::User, Caller::App { .. }) => Err(problem(
            StatusCode::FORBIDDEN,
            "Unsupported Authentication",
            UNSUPPORTED_APP,
            "unsupported-authentication",
        )),
        (Needs::App, Caller::User { .. }) => {
            let kind = if oauth1 { "OAuth 1.0a User Context" } else { "OAuth 2.0 User Context" };
            let detail = format!(
                "Authenticating with {kind} is forbidden for this endpoint.  Supported authentication types are [OAuth 2.0 Application-Only]."
            );
            Err(problem(StatusCode::FORBIDDEN, "Unsupported Authentication", &detail, "unsupported-authentication"))
        }
        _ => Ok(caller),
    }
}

/// One `key="value"` of an OAuth 1.0a header.
fn oauth_param(params: &str, key: &str) -> Option<String> {
    params.split(',').map(str::trim).find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// A JSON response with X's rate-limit headers.
pub fn respond(status: StatusCode, body: Value, rate: &RateInfo) -> Response {
    let mut resp = json_response(status, &body);
    let h = resp.headers_mut();
    let mut put = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(name, v);
        }
    };
    put("x-rate-limit-limit", rate.limit.to_string());
    put("x-rate-limit-remaining", rate.remaining.to_string());
    put("x-rate-limit-reset", rate.reset.to_string());
    if let Some((limit, remaining, reset)) = rate.app_24h {
        put("x-app-limit-24hour-limit", limit.to_string());
        put("x-app-limit-24hour-remaining", remaining.to_string());
        put("x-app-limit-24hour-reset", reset.to_string());
    }
    resp
}

pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    resp
}

/// X's problem body with a `https://api.twitter.com/2/problems/<kind>` type.
pub fn problem(status: StatusCode, title: &str, detail: &str, kind: &str) -> Response {
    json_response(status, &problem_value(status, title, detail, kind))
}

pub fn problem_value(status: StatusCode, title: &str, detail: &str, kind: &str) -> Value {
    json!({
        "title": title,
        "detail": detail,
        "type": format!("https://api.twitter.com/2/problems/{kind}"),
        "status": status.as_u16(),
    })
}

/// X's `about:blank` body (duplicate content, rate limits, 401, 5xx).
pub fn about_blank(status: StatusCode, title: &str, detail: &str) -> Value {
    json!({"detail": detail, "type": "about:blank", "title": title, "status": status.as_u16()})
}

pub fn unauthorized() -> Response {
    json_response(StatusCode::UNAUTHORIZED, &about_blank(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized"))
}

pub fn too_many_requests(rate: &RateInfo) -> Response {
    respond(
        StatusCode::TOO_MANY_REQUESTS,
        about_blank(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests", "Too Many Requests"),
        rate,
    )
}

/// 400 for query parameters, in X's shape:
/// `{"errors":[{"parameters":{..},"message":..}],"title":"Invalid Request",..}`.
pub fn invalid_request(param: &str, value: &str, message: &str, rate: &RateInfo) -> Response {
    invalid_request_errors(vec![json!({"parameters": {param: [value]}, "message": message})], rate)
}

/// X's 400 `invalid-request` problem with one entry per refused parameter.
pub fn invalid_request_errors(errors: Vec<Value>, rate: &RateInfo) -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        json!({
            "errors": errors,
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        }),
        rate,
    )
}

/// What X answers for a path under `/2/` it does not serve (and what the sim
/// answers for one it does not simulate): a JSON 404, never an empty body.
pub fn path_not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, &about_blank(StatusCode::NOT_FOUND, "Not Found", "Not Found"))
}

/// The router's fallback: X's 404 under `/2/`, a bare 404 elsewhere.
pub async fn unserved(uri: Uri) -> Response {
    if uri.path().starts_with("/2/") { path_not_found() } else { StatusCode::NOT_FOUND.into_response() }
}

/// A served path asked with another method: X's 404 under `/2/`, else 405.
pub async fn wrong_method(uri: Uri) -> Response {
    if uri.path().starts_with("/2/") { path_not_found() } else { StatusCode::METHOD_NOT_ALLOWED.into_response() }
}

/// Query string pairs, decoded.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect()
}

pub fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The 1–100 comma-separated keys of a batch lookup's `parameter` (`ids`,
/// `usernames`); else X's 400, which counts them in `unit`.
#[allow(clippy::result_large_err)]
pub fn batch_keys<'a>(
    pairs: &'a [(String, String)],
    parameter: &str,
    unit: &str,
    rate: &RateInfo,
) -> Result<Vec<&'a str>, Response> {
    let raw = query_get(pairs, parameter).unwrap_or_default();
    let keys: Vec<&str> = raw.split(',').filter(|s| !s.is_empty()).collect();
    if keys.is_empty() || keys.len() > 100 {
        let msg = format!("The `{parameter}` query parameter value [{raw}] is not between 1 and 100 {unit}");
        return Err(invalid_request(parameter, raw, &msg, rate));
    }
    Ok(keys)
}

/// A batch lookup's answer: `data` (with its `includes`) for the keys
/// found, `errors` for the rest; each only when it has entries, as X leaves
/// them out.
pub fn batch_body(data: Vec<Value>, includes: Option<Value>, errors: Vec<Value>) -> Value {
    let mut body = Map::new();
    if !data.is_empty() {
        body.insert("data".into(), Value::Array(data));
        if let Some(inc) = includes {
            body.insert("includes".into(), inc);
        }
    }
    if !errors.is_empty() {
        body.insert("errors".into(), Value::Array(errors));
    }
    Value::Object(body)
}

/// X's 400 `invalid-request` problem for a malformed body or parameter.
pub fn invalid_request_body(message: &str, rate: &RateInfo) -> Response {
    invalid_request_errors(vec![json!({"message": message})], rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth1_token_is_read_from_the_header() {
        let h = r#"oauth_consumer_key="ck", oauth_token="123-abc", oauth_signature="x%3D""#;
        assert_eq!(oauth_param(h, "oauth_token").as_deref(), Some("123-abc"));
        assert_eq!(oauth_param(h, "oauth_nonce"), None);
    }
}
