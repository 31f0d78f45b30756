//! What Meta says about a Page token: `GET /{version}/debug_token?
//! input_token=T&access_token=APP_ID|APP_SECRET` (the app's token, from
//! `--meta-app ID:SECRET`) answers `{"data":{"app_id","type":"PAGE",
//! "is_valid","expires_at","scopes",...}}`, with `expires_at` 0 for a token
//! that does not end (`--meta-page-token-expires-in-secs` sets an end).
//! `POST /sim/meta/invalidate_token` invalidates the Page token, as a
//! password change does: `debug_token` then says `is_valid: false` with
//! Meta's words, and every Graph call with it gets error 190.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::meta_graph::{error, graph_json};
use crate::state::Sim;

/// Meta's words for a token invalidated by a password change (subcode 460).
pub const INVALIDATED: &str = "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.";

pub fn debug_token(sim: &Sim, p: &[(String, String)]) -> Response {
    let get = |k: &str| p.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (input, app) = (get("input_token"), get("access_token"));
    let app_ok = match &sim.cfg.meta_app_token {
        Some(t) => *t == app,
        None => app.contains('|'),
    };
    if !app_ok {
        let e = error(StatusCode::BAD_REQUEST, "OAuthException", 190, None, "Invalid OAuth access token signature.");
        return graph_json(StatusCode::BAD_REQUEST, &e, 0, "app");
    }
    if input.is_empty() {
        let e =
            error(StatusCode::BAD_REQUEST, "OAuthException", 100, None, "(#100) The parameter input_token is required");
        return graph_json(StatusCode::BAD_REQUEST, &e, 0, "app");
    }
    let app_id = app.split('|').next().unwrap_or_default().to_owned();
    let known = sim.cfg.meta_page_token.as_ref().is_none_or(|t| *t == input);
    let invalidated = sim.lock().meta_token_invalidated.clone();
    let mut data = json!({
        "app_id": app_id,
        "type": "PAGE",
        "application": "Tvarit",
        "expires_at": sim.cfg.meta_page_token_expires_at.unwrap_or(0),
        "is_valid": known && invalidated.is_none(),
        "scopes": ["pages_show_list", "pages_read_engagement", "pages_manage_engagement", "pages_messaging"],
        "profile_id": sim.cfg.pages.first().map(|p| p.id.clone()).unwrap_or_default(),
    });
    if let Some(why) = invalidated.filter(|_| known) {
        data["error"] = json!({"code": 190, "message": why, "subcode": 460});
    } else if !known {
        data["error"] = json!({"code": 190, "message": "Invalid OAuth access token - Cannot parse access token"});
    }
    graph_json(StatusCode::OK, &json!({ "data": data }), 0, "app")
}

/// `POST /sim/meta/invalidate_token`.
pub async fn invalidate(State(sim): State<Arc<Sim>>) -> Json<Value> {
    sim.lock().meta_token_invalidated = Some(INVALIDATED.into());
    tracing::info!("meta page token invalidated");
    Json(json!({ "invalidated": true }))
}
