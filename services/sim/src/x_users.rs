//! User lookup: `GET /2/users/me` (user context), `/2/users/{id}`,
//! `/2/users/by/username/{username}`, and the batch forms `/2/users?ids=`
//! and `/2/users/by?usernames=` (1–100 each). Users are our accounts and
//! the authors of the public's posts. A user that does not exist is a 200
//! with a `resource-not-found` entry in `errors`, as X answers.

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use crate::state::{Platform, Sim};
use crate::x_http::{Caller, Endpoint, XRequest, admit, batch_body, batch_keys, invalid_request, respond};
use crate::x_json::{Fields, user_json};
use crate::x_mentions::is_snowflake;
use crate::x_params::{self, Spec};

const USERNAME_PATTERN: &str = "^[A-Za-z0-9_]{1,15}$";

#[derive(Clone, Copy)]
enum By {
    Id,
    Username,
}

fn is_username(s: &str) -> bool {
    !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `(id, username, name)` of an account of ours or of an author the sim has seen.
fn find(sim: &Sim, by: By, key: &str) -> Option<(String, String, String)> {
    let ours = match by {
        By::Id => sim.cfg.account_by_id(key),
        By::Username => sim.cfg.account_by_username(key),
    };
    if let Some(a) = ours {
        return Some((a.user_id.clone(), a.username.clone(), a.name.clone()));
    }
    let inner = sim.lock();
    inner
        .posts
        .iter()
        .filter(|p| p.platform == Platform::X)
        .map(|p| &p.author)
        .find(|a| match by {
            By::Id => a.id == key,
            By::Username => a.username.eq_ignore_ascii_case(key),
        })
        .map(|a| (a.id.clone(), a.username.clone(), a.name.clone()))
}

/// X's partial error for a user that does not exist; `parameter` is the
/// one the key came in (`id`, `username`, `ids` or `usernames`).
fn not_found(parameter: &str, key: &str) -> Value {
    json!({
        "value": key, "detail": format!("Could not find user with {parameter}: [{key}]."), "title": "Not Found Error",
        "resource_type": "user", "parameter": parameter, "resource_id": key,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    })
}

fn bad_value(by: By, parameter: &str, key: &str) -> String {
    let pattern = match by {
        By::Id => "^[0-9]{1,19}$",
        By::Username => USERNAME_PATTERN,
    };
    format!("The `{parameter}` query parameter value [{key}] does not match {pattern}")
}

fn valid(by: By, key: &str) -> bool {
    match by {
        By::Id => is_snowflake(key),
        By::Username => is_username(key),
    }
}

/// One user by path parameter.
async fn one(sim: &Sim, headers: &HeaderMap, query: Option<String>, spec: &Spec, by: By, key: &str) -> Response {
    let (g, pairs) = match admit(sim, headers, Endpoint::Users, query.as_deref(), spec).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let parameter = spec.path[0];
    if !valid(by, key) {
        return invalid_request(parameter, key, &bad_value(by, parameter, key), &g.rate);
    }
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let body = match find(sim, by, key) {
        Some((id, u, name)) => json!({"data": user_json(&id, &u, &name, &fields)}),
        None => json!({"errors": [not_found(parameter, key)]}),
    };
    respond(StatusCode::OK, body, &g.rate)
}

/// Up to 100 users by a comma-separated query parameter.
async fn many(sim: &Sim, headers: &HeaderMap, query: Option<String>, spec: &Spec, by: By) -> Response {
    let (g, pairs) = match admit(sim, headers, Endpoint::Users, query.as_deref(), spec).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let parameter = spec.query[0];
    let keys = match batch_keys(&pairs, parameter, "items", &g.rate) {
        Ok(keys) => keys,
        Err(resp) => return resp,
    };
    if let Some(bad) = keys.iter().find(|k| !valid(by, k)) {
        return invalid_request(parameter, bad, &bad_value(by, parameter, bad), &g.rate);
    }
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let (mut data, mut errors) = (Vec::new(), Vec::new());
    for key in keys {
        match find(sim, by, key) {
            Some((id, u, name)) => data.push(user_json(&id, &u, &name, &fields)),
            None => errors.push(not_found(parameter, key)),
        }
    }
    respond(StatusCode::OK, batch_body(data, None, errors), &g.rate)
}

pub async fn by_id(x: XRequest, Path(id): Path<String>) -> Response {
    one(&x.sim, &x.headers, x.query, &x_params::USER_BY_ID, By::Id, &id).await
}

pub async fn by_username(x: XRequest, Path(username): Path<String>) -> Response {
    one(&x.sim, &x.headers, x.query, &x_params::USER_BY_USERNAME, By::Username, &username).await
}

pub async fn by_ids(x: XRequest) -> Response {
    many(&x.sim, &x.headers, x.query, &x_params::USERS_BY_IDS, By::Id).await
}

pub async fn by_usernames(x: XRequest) -> Response {
    many(&x.sim, &x.headers, x.query, &x_params::USERS_BY_USERNAMES, By::Username).await
}

/// `GET /2/users/me`: the account the user token acts for.
pub async fn me(XRequest { sim, query, headers }: XRequest) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::Me, query.as_deref(), &x_params::USERS_ME).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let account = match &g.caller {
        Caller::User { account: Some(a), .. } => Some(a.clone()),
        _ => sim.cfg.accounts.first().cloned(),
    };
    match account {
        Some(a) => {
            respond(StatusCode::OK, json!({"data": user_json(&a.user_id, &a.username, &a.name, &fields)}), &g.rate)
        }
        None => {
            respond(StatusCode::OK, json!({"errors": [{"title": "Not Found Error", "detail": "no account"}]}), &g.rate)
        }
    }
}
