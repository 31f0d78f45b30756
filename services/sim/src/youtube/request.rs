//! What every YouTube endpoint checks before it answers: who is calling
//! (an API key or an OAuth bearer token bound to a channel), the required
//! `part` list, and the paging parameters (`maxResults`, `textFormat`,
//! `pageToken`), each refused in Google's own words.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;

use super::ids::decode_token;
use super::quota::unbilled;
use super::wire::{bad_param, error, google_json, invalid_value};
use crate::state::Sim;
use crate::x_http::query_get;

pub(super) enum Caller {
    Key,
    /// A bearer token, and the channel it is bound to (if configured).
    Token(Option<String>),
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?.trim();
    v.strip_prefix("Bearer ").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Google's 401 for a bearer token it does not (or no longer) accept; no
/// project is charged.
fn invalid_credentials() -> Response {
    unbilled(google_json(
        StatusCode::UNAUTHORIZED,
        &json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                "location": "Authorization", "locationType": "header"}],
            "status": "UNAUTHENTICATED"}}),
    ))
}

#[allow(clippy::result_large_err)]
pub(super) fn authenticate(sim: &Sim, headers: &HeaderMap, pairs: &[(String, String)]) -> Result<Caller, Response> {
    if let Some(token) = bearer(headers) {
        // A token Google issued here: its channel, or Google's 401 once it ended.
        match sim.lock().google_tokens.access(&token, chrono::Utc::now()) {
            crate::x_tokens::Lookup::Valid(channel) => return Ok(Caller::Token(Some(channel))),
            crate::x_tokens::Lookup::Expired => return Err(invalid_credentials()),
            crate::x_tokens::Lookup::Unknown => {}
        }
        let tokens = &sim.cfg.youtube_tokens;
        if tokens.is_empty() {
            return Ok(Caller::Token(None));
        }
        return match tokens.iter().find(|(t, _)| *t == token) {
            Some((_, channel)) => Ok(Caller::Token(Some(channel.clone()))),
            None => Err(invalid_credentials()),
        };
    }
    match query_get(pairs, "key") {
        Some(key) if sim.cfg.youtube_api_key.as_deref().is_none_or(|k| k == key) && !key.is_empty() => Ok(Caller::Key),
        // No project to charge: these refusals cost no quota.
        Some(_) => Err(unbilled(error(
            StatusCode::BAD_REQUEST,
            "badRequest",
            "global",
            "API key not valid. Please pass a valid API key.",
        ))),
        None => Err(unbilled(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "global",
            "The request is missing a valid API key.",
        ))),
    }
}

/// `part`: required, a comma list of the parts this resource has.
#[allow(clippy::result_large_err)]
pub(super) fn parts(pairs: &[(String, String)], known: &[&str]) -> Result<Vec<String>, Response> {
    let Some(part) = query_get(pairs, "part").filter(|p| !p.trim().is_empty()) else {
        return Err(google_json(
            StatusCode::BAD_REQUEST,
            &json!({"error": {"code": 400, "message": "Required parameter: part",
                "errors": [{"message": "Required parameter: part", "domain": "global", "reason": "required",
                    "location": "part", "locationType": "parameter"}],
                "status": "INVALID_ARGUMENT"}}),
        ));
    };
    let list: Vec<String> = part.split(',').map(|p| p.trim().to_owned()).collect();
    if let Some(bad) = list.iter().find(|p| !known.contains(&p.as_str())) {
        return Err(bad_param("unknownPart", &format!("'{bad}'")));
    }
    Ok(list)
}

/// `maxResults` (1–100, default 20), `textFormat`, `pageToken`.
pub(super) struct Paging {
    pub(super) max: usize,
    pub(super) plain: bool,
    pub(super) below: Option<u64>,
}

#[allow(clippy::result_large_err)]
pub(super) fn paging(pairs: &[(String, String)]) -> Result<Paging, Response> {
    let q = |k: &str| query_get(pairs, k);
    let max = match q("maxResults") {
        None => 20,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => return Err(invalid_value(v, "Values must be within the range: [1, 100]")),
        },
    };
    let plain = match q("textFormat") {
        None | Some("html") => false,
        Some("plainText") => true,
        Some(v) => return Err(invalid_value(v, "Value must be one of [html, plainText]")),
    };
    let below = match q("pageToken") {
        None | Some("") => None,
        Some(t) => match decode_token(t) {
            Some(n) => Some(n),
            None => return Err(bad_param("invalidPageToken", "The request specifies an invalid page token.")),
        },
    };
    Ok(Paging { max, plain, below })
}
