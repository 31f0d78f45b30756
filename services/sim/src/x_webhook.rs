//! X Activity webhooks: `{"for_user_id", "tweet_create_events": [v1.1 tweet]}`
//! signed `x-twitter-webhooks-signature: sha256=base64(HMAC-SHA256(consumer
//! secret, body))`, and the CRC challenge `GET <url>?crc_token=T` whose answer
//! must be `{"response_token": "sha256=" + base64(HMAC-SHA256(secret, T))}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::config::SimConfig;
use crate::delivery::http_request;
use crate::public::mentions_in;
use crate::state::{Post, Sim, numeric_id};

/// `sha256=` + base64(HMAC-SHA256(secret, message)): both the event
/// signature and the CRC response token.
pub fn signature(secret: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac takes any key length");
    mac.update(message);
    format!("sha256={}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A post as a v1.1 tweet object (what X Activity events carry).
/// `parent_username`: the screen name of the replied-to post's author.
pub fn tweet_v1(cfg: &SimConfig, p: &Post, parent_username: Option<&str>) -> Value {
    let id: u64 = p.id.parse().unwrap_or(p.seq);
    let chars: Vec<char> = p.text.chars().collect();
    let mentions: Vec<Value> = mentions_in(&p.text)
        .into_iter()
        .map(|(start, end, u)| {
            let (uid, name) = match cfg.account_by_username(&u) {
                Some(a) => (a.user_id.clone(), a.name.clone()),
                None => (numeric_id(&u), u.clone()),
            };
            let n: u64 = uid.parse().unwrap_or(0);
            json!({"screen_name": u, "name": name, "id": n, "id_str": uid, "indices": [start, end]})
        })
        .collect();
    let entities = json!({"hashtags": [], "urls": [], "user_mentions": mentions, "symbols": []});
    let author_id: u64 = p.author.id.parse().unwrap_or(0);
    let parent: Option<u64> = p.in_reply_to_id.as_ref().and_then(|s| s.parse().ok());
    let parent_user: Option<u64> = p.in_reply_to_user_id.as_ref().and_then(|s| s.parse().ok());
    let mut t = json!({
        "created_at": p.created_at.format("%a %b %d %H:%M:%S +0000 %Y").to_string(),
        "id": id,
        "id_str": p.id,
        "text": p.text,
        "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
        "truncated": false,
        "in_reply_to_status_id": parent,
        "in_reply_to_status_id_str": p.in_reply_to_id,
        "in_reply_to_user_id": parent_user,
        "in_reply_to_user_id_str": p.in_reply_to_user_id,
        "in_reply_to_screen_name": parent_username,
        "user": {"id": author_id, "id_str": p.author.id, "name": p.author.name, "screen_name": p.author.username},
        "is_quote_status": false,
        "entities": entities,
        "lang": if p.text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)) { "hi" } else { "en" },
        "timestamp_ms": p.created_at.timestamp_millis().to_string(),
    });
    let media =
        (!p.media.is_empty()).then(|| json!({ "media": p.media.iter().map(crate::media::x_v1).collect::<Vec<_>>() }));
    if let Some(m) = &media {
        t["extended_entities"] = m.clone();
    }
    // Over 140 characters, v1.1 carries a cut `text` and the whole post in `extended_tweet`.
    if chars.len() > 140 {
        let cut: String = chars[..139].iter().collect();
        t["text"] = json!(format!("{cut}…"));
        t["truncated"] = json!(true);
        t["display_text_range"] = json!([0, 140]);
        t["extended_tweet"] =
            json!({"full_text": p.text, "display_text_range": [0, chars.len()], "entities": t["entities"].clone()});
        // A long post's media are listed in `extended_tweet` only.
        if let Some(m) = media {
            t["extended_tweet"]["extended_entities"] = m;
            t.as_object_mut().map(|o| o.remove("extended_entities"));
        }
    }
    t
}

pub fn payload(cfg: &SimConfig, for_user_id: &str, p: &Post, parent_username: Option<&str>) -> Vec<u8> {
    json!({"for_user_id": for_user_id, "tweet_create_events": [tweet_v1(cfg, p, parent_username)]})
        .to_string()
        .into_bytes()
}

/// Issues the CRC challenge and checks the answer against `secret`.
pub async fn check_crc(url: &str, secret: &str) -> Result<(), String> {
    let token = format!("{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let sep = if url.contains('?') { '&' } else { '?' };
    let (status, body) = http_request(Method::GET, &format!("{url}{sep}crc_token={token}"), &[], Bytes::new()).await?;
    if status != 200 {
        return Err(format!("CRC answered HTTP {status}"));
    }
    let v: Value = serde_json::from_slice(&body).map_err(|_| "CRC answer is not JSON".to_owned())?;
    let expected = signature(secret, token.as_bytes());
    match v.get("response_token").and_then(Value::as_str) {
        Some(t) if t == expected => Ok(()),
        Some(t) => Err(format!("CRC response_token {t} is not {expected}")),
        None => Err("CRC answer has no response_token".into()),
    }
}

/// `POST /sim/webhooks/x/crc` (`{"secret": ..}` optional): runs the challenge now.
pub async fn crc_now(State(sim): State<Arc<Sim>>, body: Bytes) -> Json<Value> {
    let Some(hook) = &sim.cfg.x_webhook else {
        return Json(json!({"ok": false, "detail": "no --x-webhook-url configured"}));
    };
    let asked: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let secret = asked.get("secret").and_then(Value::as_str).unwrap_or(&hook.consumer_secret);
    match check_crc(&hook.url, secret).await {
        Ok(()) => Json(json!({"ok": true})),
        Err(e) => Json(json!({"ok": false, "detail": e})),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PLATFORMS.md's test vectors.
    #[test]
    fn signatures_match_the_documented_vectors() {
        assert_eq!(signature("test_consumer_secret", b"abc123"), "sha256=NRSmW12qpe3CEF8MYyBrEyg562XPUUrrQ1iu+H6dKZs=");
        assert_eq!(
            signature("test_consumer_secret", br#"{"for_user_id":"1"}"#),
            "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I="
        );
    }
}
