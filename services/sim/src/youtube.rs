//! The YouTube Data API v3, as far as Tvarit's channels need it, written
//! from Google's reference pages:
//!
//! - `GET /youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=UC…`
//!   (or `videoId=` or `id=`), `maxResults` 1–100 (default 20), `order`
//!   `time`|`relevance`, `textFormat` `html`|`plainText`, opaque
//!   `pageToken`s; newest first; 1 quota unit.
//! - `GET /youtube/v3/comments?part=snippet&parentId=ID` (or `id=`): the
//!   replies in a thread, oldest first; 1 unit.
//! - `POST /youtube/v3/comments?part=snippet` with
//!   `{"snippet":{"parentId","textOriginal"}}` and an OAuth bearer token:
//!   a reply, recorded in `/sim/replies` with platform `youtube`; 50 units.
//!
//! Reads take an API key (`key=`) or a bearer token. One project's quota
//! (`youtube_daily_quota`, 10,000 units) resets at midnight Pacific time;
//! beyond it every call is a 403 `quotaExceeded`. Errors have Google's
//! shape: `{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}`.
//! `GET /sim/youtube/quota` shows what was spent.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use serde_json::{Value, json};

use crate::config::Channel;
use crate::faults::Injected;
use crate::public::{CorpusPost, PublishError, mentions_in};
use crate::state::{Author, Platform, Post, ReplyRecord, Sim, Window};
use crate::x_http::{query_get, query_pairs};

pub const COST_LIST: u32 = 1;
pub const COST_INSERT: u32 = 50;
/// YouTube's limit on a comment's length, in characters.
const MAX_COMMENT_CHARS: usize = 10_000;
const QUOTA_WINDOW: (&str, &str) = ("youtube_quota", "project");

// ------------------------------------------------------------------ time

/// Pacific time's offset from UTC at `t`: daylight time from the second
/// Sunday of March, 02:00 PST (10:00 UTC), to the first Sunday of
/// November, 02:00 PDT (09:00 UTC).
fn pacific_offset(t: DateTime<Utc>) -> chrono::Duration {
    let y = t.year();
    let at = |month, nth, hour| {
        NaiveDate::from_weekday_of_month_opt(y, month, Weekday::Sun, nth)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .map(|d| d.and_utc())
    };
    match (at(3, 2, 10), at(11, 1, 9)) {
        (Some(start), Some(end)) if t >= start && t < end => chrono::Duration::hours(-7),
        _ => chrono::Duration::hours(-8),
    }
}

/// When YouTube's daily quota next resets: the next midnight in Los Angeles.
pub fn next_pacific_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    let local = (t + pacific_offset(t)).date_naive();
    let next = local.succ_opt().unwrap_or(local).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let as_pst = next + chrono::Duration::hours(8);
    if pacific_offset(as_pst) == chrono::Duration::hours(-8) { as_pst } else { next + chrono::Duration::hours(7) }
}

/// `2026-11-03T10:15:42Z`: YouTube's times have whole seconds.
pub fn yt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

// ------------------------------------------------------------------ ids

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn b64(n: u64) -> String {
    URL_SAFE_NO_PAD.encode(n.to_be_bytes())
}

/// A top-level comment id in YouTube's style (`Ugz…4AaABAg`).
fn comment_id(seq: u64) -> String {
    format!("Ugz{}4AaABAg", b64(seq))
}

/// A reply's id: `<parent id>.<reply part>`.
fn reply_id(parent: &str, seq: u64) -> String {
    format!("{parent}.9{}", b64(seq))
}

/// The one sim video of a channel: 11 characters, as YouTube's are.
pub fn default_video(channel_id: &str) -> String {
    format!("sim{}", &b64(fnv(channel_id))[..8])
}

/// A channel id for a member of the public (`UC` and 22 characters).
fn public_channel(seed: &str) -> String {
    if seed.starts_with("UC") && seed.len() > 2 {
        return seed.to_owned();
    }
    format!("UC{}{}", b64(fnv(seed)), &b64(fnv(&format!("{seed}#")))[..11])
}

fn etag(id: &str, extra: usize) -> String {
    b64(fnv(&format!("{id}/{extra}")))
}

fn encode_token(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("yt1:{seq}"))
}

fn decode_token(token: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("yt1:")?.parse().ok()
}

fn threads_key(channel_id: &str) -> String {
    format!("yt-threads:{channel_id}")
}

fn replies_key(parent: &str) -> String {
    format!("yt-replies:{parent}")
}

// ------------------------------------------------------------------ the public

/// Publishes a YouTube comment now: a top-level comment on a video of one
/// of our channels, or (with `in_reply_to`) a reply in a thread.
pub fn publish(sim: &Sim, input: &CorpusPost) -> Result<Arc<Post>, PublishError> {
    if input.text.trim().is_empty() {
        return Err(PublishError::EmptyText);
    }
    let parent = match &input.in_reply_to {
        None => None,
        Some(p) => {
            let inner = sim.lock();
            let id = inner.by_corpus_id.get(p).cloned().unwrap_or_else(|| p.clone());
            let post = inner.by_id.get(&id).cloned().ok_or_else(|| PublishError::UnknownParent(p.clone()))?;
            if post.platform != Platform::YouTube {
                return Err(PublishError::YouTube(format!("in_reply_to {p:?} is not a YouTube comment")));
            }
            // A reply to a reply joins the thread of its top-level comment.
            let top = post.in_reply_to_id.as_ref().and_then(|t| inner.by_id.get(t).cloned());
            Some(top.unwrap_or(post))
        }
    };
    let text_mentions: Vec<String> = mentions_in(&input.text).into_iter().map(|(_, _, u)| u).collect();
    let channel: Channel = match (&parent, &input.channel_id) {
        (Some(p), _) => p
            .page_id
            .as_deref()
            .and_then(|c| sim.cfg.channel_by_id(c))
            .cloned()
            .ok_or_else(|| PublishError::YouTube("the replied-to comment is on no channel of ours".into()))?,
        (None, Some(c)) => sim
            .cfg
            .channel_by_id(c)
            .cloned()
            .ok_or_else(|| PublishError::YouTube(format!("channel_id {c:?} is not one of the sim's channels")))?,
        (None, None) => input
            .mentions
            .iter()
            .map(|m| m.as_str())
            .chain(text_mentions.iter().map(String::as_str))
            .find_map(|m| sim.cfg.channel_by_handle(m))
            .or_else(|| sim.cfg.youtube_channels.first())
            .cloned()
            .ok_or_else(|| PublishError::YouTube("the sim has no YouTube channel".into()))?,
    };
    let (seq, created_at) = sim.next_id();
    let video = match &parent {
        Some(p) => p.conversation_id.clone(),
        None => input.video_id.clone().unwrap_or_else(|| default_video(&channel.id)),
    };
    let id = match &parent {
        Some(p) => reply_id(&p.id, seq),
        None => comment_id(seq),
    };
    let a = input.author.clone().unwrap_or_default();
    let username = a
        .handle
        .map(|h| h.trim_start_matches('@').to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("citizen-{}", seq % 100_000));
    let author = Author {
        id: public_channel(a.id.as_deref().unwrap_or(&username)),
        name: a.name.unwrap_or_else(|| format!("@{username}")),
        username,
    };
    let late = chrono::Duration::milliseconds(input.late_ms.unwrap_or(0).min(i64::MAX as u64) as i64);
    let post = Arc::new(Post {
        platform: Platform::YouTube,
        id: id.clone(),
        seq,
        corpus_id: input.id.clone(),
        text: input.text.clone(),
        author,
        mentions: text_mentions,
        mentioned_ids: vec![channel.id.clone()],
        created_at,
        // A comment held for review shows in the lists only later.
        indexed_at: created_at + late,
        conversation_id: video,
        in_reply_to_id: parent.as_ref().map(|p| p.id.clone()),
        in_reply_to_user_id: parent.as_ref().map(|p| p.author.id.clone()),
        page_id: Some(channel.id.clone()),
        fb_post_id: None,
        by_account: false,
    });
    {
        let mut inner = sim.lock();
        inner.posts.push(post.clone());
        inner.by_id.insert(id.clone(), post.clone());
        if let Some(c) = &post.corpus_id {
            inner.by_corpus_id.insert(c.clone(), id.clone());
        }
        let key = match &parent {
            Some(p) => replies_key(&p.id),
            None => threads_key(&channel.id),
        };
        inner.timelines.entry(key).or_default().push(post.clone());
    }
    tracing::debug!(%id, channel = %channel.id, "youtube comment published");
    Ok(post)
}

// ------------------------------------------------------------------ responses

fn google_json(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=UTF-8"));
    resp
}

fn status_name(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    }
}

/// Google's error body.
pub fn error_value(status: StatusCode, reason: &str, domain: &str, message: &str) -> Value {
    json!({"error": {
        "code": status.as_u16(),
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
        "status": status_name(status),
    }})
}

fn error(status: StatusCode, reason: &str, domain: &str, message: &str) -> Response {
    google_json(status, &error_value(status, reason, domain, message))
}

fn bad_param(reason: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, reason, "youtube.parameter", message)
}

fn invalid_value(value: &str, rule: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid", "global", &format!("Invalid value '{value}'. {rule}"))
}

fn quota_exceeded() -> Response {
    error(
        StatusCode::FORBIDDEN,
        "quotaExceeded",
        "youtube.quota",
        "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
    )
}

// ------------------------------------------------------------------ guard

enum Caller {
    Key,
    /// A bearer token, and the channel it is bound to (if configured).
    Token(Option<String>),
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?.trim();
    v.strip_prefix("Bearer ").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

#[allow(clippy::result_large_err)]
fn authenticate(sim: &Sim, headers: &HeaderMap, pairs: &[(String, String)]) -> Result<Caller, Response> {
    if let Some(token) = bearer(headers) {
        let tokens = &sim.cfg.youtube_tokens;
        if tokens.is_empty() {
            return Ok(Caller::Token(None));
        }
        return match tokens.iter().find(|(t, _)| *t == token) {
            Some((_, channel)) => Ok(Caller::Token(Some(channel.clone()))),
            None => Err(google_json(
                StatusCode::UNAUTHORIZED,
                &json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                    "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                        "location": "Authorization", "locationType": "header"}],
                    "status": "UNAUTHENTICATED"}}),
            )),
        };
    }
    match query_get(pairs, "key") {
        Some(key) if sim.cfg.youtube_api_key.as_deref().is_none_or(|k| k == key) && !key.is_empty() => Ok(Caller::Key),
        Some(_) => Err(error(
            StatusCode::BAD_REQUEST,
            "badRequest",
            "global",
            "API key not valid. Please pass a valid API key.",
        )),
        None => Err(error(StatusCode::FORBIDDEN, "forbidden", "global", "The request is missing a valid API key.")),
    }
}

/// Counts the request, applies faults, and spends `cost` quota units.
#[allow(clippy::result_large_err)]
async fn spend(sim: &Sim, cost: u32) -> Result<(), Response> {
    match sim.inject().await {
        Injected::None => {}
        Injected::Throttle => {
            return Err(error(
                StatusCode::FORBIDDEN,
                "rateLimitExceeded",
                "youtube.quota",
                "The request cannot be completed because you have exceeded your rate limit.",
            ));
        }
        Injected::ServerError => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "backendError",
                "global",
                "The service is currently unavailable.",
            ));
        }
    }
    let mut inner = sim.lock();
    let now = Utc::now();
    let w = inner
        .windows
        .entry((QUOTA_WINDOW.0.into(), QUOTA_WINDOW.1.into()))
        .or_insert_with(|| Window { used: 0, reset_at: next_pacific_midnight(now) });
    if w.reset_at <= now {
        *w = Window { used: 0, reset_at: next_pacific_midnight(now) };
    }
    if w.used.saturating_add(cost) > sim.cfg.youtube_daily_quota {
        return Err(quota_exceeded());
    }
    w.used += cost;
    Ok(())
}

/// `part`: required, a comma list of the parts this resource has.
#[allow(clippy::result_large_err)]
fn parts(pairs: &[(String, String)], known: &[&str]) -> Result<Vec<String>, Response> {
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
struct Paging {
    max: usize,
    plain: bool,
    below: Option<u64>,
}

#[allow(clippy::result_large_err)]
fn paging(pairs: &[(String, String)]) -> Result<Paging, Response> {
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

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\n', "<br>")
}

/// A `youtube#comment` resource.
pub fn comment_json(p: &Post, plain: bool) -> Value {
    let handle = format!("@{}", p.author.username);
    let mut snippet = json!({
        "channelId": p.page_id,
        "videoId": p.conversation_id,
        "textDisplay": if plain { p.text.clone() } else { html_escape(&p.text) },
        "textOriginal": p.text,
        "authorDisplayName": handle,
        "authorProfileImageUrl": format!("https://yt3.ggpht.com/sim/{}=s48-c-k-c0x00ffffff-no-rj", p.author.id),
        "authorChannelUrl": format!("http://www.youtube.com/{handle}"),
        "authorChannelId": {"value": p.author.id},
        "canRate": true,
        "viewerRating": "none",
        "likeCount": 0,
        "publishedAt": yt_time(p.created_at),
        "updatedAt": yt_time(p.created_at),
    });
    if let Some(parent) = &p.in_reply_to_id {
        snippet["parentId"] = json!(parent);
    }
    json!({"kind": "youtube#comment", "etag": etag(&p.id, 0), "id": p.id, "snippet": snippet})
}

fn visible(p: &Post, now: DateTime<Utc>) -> bool {
    p.indexed_at <= now
}

// ------------------------------------------------------------------ endpoints

/// `GET /youtube/v3/commentThreads`.
pub async fn comment_threads(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = authenticate(&sim, &headers, &pairs) {
        return r;
    }
    let parts = match parts(&pairs, &["id", "snippet", "replies"]) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let page = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(o) = query_get(&pairs, "order").filter(|o| *o != "time" && *o != "relevance") {
        return invalid_value(o, "Value must be one of [time, relevance]");
    }
    let filters = ["allThreadsRelatedToChannelId", "channelId", "id", "videoId"];
    let given: Vec<&str> = filters.iter().copied().filter(|f| query_get(&pairs, f).is_some()).collect();
    if given.len() != 1 {
        let (reason, msg) = if given.is_empty() {
            (
                "missingRequiredParameter",
                "No filter selected. Expected one of: allThreadsRelatedToChannelId, channelId, id, videoId",
            )
        } else {
            (
                "incompatibleParameters",
                "Incompatible parameters specified in the request: allThreadsRelatedToChannelId, channelId, id, videoId",
            )
        };
        return bad_param(reason, msg);
    }
    let value = query_get(&pairs, given[0]).unwrap_or_default().to_owned();
    if given[0] == "allThreadsRelatedToChannelId" && sim.cfg.channel_by_id(&value).is_none() {
        return error(
            StatusCode::NOT_FOUND,
            "channelNotFound",
            "youtube.commentThread",
            "The channel identified by the <code>allThreadsRelatedToChannelId</code> parameter could not be found.",
        );
    }
    if let Err(r) = spend(&sim, COST_LIST).await {
        return r;
    }
    let now = Utc::now();
    let (threads, more, total, replies) = {
        let inner = sim.lock();
        let all: Vec<Arc<Post>> = match given[0] {
            "allThreadsRelatedToChannelId" => inner.timelines.get(&threads_key(&value)).cloned().unwrap_or_default(),
            "videoId" => sim
                .cfg
                .youtube_channels
                .iter()
                .filter_map(|c| inner.timelines.get(&threads_key(&c.id)))
                .flatten()
                .filter(|p| p.conversation_id == value)
                .cloned()
                .collect(),
            "id" => value
                .split(',')
                .filter_map(|id| inner.by_id.get(id.trim()))
                .filter(|p| p.platform == Platform::YouTube && p.in_reply_to_id.is_none())
                .cloned()
                .collect(),
            // Comments about the channel itself: Tvarit's channels have none.
            _ => Vec::new(),
        };
        let mut matched: Vec<Arc<Post>> = all.into_iter().filter(|p| visible(p, now)).collect();
        matched.sort_by_key(|p| std::cmp::Reverse(p.seq));
        let total = matched.len();
        let rest: Vec<Arc<Post>> = matched.into_iter().filter(|p| page.below.is_none_or(|b| p.seq < b)).collect();
        let more = rest.len() > page.max;
        let threads: Vec<Arc<Post>> = rest.into_iter().take(page.max).collect();
        let replies: Vec<Vec<Arc<Post>>> = threads
            .iter()
            .map(|t| {
                let list = inner.timelines.get(&replies_key(&t.id)).map(Vec::as_slice).unwrap_or(&[]);
                list.iter().filter(|r| visible(r, now)).cloned().collect()
            })
            .collect();
        (threads, more, total, replies)
    };
    let items: Vec<Value> = threads
        .iter()
        .zip(&replies)
        .map(|(t, rs)| {
            let mut item = json!({"kind": "youtube#commentThread", "etag": etag(&t.id, rs.len()), "id": t.id});
            if parts.iter().any(|p| p == "snippet") {
                item["snippet"] = json!({
                    "channelId": t.page_id,
                    "videoId": t.conversation_id,
                    "topLevelComment": comment_json(t, page.plain),
                    "canReply": true,
                    "totalReplyCount": rs.len(),
                    "isPublic": true,
                });
            }
            if parts.iter().any(|p| p == "replies") && !rs.is_empty() {
                let comments: Vec<Value> = rs.iter().take(5).map(|r| comment_json(r, page.plain)).collect();
                item["replies"] = json!({ "comments": comments });
            }
            item
        })
        .collect();
    let mut body = json!({
        "kind": "youtube#commentThreadListResponse",
        "etag": etag(&value, total),
        "pageInfo": {"totalResults": items.len(), "resultsPerPage": page.max},
        "items": items,
    });
    if more && let Some(last) = threads.last() {
        body["nextPageToken"] = json!(encode_token(last.seq));
    }
    google_json(StatusCode::OK, &body)
}

/// `GET /youtube/v3/comments?parentId=` (or `id=`).
pub async fn list_comments(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    if let Err(r) = authenticate(&sim, &headers, &pairs) {
        return r;
    }
    if let Err(r) = parts(&pairs, &["id", "snippet"]) {
        return r;
    }
    let page = match paging(&pairs) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let (parent, ids) = (query_get(&pairs, "parentId"), query_get(&pairs, "id"));
    if parent.is_some() == ids.is_some() {
        let (reason, msg) = if parent.is_none() {
            ("missingRequiredParameter", "No filter selected. Expected one of: id, parentId")
        } else {
            ("incompatibleParameters", "Incompatible parameters specified in the request: id, parentId")
        };
        return bad_param(reason, msg);
    }
    if let Err(r) = spend(&sim, COST_LIST).await {
        return r;
    }
    let now = Utc::now();
    let found: Vec<Arc<Post>> = {
        let inner = sim.lock();
        match (parent, ids) {
            (Some(p), _) => inner.timelines.get(&replies_key(p)).cloned().unwrap_or_default(),
            (None, Some(ids)) => ids
                .split(',')
                .filter_map(|id| inner.by_id.get(id.trim()))
                .filter(|p| p.platform == Platform::YouTube)
                .cloned()
                .collect(),
            (None, None) => Vec::new(),
        }
    };
    // Oldest first, as a thread reads; pages continue after `below`.
    let rest: Vec<Arc<Post>> =
        found.into_iter().filter(|p| visible(p, now)).filter(|p| page.below.is_none_or(|b| p.seq > b)).collect();
    let more = rest.len() > page.max;
    let shown: Vec<&Arc<Post>> = rest.iter().take(page.max).collect();
    let items: Vec<Value> = shown.iter().map(|p| comment_json(p, page.plain)).collect();
    let mut body = json!({
        "kind": "youtube#commentListResponse",
        "etag": etag(parent.or(ids).unwrap_or_default(), items.len()),
        "pageInfo": {"totalResults": items.len(), "resultsPerPage": page.max},
        "items": items,
    });
    if more && let Some(last) = shown.last() {
        body["nextPageToken"] = json!(encode_token(last.seq));
    }
    google_json(StatusCode::OK, &body)
}

/// `POST /youtube/v3/comments?part=snippet`: a reply.
pub async fn insert_comment(
    State(sim): State<Arc<Sim>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    Sim::count(&sim.stats.api_requests);
    let pairs = query_pairs(query.as_deref());
    let refuse = |sim: &Sim, parent: &str, text: &str, outcome: &str| {
        let target = sim.lock().by_id.get(parent).cloned();
        sim.lock().replies.push(ReplyRecord {
            platform: Platform::YouTube,
            in_reply_to: parent.to_owned(),
            in_reply_to_corpus_id: target.and_then(|t| t.corpus_id.clone()),
            text: text.to_owned(),
            reply_id: None,
            time: Utc::now(),
            account: None,
            response_ms: None,
            outcome: outcome.to_owned(),
        });
    };
    if bearer(&headers).is_none() {
        return google_json(
            StatusCode::UNAUTHORIZED,
            &json!({"error": {"code": 401,
                "message": "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                "errors": [{"message": "Login Required.", "domain": "global", "reason": "required",
                    "location": "Authorization", "locationType": "header"}],
                "status": "UNAUTHENTICATED"}}),
        );
    }
    let bound = match authenticate(&sim, &headers, &pairs) {
        Ok(Caller::Token(bound)) => bound,
        Ok(Caller::Key) => None,
        Err(r) => return r,
    };
    if let Err(r) = parts(&pairs, &["id", "snippet"]) {
        return r;
    }
    let Ok(input) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "parseError", "global", "Parse Error");
    };
    let snippet = &input["snippet"];
    let parent_id = snippet["parentId"].as_str().unwrap_or_default().to_owned();
    let text = snippet["textOriginal"].as_str().unwrap_or_default().to_owned();
    if !snippet.is_object() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalidCommentMetadata",
            "youtube.comment",
            "The request metadata is invalid.",
        );
    }
    if parent_id.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "parentIdMissing",
            "youtube.comment",
            "The comment being created must be linked to a parent comment. However, the API request did not provide a value for the <code><a href=\"/youtube/v3/docs/comments#snippet.parentId\">snippet.parentId</a></code> property.",
        );
    }
    if text.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "commentTextRequired",
            "youtube.comment",
            "The comment resource that is being inserted must specify a value for the <code>snippet.textOriginal</code> property. Comments cannot be empty.",
        );
    }
    if text.chars().count() > MAX_COMMENT_CHARS {
        refuse(&sim, &parent_id, &text, "commentTextTooLong");
        return error(
            StatusCode::BAD_REQUEST,
            "commentTextTooLong",
            "youtube.comment",
            "The comment resource that is being inserted contains too many characters in the <code>snippet.textOriginal</code> property.",
        );
    }
    let target = sim.lock().by_id.get(&parent_id).cloned().filter(|t| t.platform == Platform::YouTube);
    let Some(target) = target else {
        refuse(&sim, &parent_id, &text, "parentCommentNotFound");
        return error(
            StatusCode::NOT_FOUND,
            "parentCommentNotFound",
            "youtube.comment",
            "The specified parent comment could not be found. Check the value of the <code><a href=\"/youtube/v3/docs/comments#snippet.parentId\">snippet.parentId</a></code> property in the request body to ensure that it is correct.",
        );
    };
    if target.in_reply_to_id.is_some() {
        refuse(&sim, &parent_id, &text, "operationNotSupported");
        return error(
            StatusCode::BAD_REQUEST,
            "operationNotSupported",
            "youtube.comment",
            "The API user is not able to insert a comment in reply to the specified comment.",
        );
    }
    let owner = target.page_id.clone().unwrap_or_default();
    let channel_id = bound.unwrap_or_else(|| owner.clone());
    let Some(channel) = sim.cfg.channel_by_id(&channel_id).cloned() else {
        refuse(&sim, &parent_id, &text, "forbidden");
        return error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "youtube.comment",
            "The comment cannot be created due to insufficient permissions. The request might not be properly authorized.",
        );
    };
    if let Err(r) = spend(&sim, COST_INSERT).await {
        refuse(&sim, &parent_id, &text, "quotaExceeded");
        return r;
    }
    let (seq, created_at) = sim.next_id();
    let id = reply_id(&target.id, seq);
    let reply = Arc::new(Post {
        platform: Platform::YouTube,
        id: id.clone(),
        seq,
        corpus_id: None,
        text: text.clone(),
        author: Author {
            id: channel.id.clone(),
            username: channel.handle.trim_start_matches('@').to_owned(),
            name: channel.handle.clone(),
        },
        mentions: Vec::new(),
        mentioned_ids: Vec::new(),
        created_at,
        indexed_at: created_at,
        conversation_id: target.conversation_id.clone(),
        in_reply_to_id: Some(target.id.clone()),
        in_reply_to_user_id: Some(target.author.id.clone()),
        page_id: target.page_id.clone(),
        fb_post_id: None,
        by_account: true,
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), reply.clone());
        inner.timelines.entry(replies_key(&target.id)).or_default().push(reply.clone());
        inner.authored.entry(channel.id.clone()).or_default().push(reply.clone());
        inner.replies.push(ReplyRecord {
            platform: Platform::YouTube,
            in_reply_to: target.id.clone(),
            in_reply_to_corpus_id: target.corpus_id.clone(),
            text,
            reply_id: Some(id.clone()),
            time: created_at,
            account: Some(channel.id.clone()),
            response_ms: Some((created_at - target.created_at).num_milliseconds()),
            outcome: "created".into(),
        });
    }
    tracing::info!(reply_id = %id, in_reply_to = %target.id, "youtube reply received");
    let pause = sim.faults().slow_after_create_ms;
    if pause > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
    google_json(StatusCode::OK, &comment_json(&reply, false))
}

/// `GET /sim/youtube/quota`: units spent today and when they reset.
pub async fn quota(State(sim): State<Arc<Sim>>) -> Json<Value> {
    let now = Utc::now();
    let inner = sim.lock();
    let w = inner.windows.get(&(QUOTA_WINDOW.0.into(), QUOTA_WINDOW.1.into())).filter(|w| w.reset_at > now);
    Json(json!({
        "used": w.map_or(0, |w| w.used),
        "limit": sim.cfg.youtube_daily_quota,
        "resets_at": yt_time(w.map_or_else(|| next_pacific_midnight(now), |w| w.reset_at)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn quota_days_end_at_midnight_in_los_angeles() {
        assert_eq!(next_pacific_midnight(t("2026-11-03T10:00:00Z")), t("2026-11-04T08:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-07-01T06:59:00Z")), t("2026-07-01T07:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-03-08T12:00:00Z")), t("2026-03-09T07:00:00Z"));
        assert_eq!(next_pacific_midnight(t("2026-11-01T12:00:00Z")), t("2026-11-02T08:00:00Z"));
    }

    #[test]
    fn ids_and_tokens_look_like_youtubes() {
        let id = comment_id(1_987_654_321_098_765_432);
        assert!(id.starts_with("Ugz") && id.ends_with("4AaABAg"));
        assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        assert!(reply_id(&id, 7).starts_with(&format!("{id}.")));
        assert_eq!(default_video("UCrajpolice000000000001").len(), 11);
        assert_eq!(public_channel("asha").len(), 24);
        assert_eq!(decode_token(&encode_token(42)), Some(42));
        assert_eq!(decode_token("not a token"), None);
    }
}
