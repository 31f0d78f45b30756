//! X's OAuth 2.0 Authorization Code flow with PKCE, as its docs describe it:
//! `GET /i/oauth2/authorize` (the sim is the user who clicks "Authorize app",
//! as the account named by `sim_account=@handle`, else the first account) and
//! `POST /2/oauth2/token` for `authorization_code` and `refresh_token` grants.
//! Confidential clients authenticate with HTTP Basic, public clients send
//! `client_id` in the form. `POST /sim/x/expire_tokens` ends every access
//! token now, so tests need not wait two hours.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use crate::config::OAuthClient;
use crate::state::Sim;
use crate::x_http::{json_response, query_get, query_pairs};
use crate::x_tokens::{Grant, Method};

/// The scopes X's authorization page knows.
const SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.email",
    "users.read",
    "follows.read",
    "follows.write",
    "offline.access",
    "space.read",
    "mute.read",
    "mute.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "block.read",
    "block.write",
    "bookmark.read",
    "bookmark.write",
    "dm.read",
    "dm.write",
    "media.write",
];

/// RFC 6749's error body, which X's token endpoint uses.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(status, &json!({"error": error, "error_description": description}))
}

pub(crate) fn redirect(location: &str) -> Response {
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `redirect_uri` with the answer's parameters appended.
pub(crate) fn callback(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        q.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{}", q.finish())
}

/// `GET /i/oauth2/authorize`: the user says yes at once and is sent back
/// to `redirect_uri` with `state` and `code`. Errors about the client or the
/// redirect URI are shown (as JSON) instead of redirected, as RFC 6749 asks.
pub async fn authorize(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Response {
    let pairs = query_pairs(query.as_deref());
    let q = |k: &str| query_get(&pairs, k).unwrap_or_default();
    if client(&sim, q("client_id")).is_none() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Value passed for the client_id was invalid.");
    }
    let redirect_uri = q("redirect_uri");
    if !(redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://")) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Value passed for the redirect_uri was invalid.",
        );
    }
    let account = match query_get(&pairs, "sim_account") {
        None => sim.cfg.accounts.first(),
        Some(h) => sim.cfg.account_by_username(h),
    };
    let Some(account) = account else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "sim_account is not one of the sim's accounts");
    };
    let state = q("state");
    let refuse = |error: &str, why: &str| {
        redirect(&callback(redirect_uri, &[("error", error), ("error_description", why), ("state", state)]))
    };
    if q("response_type") != "code" {
        return refuse("unsupported_response_type", "response_type must be code");
    }
    if state.is_empty() {
        return refuse("invalid_request", "Missing required parameter [state].");
    }
    let scope = q("scope");
    if scope.split(' ').any(|s| !SCOPES.contains(&s)) {
        return refuse("invalid_scope", "Value passed for the scope was invalid.");
    }
    let challenge = q("code_challenge");
    // RFC 7636: without a method the challenge is the verifier itself.
    let method = Method::parse(query_get(&pairs, "code_challenge_method").unwrap_or("plain"));
    let Some(method) = method.filter(|_| !challenge.is_empty()) else {
        return refuse("invalid_request", "Missing or invalid code_challenge or code_challenge_method.");
    };
    let grant =
        Grant { client_id: q("client_id").to_owned(), username: account.username.clone(), scope: scope.to_owned() };
    let code = sim.lock().tokens.new_code(grant, redirect_uri, challenge, method, Utc::now());
    tracing::info!(client = q("client_id"), account = %account.username, "x oauth2 authorized");
    redirect(&callback(redirect_uri, &[("state", state), ("code", &code)]))
}

fn client<'a>(sim: &'a Sim, id: &str) -> Option<&'a OAuthClient> {
    sim.cfg.x_oauth_clients.iter().find(|c| c.id == id)
}

/// The calling client: HTTP Basic for confidential clients, `client_id` in
/// the form for public ones.
#[allow(clippy::result_large_err)]
fn caller<'a>(sim: &'a Sim, headers: &HeaderMap, form: &[(String, String)]) -> Result<&'a OAuthClient, Response> {
    let unauthorized =
        || oauth_error(StatusCode::UNAUTHORIZED, "unauthorized_client", "Missing valid authorization header");
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|b| STANDARD.decode(b.trim()).ok().and_then(|raw| String::from_utf8(raw).ok()));
    let form_id = query_get(form, "client_id");
    match basic {
        Some(decoded) => {
            let (id, secret) = decoded.as_deref().and_then(|d| d.split_once(':')).ok_or_else(unauthorized)?;
            let c = client(sim, id).filter(|c| c.secret.as_deref() == Some(secret)).ok_or_else(unauthorized)?;
            if form_id.is_some_and(|f| f != id) {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client_id does not match the authorization header.",
                ));
            }
            Ok(c)
        }
        None => {
            let Some(id) = form_id else {
                return Err(oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Missing required parameter [client_id].",
                ));
            };
            // A confidential client must prove itself with its secret.
            client(sim, id).filter(|c| c.secret.is_none()).ok_or_else(unauthorized)
        }
    }
}

/// `POST /2/oauth2/token` (form body).
pub async fn token(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let client = match caller(&sim, &headers, &form) {
        Ok(c) => c.id.clone(),
        Err(r) => return r,
    };
    let f = |k: &str| query_get(&form, k);
    let missing = |k: &str| {
        oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &format!("Missing required parameter [{k}]."))
    };
    let now = Utc::now();
    let grant = match f("grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect_uri), Some(verifier)) = (f("code"), f("redirect_uri"), f("code_verifier"))
            else {
                let absent = ["code", "redirect_uri", "code_verifier"].into_iter().find(|k| f(k).is_none());
                return missing(absent.unwrap_or("code"));
            };
            let redeemed = sim.lock().tokens.redeem_code(code, &client, redirect_uri, verifier, now);
            match redeemed {
                Some(g) => g,
                None => {
                    let why = "Value passed for the authorization code was invalid.";
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why);
                }
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = f("refresh_token") else { return missing("refresh_token") };
            let taken = sim.lock().tokens.take_refresh(refresh, &client);
            match taken {
                Some(g) => g,
                None => {
                    let why = "Value passed for the token was invalid.";
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
                }
            }
        }
        Some(_) => {
            let why = "Value passed for the grant_type was invalid.";
            return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", why);
        }
        None => return missing("grant_type"),
    };
    let ttl = chrono::Duration::from_std(sim.cfg.x_token_ttl).unwrap_or(chrono::Duration::hours(2));
    let account = grant.username.clone();
    let issued = sim.lock().tokens.issue(grant, ttl, now);
    tracing::info!(%client, %account, rotated = issued.refresh_token.is_some(), "x oauth2 token issued");
    let mut body = json!({
        "token_type": "bearer",
        "expires_in": issued.expires_in,
        "access_token": issued.access_token,
        "scope": issued.scope,
    });
    if let Some(r) = issued.refresh_token {
        body["refresh_token"] = json!(r);
    }
    let mut resp = json_response(StatusCode::OK, &body);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /sim/x/expire_tokens`: every access token the sim issued expires now.
pub async fn expire_tokens(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let expired = sim.lock().tokens.expire_all(Utc::now());
    tracing::info!(expired, "x oauth2 access tokens expired");
    Json(json!({ "expired": expired }))
}
