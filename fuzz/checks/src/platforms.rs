//! `tvarit-platforms`' readers of what X, Meta and YouTube answer: the
//! response bodies the pollers and senders decode, the error bodies they
//! classify (retry or tell the operator), and X's rate-limit headers.
//!
//! Compiled into `tvarit-fuzz-checks` (for `cargo fuzz`) and into
//! `crates/platforms/tests/fuzz_corpus.rs` (to replay the corpus on stable),
//! so it may use only `tvarit-platforms` and its dependencies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tvarit_platforms::{PlatformError, RateLimit, meta, x, youtube};

/// The longest wait any classification may ask for: YouTube's daily quota
/// resets within 25 hours (a day plus a daylight-time shift).
const MAX_WAIT: Duration = Duration::from_secs(25 * 3600);

fn assert_error(e: &PlatformError, status: u16) {
    match e {
        PlatformError::Retryable { retry_after, .. } => {
            if let Some(w) = retry_after {
                assert!(*w <= MAX_WAIT, "retry after {w:?}");
            }
        }
        PlatformError::Terminal { status: s, detail, .. } => {
            assert_eq!(*s, status);
            assert!(!(500..=599).contains(&status), "a {status} must be retried");
            let _ = detail;
        }
    }
    // The words shown to the operator are printable.
    assert!(!e.to_string().is_empty());
}

/// The first two bytes pick the reader and an HTTP status; the rest is the
/// body (or a header value).
pub fn platform_responses(data: &[u8]) {
    let [which, status, body @ ..] = data else { return };
    let status = 400 + u16::from(*status) % 200;
    let text = String::from_utf8_lossy(body);
    let now = UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    match which % 10 {
        0 => {
            // Mentions and search pages: the author of every tweet is in includes or absent.
            if let Ok(page) = serde_json::from_slice::<x::types::Timeline>(body) {
                for t in &page.data {
                    if let Some(u) = page.author(t) {
                        assert_eq!(Some(&u.id), t.author_id.as_ref());
                    }
                }
            }
        }
        1 => {
            let _ = serde_json::from_slice::<x::types::Single<x::types::User>>(body);
            let _ = serde_json::from_slice::<x::types::Single<x::types::Created>>(body);
            if let Ok(m) = serde_json::from_slice::<x::stream::StreamMessage>(body) {
                let _ = m.disconnect();
            }
            let words = x::stream::problem_words(&text);
            assert!(words.chars().count() <= 200 || serde_json::from_str::<serde_json::Value>(&text).is_ok());
        }
        2 => {
            let rate = RateLimit { limit: Some(1), remaining: Some(0), reset: Some(1_790_000_060) };
            let e = x::classify(status, &rate, &text);
            assert_error(&e, status);
            if status == 429 {
                assert!(e.is_retryable() || e.to_string().contains("usage cap"), "{e}");
            }
        }
        3 => {
            let e = meta::classify(status, &text);
            assert_error(&e, status);
            let _ = serde_json::from_slice::<meta::Delivery>(body);
            let _ = serde_json::from_slice::<meta::FeedChange>(body);
            let _ = serde_json::from_slice::<meta::Created>(body);
            let _ = serde_json::from_slice::<Vec<meta::publish::PagePost>>(body);
        }
        4 => {
            let e = youtube::classify(status, &text, now);
            assert_error(&e, status);
            if status == 429 {
                assert!(e.is_retryable());
            }
        }
        5 => {
            if let Ok(page) = serde_json::from_slice::<youtube::CommentThreadsPage>(body) {
                for t in &page.items {
                    let _ = t.snippet.top_level_comment.author_channel();
                }
            }
            if let Ok(page) = serde_json::from_slice::<youtube::CommentsPage>(body) {
                let found = youtube::find_reply(&page.items, "UCrajpolice000000000001", &text);
                if let Some(c) = found {
                    assert_eq!(c.author_channel(), Some("UCrajpolice000000000001"));
                }
            }
        }
        6 => {
            // X's rate-limit headers, as the value of each.
            let mut h = reqwest::header::HeaderMap::new();
            if let Ok(v) = reqwest::header::HeaderValue::from_bytes(body) {
                for k in ["x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"] {
                    h.insert(k, v.clone());
                }
            }
            let rl = RateLimit::from_headers(&h);
            let _ = rl.exhausted();
            let _ = rl.until_reset(now);
            let _ = rl.until_reset(SystemTime::UNIX_EPOCH);
        }
        7 => {
            // Webhook signatures: any header is safe to check, and none passes
            // without the secret (the right one for the empty body is known).
            let header = std::str::from_utf8(body).ok();
            let good = "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad";
            if meta::signature_valid(b"", b"", header) {
                assert!(header.is_some_and(|h| h.trim().eq_ignore_ascii_case(good)), "{header:?}");
            }
            let _ = x::webhook::signature_valid(b"secret", body, header);
            let _ = tvarit_platforms::verify_hex_sha256(b"", body, header);
        }
        8 => {
            // A reply whose outcome was lost is found only by exact text and parent.
            if let Ok(posts) = serde_json::from_slice::<Vec<x::types::Tweet>>(body) {
                if let Some(t) = x::find_reply(&posts, "1", "text") {
                    assert!(posts.contains(t));
                }
                let _ = x::publish::find_post(&posts, "text");
            }
        }
        _ => {
            // YouTube's quota reset is always ahead, within a day and an hour.
            let secs = u64::from_le_bytes(body.get(..8).and_then(|b| b.try_into().ok()).unwrap_or([0; 8]));
            let at = (secs % 8_000_000_000) as i64;
            let next = youtube::next_pacific_midnight(at);
            assert!(next > at && next - at <= 25 * 3600, "{at} → {next}");
        }
    }
}
