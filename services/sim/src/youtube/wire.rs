//! How the sim's YouTube speaks: JSON with Google's content type, errors
//! in Google's shape (`{"error":{"code","message","errors":[…],"status"}}`)
//! and the `youtube#comment` resource, so that the client is tested against
//! the documented format rather than a convenient one.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::ids::etag;
use crate::state::Post;

/// `2026-11-03T10:15:42Z`: YouTube's times have whole seconds.
pub fn yt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub(super) fn google_json(status: StatusCode, body: &Value) -> Response {
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

pub(super) fn error(status: StatusCode, reason: &str, domain: &str, message: &str) -> Response {
    google_json(status, &error_value(status, reason, domain, message))
}

pub(super) fn bad_param(reason: &str, message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, reason, "youtube.parameter", message)
}

pub(super) fn invalid_value(value: &str, rule: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "invalid", "global", &format!("Invalid value '{value}'. {rule}"))
}

/// YouTube's `textDisplay`: the text HTML-escaped (`'` as `&#39;`, as
/// YouTube writes it), line breaks as `<br>`. Hand-written because the
/// wire form is what is simulated: maud writes `'` as is and the
/// `html-escape` crate as `&#x27;`, and the sim stays apart from the
/// product's templates.
fn text_display(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// A `youtube#comment` resource.
pub fn comment_json(p: &Post, plain: bool) -> Value {
    let handle = format!("@{}", p.author.username);
    let mut snippet = json!({
        "channelId": p.page_id,
        "videoId": p.conversation_id,
        "textDisplay": if plain { p.text.clone() } else { text_display(&p.text) },
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

pub(super) fn visible(p: &Post, now: DateTime<Utc>) -> bool {
    p.indexed_at <= now
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_display_is_escaped_the_way_youtube_writes_it() {
        assert_eq!(super::text_display("it's <b>\"x\" & y\nz"), "it&#39;s &lt;b&gt;&quot;x&quot; &amp; y<br>z");
    }
}
