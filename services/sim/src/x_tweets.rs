//! `POST /2/tweets`: replies and our own posts, recorded, with X's
//! refusals (duplicate content, not mentioned, not visible, too long).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Map, Value, json};

use crate::config::{Account, DuplicateScope, PostNaming};
use crate::delivery;
use crate::public::mentions_in;
use crate::state::{Author, Platform, Post, PublishedRecord, ReplyRecord, Sim};
use crate::x_http::{Caller, Endpoint, about_blank, guard, query_pairs, respond};
use crate::x_mentions::is_snowflake;
use crate::x_params;

/// The fields CreatePostsRequest allows (`additionalProperties: false`).
const REQUEST_FIELDS: &[&str] = &[
    "card_uri",
    "community_id",
    "direct_message_deep_link",
    "edit_options",
    "for_super_followers_only",
    "geo",
    "made_with_ai",
    "media",
    "nullcast",
    "paid_partnership",
    "poll",
    "quote_tweet_id",
    "reply",
    "reply_settings",
    "share_with_followers",
    "text",
];
const REPLY_FIELDS: &[&str] = &["auto_populate_reply_metadata", "exclude_reply_user_ids", "in_reply_to_tweet_id"];

const DUPLICATE: &str = "You are not allowed to create a Tweet with duplicate content.";
const NOT_MENTIONED: &str = "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.";
const NOT_VISIBLE: &str = "You attempted to reply to a Tweet that is deleted or not visible to you.";
const TOO_LONG: &str = "Your Tweet text is too long. For more information on how Twitter determines text length see https://github.com/twitter/twitter-text.";

pub async fn create(
    State(sim): State<Arc<Sim>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let g = match guard(&sim, &headers, Endpoint::PostTweets).await {
        Ok(g) => g,
        Err(resp) => return resp,
    };
    let rate = &g.rate;
    if let Err(r) = x_params::CREATE_POST.check(&query_pairs(query.as_deref()), rate) {
        return r;
    }
    if sim.faults().usage_cap {
        let body = json!({
            "title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap",
            "type": "https://api.twitter.com/2/problems/usage-capped", "period": "Monthly", "scope": "Product",
        });
        return respond(StatusCode::TOO_MANY_REQUESTS, body, rate);
    }
    let req: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(m)) => m,
        _ => return crate::x_http::invalid_request_body("$: the request body is not a JSON object", rate),
    };
    if let Some(k) = req.keys().find(|k| !REQUEST_FIELDS.contains(&k.as_str())) {
        return crate::x_http::invalid_request_body(
            &format!("$.{k}: is not defined in the schema and the schema does not allow additional properties"),
            rate,
        );
    }
    let text = match req.get("text") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return crate::x_http::invalid_request_body("$.text: string found, but expected a string", rate),
    };
    let target_id = match req.get("reply") {
        None => None,
        Some(Value::Object(r)) => {
            if let Some(k) = r.keys().find(|k| !REPLY_FIELDS.contains(&k.as_str())) {
                return crate::x_http::invalid_request_body(
                    &format!(
                        "$.reply.{k}: is not defined in the schema and the schema does not allow additional properties"
                    ),
                    rate,
                );
            }
            match r.get("in_reply_to_tweet_id").and_then(Value::as_str) {
                Some(id) if is_snowflake(id) => Some(id.to_owned()),
                Some(id) => {
                    return crate::x_http::invalid_request_body(
                        &format!(
                            "$.reply.in_reply_to_tweet_id: does not match the regex pattern ^[0-9]{{1,19}}$ ({id})"
                        ),
                        rate,
                    );
                }
                None => {
                    return crate::x_http::invalid_request_body(
                        "$.reply.in_reply_to_tweet_id: is missing but it is required",
                        rate,
                    );
                }
            }
        }
        Some(_) => return crate::x_http::invalid_request_body("$.reply: object expected", rate),
    };
    if text.trim().is_empty() && !req.contains_key("media") {
        return crate::x_http::invalid_request_body("$.text: Post text or media is required", rate);
    }
    let target = target_id.as_ref().and_then(|id| sim.lock().by_id.get(id).cloned());
    let account = replying_account(&sim, &g.caller, target.as_deref());
    let refuse = |outcome: &str, status: StatusCode, title: &str, detail: &str| {
        record(&sim, target_id.as_deref(), target.as_deref(), &text, None, account.as_ref(), outcome);
        respond(status, about_blank(status, title, detail), rate)
    };
    if weighted_length(&text) > 280 {
        return refuse("too-long", StatusCode::FORBIDDEN, "Forbidden", TOO_LONG);
    }
    if target_id.is_some() && target.as_ref().is_none_or(|t| t.platform != Platform::X) {
        return refuse("not-visible", StatusCode::FORBIDDEN, "Forbidden", NOT_VISIBLE);
    }
    let Some(account) = account.clone() else {
        return refuse("reply-not-allowed", StatusCode::FORBIDDEN, "Forbidden", NOT_MENTIONED);
    };
    if let Some(t) = &target
        && !t.mentioned_ids.contains(&account.user_id)
        && t.author.id != account.user_id
    {
        return refuse("reply-not-allowed", StatusCode::FORBIDDEN, "Forbidden", NOT_MENTIONED);
    }
    let scope = match sim.cfg.duplicate_scope {
        DuplicateScope::Post => target_id.clone().unwrap_or_default(),
        DuplicateScope::Account => String::new(),
    };
    let key = (account.user_id.clone(), scope, text.trim().to_owned());
    if !sim.lock().sent.insert(key) {
        return refuse("duplicate-content", StatusCode::FORBIDDEN, "Forbidden", DUPLICATE);
    }
    let (seq, created_at) = sim.next_id();
    let id = seq.to_string();
    let mentions: Vec<String> = mentions_in(&text).into_iter().map(|(_, _, u)| u).collect();
    let post = Arc::new(Post {
        platform: Platform::X,
        id: id.clone(),
        seq,
        corpus_id: None,
        text: text.clone(),
        author: Author { id: account.user_id.clone(), username: account.username.clone(), name: account.name.clone() },
        mentioned_ids: mentions
            .iter()
            .filter_map(|m| sim.cfg.account_by_username(m))
            .map(|a| a.user_id.clone())
            .collect(),
        mentions,
        created_at,
        indexed_at: created_at,
        conversation_id: target.as_ref().map(|t| t.conversation_id.clone()).unwrap_or_else(|| id.clone()),
        in_reply_to_id: target_id.clone(),
        in_reply_to_user_id: target.as_ref().map(|t| t.author.id.clone()),
        page_id: None,
        fb_post_id: None,
        by_account: true,
        media: Vec::new(),
    });
    {
        let mut inner = sim.lock();
        inner.by_id.insert(id.clone(), post.clone());
        inner.authored.entry(account.user_id.clone()).or_default().push(post.clone());
    }
    record(&sim, target_id.as_deref(), target.as_deref(), &text, Some(&post), Some(&account), "created");
    delivery::enqueue_own_x_post(&sim, &post);
    tracing::info!(reply_id = %id, in_reply_to = ?target_id, account = %account.username, "x reply received");
    let linger = sim.faults().slow_after_create_ms;
    if linger > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(linger)).await;
    }
    let history = match sim.cfg.post_naming {
        PostNaming::Tweet => "edit_history_tweet_ids",
        PostNaming::Post => "edit_history_post_ids",
    };
    respond(StatusCode::CREATED, json!({"data": {history: [id], "id": id, "text": text}}), rate)
}

/// The account a user token speaks for: its binding, else (the sim accepts
/// any user token) the first of ours the target mentions, else our first.
fn replying_account(sim: &Sim, caller: &Caller, target: Option<&Post>) -> Option<Account> {
    match caller {
        Caller::User { account: Some(a), .. } => Some(a.clone()),
        _ => match target {
            Some(t) => t
                .mentioned_ids
                .iter()
                .chain(std::iter::once(&t.author.id))
                .find_map(|id| sim.cfg.account_by_id(id))
                .cloned(),
            None => sim.cfg.accounts.first().cloned(),
        },
    }
}

fn record(
    sim: &Sim,
    target_id: Option<&str>,
    target: Option<&Post>,
    text: &str,
    reply: Option<&Post>,
    account: Option<&Account>,
    outcome: &str,
) {
    let time = reply.map(|r| r.created_at).unwrap_or_else(Utc::now);
    let mut inner = sim.lock();
    if target_id.is_none() {
        inner.published.push(PublishedRecord {
            platform: Platform::X,
            account: account.map(|a| format!("@{}", a.username)).unwrap_or_default(),
            post_id: reply.map(|r| r.id.clone()),
            text: text.to_owned(),
            time,
            outcome: outcome.to_owned(),
        });
    }
    inner.replies.push(ReplyRecord {
        platform: Platform::X,
        in_reply_to: target_id.unwrap_or_default().to_owned(),
        in_reply_to_corpus_id: target.and_then(|t| t.corpus_id.clone()),
        text: text.to_owned(),
        reply_id: reply.map(|r| r.id.clone()),
        time,
        account: account.map(|a| format!("@{}", a.username)),
        response_ms: target.map(|t| (time - t.created_at).num_milliseconds()),
        outcome: outcome.to_owned(),
    });
}

/// twitter-text's weighting: code points up to U+10FF and a few punctuation
/// ranges weigh 1, everything else (CJK, emoji) 2, a variation selector
/// nothing (an emoji counts once), and every URL 23 (t.co); the limit is 280.
pub fn weighted_length(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let bare = word.trim_end();
            if bare.starts_with("https://") || bare.starts_with("http://") {
                23 + (word.len() - bare.len())
            } else {
                word.chars().map(weight).sum()
            }
        })
        .sum()
}

fn weight(c: char) -> usize {
    let c = c as u32;
    if (0xFE00..=0xFE0F).contains(&c) {
        return 0;
    }
    let light = c <= 0x10FF
        || (0x2000..=0x200D).contains(&c)
        || (0x2010..=0x201F).contains(&c)
        || (0x2032..=0x2037).contains(&c);
    if light { 1 } else { 2 }
}

#[cfg(test)]
mod tests {
    use super::weighted_length;

    #[test]
    fn devanagari_weighs_one_and_cjk_two() {
        assert_eq!(weighted_length("कृपया"), 5);
        assert_eq!(weighted_length("你好"), 4);
        assert_eq!(weighted_length("⚠️ see https://example.org/a/very/long/path ok"), 2 + 5 + 23 + 3);
    }
}
