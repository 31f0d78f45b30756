//! Google's OAuth 2.0 for YouTube channels, as Google's "OAuth 2.0 for web
//! server applications" guide describes it: `GET /o/oauth2/v2/auth` (the
//! sim is the channel owner who consents, as `sim_channel=UC…`, else the
//! first channel) and `POST /token` for `authorization_code` and
//! `refresh_token`, the client's id and secret in the form
//! (`client_secret_post`) or HTTP Basic. Unlike X, a refresh does not rotate
//! the refresh token and its answer carries none; a refresh token comes only
//! with `access_type=offline`. An access token lives `--google-token-ttl-secs`
//! (3599 s). `POST /sim/google/expire_tokens` ends every access token now;
//! `POST /sim/google/revoke` revokes every refresh token, as a channel owner
//! removing the app's access does (then `invalid_grant`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use serde_json::{Value, json};

use crate::state::Sim;
use crate::x_http::{json_response, query_get, query_pairs};
use crate::x_oauth::{callback, oauth_error, redirect};
use crate::x_tokens::{Grant, Method};

/// Marks a grant whose consent asked for a refresh token (`access_type=offline`).
const OFFLINE: &str = "offline.access";

fn known_client(sim: &Sim, id: &str) -> bool {
    sim.cfg.google_oauth_clients.iter().any(|c| c.id == id)
}

/// `GET /o/oauth2/v2/auth`.
pub async fn authorize(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Response {
    let pairs = query_pairs(query.as_deref());
    let q = |k: &str| query_get(&pairs, k).unwrap_or_default();
    if !known_client(&sim, q("client_id")) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    }
    let redirect_uri = q("redirect_uri");
    if !(redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://")) {
        return oauth_error(StatusCode::BAD_REQUEST, "redirect_uri_mismatch", "Invalid redirect_uri.");
    }
    let channel = match query_get(&pairs, "sim_channel") {
        None => sim.cfg.youtube_channels.first(),
        Some(id) => sim.cfg.youtube_channels.iter().find(|c| c.id == id),
    };
    let Some(channel) = channel else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "sim_channel is not one of the sim's channels");
    };
    let state = q("state");
    let refuse = |error: &str| redirect(&callback(redirect_uri, &[("error", error), ("state", state)]));
    if q("response_type") != "code" {
        return refuse("unsupported_response_type");
    }
    let scope = q("scope");
    if scope.is_empty() || !scope.split(' ').all(|s| s.starts_with("https://www.googleapis.com/auth/youtube")) {
        return refuse("invalid_scope");
    }
    let challenge = q("code_challenge");
    let method = Method::parse(query_get(&pairs, "code_challenge_method").unwrap_or("plain"));
    let Some(method) = method.filter(|_| !challenge.is_empty()) else {
        return refuse("invalid_request");
    };
    let offline = q("access_type") == "offline";
    let scope = if offline { format!("{scope} {OFFLINE}") } else { scope.to_owned() };
    let grant = Grant { client_id: q("client_id").to_owned(), username: channel.id.clone(), scope };
    let code = sim.lock().google_tokens.new_code(grant, redirect_uri, challenge, method, Utc::now());
    tracing::info!(channel = %channel.id, offline, "google oauth2 authorized");
    redirect(&callback(redirect_uri, &[("state", state), ("code", &code), ("scope", q("scope"))]))
}

/// The client's id, proven with its secret in the form or by HTTP Basic.
#[allow(clippy::result_large_err)]
fn caller(sim: &Sim, headers: &HeaderMap, form: &[(String, String)]) -> Result<String, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok());
    let (id, secret) = match &basic {
        Some(d) => d.split_once(':').map(|(i, s)| (i.to_owned(), s.to_owned())).unwrap_or_default(),
        None => (
            query_get(form, "client_id").unwrap_or_default().to_owned(),
            query_get(form, "client_secret").unwrap_or_default().to_owned(),
        ),
    };
    let ok = sim.cfg.google_oauth_clients.iter().any(|c| c.id == id && c.secret.as_deref() == Some(secret.as_str()));
    if ok { Ok(id) } else { Err(oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized")) }
}

/// `POST /token` (form body).
pub async fn token(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let client = match caller(&sim, &headers, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let f = |k: &str| query_get(&form, k);
    let now = Utc::now();
    let ttl = chrono::Duration::from_std(sim.cfg.google_token_ttl).unwrap_or(chrono::Duration::seconds(3599));
    let bad_grant = |why: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", why);
    let issued = match f("grant_type") {
        Some("authorization_code") => {
            let (code, redirect_uri, verifier) = (
                f("code").unwrap_or_default(),
                f("redirect_uri").unwrap_or_default(),
                f("code_verifier").unwrap_or_default(),
            );
            let mut inner = sim.lock();
            let Some(grant) = inner.google_tokens.redeem_code(code, &client, redirect_uri, verifier, now) else {
                return bad_grant("Malformed auth code.");
            };
            inner.google_tokens.issue(grant, ttl, now)
        }
        Some("refresh_token") => {
            let mut inner = sim.lock();
            let Some(grant) = inner.google_tokens.use_refresh(f("refresh_token").unwrap_or_default(), &client) else {
                return bad_grant("Token has been expired or revoked.");
            };
            inner.google_tokens.issue_access(grant, ttl, now)
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type: "),
    };
    let scope: Vec<&str> = issued.scope.split(' ').filter(|s| *s != OFFLINE).collect();
    let mut answer = json!({
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "scope": scope.join(" "),
        "token_type": "Bearer",
    });
    if let Some(r) = issued.refresh_token {
        answer["refresh_token"] = json!(r);
    }
    tracing::info!(%client, "google oauth2 token issued");
    let mut resp = json_response(StatusCode::OK, &answer);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `POST /sim/google/expire_tokens`.
pub async fn expire_tokens(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let expired = sim.lock().google_tokens.expire_all(Utc::now());
    Json(json!({ "expired": expired }))
}

/// `POST /sim/google/revoke`.
pub async fn revoke(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let revoked = sim.lock().google_tokens.revoke_all();
    tracing::info!(revoked, "google refresh tokens revoked");
    Json(json!({ "revoked": revoked }))
}
