//! Direct messages, both ways.
//!
//! - The public writes to one of our accounts with `POST /sim/messages`
//!   (`{"platform", "text", "author"?, "to"?}`): X delivers it to the
//!   Account Activity webhook as `direct_message_events`; Meta to the Page
//!   or Instagram webhook as `entry[].messaging`.
//! - Our accounts answer through X's
//!   `POST /2/dm_conversations/with/{participant_id}/messages` and Meta's
//!   Send API `POST /{version}/{page-or-ig-id}/messages`. X lists a
//!   conversation's events at `GET /2/dm_conversations/with/{id}/dm_events`,
//!   and all of the account's at `GET /2/dm_events` (paged, `sender_id`
//!   expanded to `includes.users`).
//!   Each sent message comes back to the webhook as X and Meta send it
//!   (the sender's own event, Meta's `is_echo`), which receivers must drop.
//! - `GET /sim/messages` lists every message (`?direction=sent|received`).
//!
//! As on X, an account may message only a person who wrote to it first.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::delivery::{self, Hook};
use crate::meta_feed::AdmittedCall;
use crate::meta_graph::{error, graph_json};
use crate::public::CorpusAuthor;
use crate::state::{Platform, Sim, numeric_id};
use crate::x_http::{Caller, Endpoint, about_blank, admit, guard, query_pairs, respond};
use crate::x_params;

#[derive(Debug, Clone, Serialize)]
pub struct DmRecord {
    pub platform: Platform,
    pub id: String,
    /// `received` (the public's, to our account) or `sent` (our account's).
    pub direction: &'static str,
    /// Our account: the X user id, the Page id or the Instagram account id.
    pub account: String,
    /// The person's id on the platform, and their username and name.
    pub person: String,
    #[serde(skip)]
    pub person_username: String,
    #[serde(skip)]
    pub person_name: String,
    pub text: String,
    pub time: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
pub struct Incoming {
    #[serde(default)]
    platform: Option<String>,
    text: String,
    #[serde(default)]
    author: Option<CorpusAuthor>,
    /// Our account written to: an X handle, a Page or Instagram account id
    /// (default: the platform's first).
    #[serde(default)]
    to: Option<String>,
}

fn bad(detail: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": detail }))).into_response()
}

/// `POST /sim/messages`: a person's direct message to one of our accounts.
pub async fn inject(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let m: Incoming = match serde_json::from_slice(&body) {
        Ok(m) => m,
        Err(e) => return bad(format!("not a message: {e}")),
    };
    if m.text.trim().is_empty() {
        return bad("text is empty".into());
    }
    let (seq, time) = sim.next_id();
    let author = m.author.unwrap_or_default();
    let username =
        author.handle.map(|h| h.trim_start_matches('@').to_owned()).unwrap_or_else(|| format!("citizen_{seq}"));
    // The same seed as a public post's author, so one person has one id.
    let person = numeric_id(author.id.as_deref().unwrap_or(&username));
    let name = author.name.unwrap_or_else(|| username.clone());
    let to = m.to.as_deref().map(|t| t.trim_start_matches('@'));
    let record = match m.platform.as_deref().unwrap_or("x") {
        "x" => {
            let account = match to {
                Some(t) => sim.cfg.account_by_username(t).or_else(|| sim.cfg.account_by_id(t)),
                None => sim.cfg.accounts.first(),
            };
            let Some(account) = account else { return bad(format!("no X account {to:?}")) };
            let r = DmRecord {
                platform: Platform::X,
                id: seq.to_string(),
                direction: "received",
                account: account.user_id.clone(),
                person: person.clone(),
                person_username: username.clone(),
                person_name: name.clone(),
                text: m.text,
                time,
            };
            let users = json!({
                person.clone(): {"id": person, "name": name, "screen_name": username},
                account.user_id.clone(): {"id": account.user_id, "name": account.name, "screen_name": account.username},
            });
            delivery::enqueue(&sim, Hook::X, x_activity(&r, &person, &account.user_id, users), &r.id);
            r
        }
        platform @ ("facebook" | "instagram") => {
            let ig = platform == "instagram";
            let accounts = if ig { &sim.cfg.instagram_accounts } else { &sim.cfg.pages };
            let account = match to {
                Some(t) => accounts.iter().find(|a| a.id == t || a.name.eq_ignore_ascii_case(t)),
                None => accounts.first(),
            };
            let Some(account) = account else { return bad(format!("no {platform} account {to:?}")) };
            let r = DmRecord {
                platform: if ig { Platform::Instagram } else { Platform::Facebook },
                id: format!("m_{seq}"),
                direction: "received",
                account: account.id.clone(),
                person: person.clone(),
                person_username: username.clone(),
                person_name: name.clone(),
                text: m.text,
                time,
            };
            delivery::enqueue(&sim, Hook::Meta, meta_messaging(&r, false), &r.id);
            r
        }
        other => return bad(format!("{other} has no direct messages here (x, facebook or instagram)")),
    };
    let answer = json!({ "id": record.id, "person": record.person, "account": record.account });
    sim.lock().messages.push(record);
    Json(answer).into_response()
}

/// X Account Activity: one `direct_message_events` item, as the account `for_user` receives it.
fn x_activity(r: &DmRecord, sender: &str, for_user: &str, users: Value) -> Vec<u8> {
    let recipient = if sender == r.account { &r.person } else { &r.account };
    json!({
        "for_user_id": for_user,
        "direct_message_events": [{
            "type": "message_create",
            "id": r.id,
            "created_timestamp": r.time.timestamp_millis().to_string(),
            "message_create": {
                "target": {"recipient_id": recipient},
                "sender_id": sender,
                "message_data": {"text": r.text, "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}},
            },
        }],
        "users": users,
    })
    .to_string()
    .into_bytes()
}

/// Meta's `messaging` webhook entry; an `echo` is the account's own message.
fn meta_messaging(r: &DmRecord, echo: bool) -> Vec<u8> {
    let object = if r.platform == Platform::Instagram { "instagram" } else { "page" };
    let (sender, recipient) = if echo { (&r.account, &r.person) } else { (&r.person, &r.account) };
    let mut message = json!({"mid": r.id, "text": r.text});
    if echo {
        message["is_echo"] = json!(true);
    }
    let ms = r.time.timestamp_millis();
    json!({"object": object, "entry": [{"id": r.account, "time": ms, "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": recipient}, "timestamp": ms, "message": message,
    }]}]})
    .to_string()
    .into_bytes()
}

/// The account `participant` last wrote to on `platform`, if any.
fn written_to(sim: &Sim, platform: Platform, participant: &str) -> Option<String> {
    let inner = sim.lock();
    let last = inner.messages.iter().rev().find(|m| m.platform == platform && m.person == participant);
    last.map(|m| m.account.clone())
}

async fn linger(sim: &Sim) {
    let ms = sim.faults().slow_after_create_ms;
    if ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// `POST /2/dm_conversations/with/{participant_id}/messages` (`{"text"}`).
pub async fn x_create(
    State(sim): State<Arc<Sim>>,
    Path(participant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let g = match guard(&sim, &headers, Endpoint::DmCreate).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    if let Err(r) = x_params::DM_CREATE.check(&query_pairs(query.as_deref()), &g.rate) {
        return r;
    }
    let text = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => {
            if let Some(k) = m.keys().find(|k| !matches!(k.as_str(), "text" | "attachments")) {
                let detail =
                    format!("$.{k}: is not defined in the schema and the schema does not allow additional properties");
                return crate::x_http::invalid_request_body(&detail, &g.rate);
            }
            m.get("text").and_then(Value::as_str).unwrap_or_default().to_owned()
        }
        _ => return crate::x_http::invalid_request_body("$: the request body is not a JSON object", &g.rate),
    };
    if text.trim().is_empty() {
        return crate::x_http::invalid_request_body("$.text: text or attachments is required", &g.rate);
    }
    // The token's account, else (an unbound test token) the one the person wrote to.
    let account = match &g.caller {
        Caller::User { account: Some(a), .. } => Some(a.user_id.clone()),
        _ => written_to(&sim, Platform::X, &participant),
    };
    let allowed = account.as_ref().is_some_and(|a| written_to_account(&sim, Platform::X, &participant, a));
    let Some(account) = account.filter(|_| allowed) else {
        let body = about_blank(StatusCode::FORBIDDEN, "Forbidden", "You cannot send messages to this user.");
        return respond(StatusCode::FORBIDDEN, body, &g.rate);
    };
    let (seq, time) = sim.next_id();
    let r = DmRecord {
        platform: Platform::X,
        id: seq.to_string(),
        direction: "sent",
        account: account.clone(),
        person: participant.clone(),
        person_username: String::new(),
        person_name: String::new(),
        text,
        time,
    };
    let conversation = conversation_id(&account, &participant);
    let users = json!({});
    // X tells the account's webhook of its own message too.
    delivery::enqueue(&sim, Hook::X, x_activity(&r, &account, &account, users), &r.id);
    tracing::info!(dm_event_id = %r.id, to = %participant, "x direct message received");
    let id = r.id.clone();
    sim.lock().messages.push(r);
    linger(&sim).await;
    respond(StatusCode::CREATED, json!({"data": {"dm_conversation_id": conversation, "dm_event_id": id}}), &g.rate)
}

fn written_to_account(sim: &Sim, platform: Platform, person: &str, account: &str) -> bool {
    sim.lock().messages.iter().any(|m| m.platform == platform && m.person == person && m.account == account)
}

/// A one-to-one conversation's id: the two user ids, smaller first.
fn conversation_id(a: &str, b: &str) -> String {
    let (x, y): (u64, u64) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
    if x <= y { format!("{a}-{b}") } else { format!("{b}-{a}") }
}

/// A message as X lists a DM event (`dm_event.fields` all given).
fn event_json(m: &DmRecord) -> Value {
    let sender = if m.direction == "sent" { &m.account } else { &m.person };
    json!({
        "id": m.id, "event_type": "MessageCreate", "text": m.text, "sender_id": sender,
        "dm_conversation_id": conversation_id(&m.account, &m.person),
        "created_at": m.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

/// `GET /2/dm_conversations/with/{participant_id}/dm_events`, newest first.
pub async fn x_events(
    State(sim): State<Arc<Sim>>,
    Path(participant): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let (g, _) = match admit(&sim, &headers, Endpoint::DmEvents, query.as_deref(), &x_params::DM_EVENTS).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let account = match &g.caller {
        Caller::User { account: Some(a), .. } => Some(a.user_id.clone()),
        _ => written_to(&sim, Platform::X, &participant),
    };
    let inner = sim.lock();
    let data: Vec<Value> = inner
        .messages
        .iter()
        .rev()
        .filter(|m| m.platform == Platform::X && m.person == participant && Some(&m.account) == account.as_ref())
        .take(100)
        .map(event_json)
        .collect();
    let count = data.len();
    respond(StatusCode::OK, json!({"data": data, "meta": {"result_count": count}}), &g.rate)
}

/// `GET /2/dm_events`: the caller's account's events, newest first, paged
/// by `pagination_token` (`max_results` 1 to 100, default 100).
pub async fn x_all_events(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::DmEvents, query.as_deref(), &x_params::DM_EVENTS_ALL).await {
        Ok(a) => a,
        Err(resp) => return resp,
    };
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let max = match get("max_results").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            let detail = "The `max_results` query parameter value is not between 1 and 100";
            return crate::x_http::invalid_request_body(detail, &g.rate);
        }
    };
    let skip: usize = get("pagination_token").and_then(|t| t.parse().ok()).unwrap_or(0);
    let expand = get("expansions").is_some_and(|e| e.split(',').any(|x| x == "sender_id"));
    let account = match &g.caller {
        Caller::User { account: Some(a), .. } => a.user_id.clone(),
        _ => sim.cfg.accounts.first().map(|a| a.user_id.clone()).unwrap_or_default(),
    };
    let inner = sim.lock();
    let mine: Vec<&DmRecord> =
        inner.messages.iter().rev().filter(|m| m.platform == Platform::X && m.account == account).collect();
    let page: Vec<&&DmRecord> = mine.iter().skip(skip).take(max).collect();
    let data: Vec<Value> = page.iter().map(|m| event_json(m)).collect();
    let mut body = json!({"data": data, "meta": {"result_count": data.len()}});
    if skip + max < mine.len() {
        body["meta"]["next_token"] = json!((skip + max).to_string());
    }
    if expand {
        let users: Vec<Value> = page
            .iter()
            .filter(|m| m.direction == "received")
            .map(|m| json!({"id": m.person, "username": m.person_username, "name": m.person_name}))
            .collect();
        body["includes"] = json!({ "users": users });
    }
    respond(StatusCode::OK, body, &g.rate)
}

/// Meta's Send API: `POST /{version}/{page-or-ig-id}/messages` with
/// `{"recipient": {"id"}, "messaging_type", "message": {"text"}}`.
pub async fn meta_send(call: AdmittedCall) -> Response {
    let AdmittedCall { sim, object: account, body, usage, .. } = call;
    let fail = |code: u32, subcode: Option<u32>, msg: &str| {
        graph_json(
            StatusCode::BAD_REQUEST,
            &error(StatusCode::BAD_REQUEST, "OAuthException", code, subcode, msg),
            usage,
            &account,
        )
    };
    let ig = sim.cfg.instagram_accounts.iter().any(|a| a.id == account);
    if !ig && !sim.cfg.pages.iter().any(|a| a.id == account) {
        return fail(100, Some(33), &crate::meta_feed::unknown_object(&account));
    }
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let recipient = parsed.pointer("/recipient/id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let text = parsed.pointer("/message/text").and_then(Value::as_str).unwrap_or_default().to_owned();
    if recipient.is_empty() || text.trim().is_empty() {
        return fail(100, None, "(#100) The parameter recipient and message are required");
    }
    let platform = if ig { Platform::Instagram } else { Platform::Facebook };
    // Outside the window a person's message opens (or with none), Meta refuses.
    if !written_to_account(&sim, platform, &recipient, &account) {
        return fail(10, Some(2018278), "(#10) This message is sent outside of allowed window.");
    }
    let (seq, time) = sim.next_id();
    let r = DmRecord {
        platform,
        id: format!("m_{seq}"),
        direction: "sent",
        account: account.clone(),
        person: recipient,
        person_username: String::new(),
        person_name: String::new(),
        text,
        time,
    };
    delivery::enqueue(&sim, Hook::Meta, meta_messaging(&r, true), &r.id);
    tracing::info!(message_id = %r.id, "meta direct message received");
    let answer = json!({"recipient_id": r.person, "message_id": r.id});
    sim.lock().messages.push(r);
    linger(&sim).await;
    graph_json(StatusCode::OK, &answer, usage, &account)
}

/// `GET /sim/messages[?direction=sent|received]`.
pub async fn list(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery) -> Json<Value> {
    let pairs = query_pairs(query.as_deref());
    let direction = pairs.iter().find(|(k, _)| k == "direction").map(|(_, v)| v.clone());
    let inner = sim.lock();
    let list = inner
        .messages
        .iter()
        .filter(|m| direction.as_deref().is_none_or(|d| m.direction == d))
        .map(|m| serde_json::to_value(m).unwrap_or(Value::Null))
        .collect();
    Json(Value::Array(list))
}
