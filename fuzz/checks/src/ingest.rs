//! Ingest's boundaries: the X and Meta webhooks (signature, then body), the
//! signed `POST /v1/posts` JSON, the replay file, the X filtered stream's
//! framing and lines, the polled X and YouTube pages, and the service's
//! configuration file. Each function takes one fuzz input, runs the same
//! code the service runs on it, and panics if a property fails.
//!
//! Compiled into `tvarit-fuzz-checks` (for `cargo fuzz`) and into
//! `services/ingest/tests/fuzz_corpus.rs` (to replay the corpus on stable),
//! so it may use only `tvarit-ingest` and its dependencies.

use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tvarit_config::Validate;
use tvarit_ingest::post_input::{Draft, InputError, MAX_TEXT_CHARS, build_post, mentions_in, parse_post};
use tvarit_ingest::replay::parse_line;
use tvarit_ingest::sources::x_stream::{StreamLine, read_line};
use tvarit_ingest::sources::{meta_webhook, x_poll, x_webhook, youtube_poll};
use tvarit_platforms::x::stream::{Frame, Framer};
use tvarit_proto::v1::Post;
use tvarit_registry::Registry;

const SECRET: &[u8] = b"fuzz-webhook-secret";

/// Rajasthan's units and accounts plus a Facebook Page, an Instagram
/// account, a YouTube channel and a streamed X account, so every source
/// has somewhere to route.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let extra = r#"
[[accounts]]
platform = "facebook"
handle = "@BalotraPolicePage"
unit = "balotra"
platform_id = "1001"
sources = ["webhook"]

[[accounts]]
platform = "instagram"
handle = "@jaipurpolice_ig"
unit = "jaipur"
platform_id = "2002"
sources = ["webhook"]

[[accounts]]
platform = "youtube"
handle = "@RajasthanPoliceYT"
unit = "hq"
platform_id = "UCrajpolice000000000001"
sources = ["poll"]

[[accounts]]
platform = "x"
handle = "@SP_Barmer"
unit = "barmer"
sources = ["stream"]
"#;
        Registry::from_toml(&format!("{}\n{extra}", tvarit_registry::RAJASTHAN_TOML))
            .expect("the fuzz registry is valid")
    })
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap()
}

/// What every post ingest publishes must satisfy, whatever the source.
pub fn assert_post(p: &Post, source: &str) {
    let reg = registry();
    assert!(!p.post_id.trim().is_empty() && p.post_id.len() <= 128, "post id {:?}", p.post_id);
    assert!(!p.text.trim().is_empty(), "empty text accepted");
    assert!(p.text.chars().count() <= MAX_TEXT_CHARS, "text too long accepted");
    assert!(p.mentions.len() <= 50);
    assert!(
        !p.platform.is_empty()
            && p.platform.len() <= 32
            && p.platform.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
        "platform {:?}",
        p.platform
    );
    assert!(reg.unit(&p.unit).is_some(), "post routed to unknown unit {:?}", p.unit);
    if p.untagged {
        assert!(p.account.is_empty());
    } else {
        let account = reg.account(&p.account).unwrap_or_else(|| panic!("unknown account {:?}", p.account));
        assert_eq!(account.unit, p.unit, "routed away from the addressed account's unit");
    }
    assert_eq!(p.source, source);
    for t in [&p.created_at, &p.received_at] {
        let t = t.as_ref().expect("timestamps are set");
        assert!((0..1_000_000_000).contains(&t.nanos), "nanos {}", t.nanos);
    }
    // What consumers do with it: the protobuf must round-trip.
    use prost::Message;
    assert_eq!(&Post::decode(p.encode_to_vec().as_slice()).expect("re-decodes"), p);
}

fn built(d: Draft, source: &str) -> Result<Post, InputError> {
    let r = build_post(d, registry(), now(), source);
    if let Ok(p) = &r {
        assert_post(p, source);
    }
    r
}

fn hmac(data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Standard base64 with padding (the checks avoid a dependency for it).
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first line of `data` as a header value (what an attacker controls),
/// and the rest as the body.
fn split_header(data: &[u8]) -> (Option<&str>, &[u8]) {
    match data.iter().position(|&b| b == b'\n') {
        Some(i) => (std::str::from_utf8(&data[..i]).ok(), &data[i + 1..]),
        None => (None, data),
    }
}

/// `POST /webhooks/x`: `x-twitter-webhooks-signature` then the body; and
/// the CRC answer for the body as a `crc_token`.
pub fn webhook_x(data: &[u8]) {
    use tvarit_platforms::x::webhook;
    let (header, body) = split_header(data);
    // Only the right signature opens the door, and any header is safe to check.
    let good = format!("sha256={}", base64(&hmac(body)));
    assert!(webhook::signature_valid(SECRET, body, Some(&good)));
    assert!(!webhook::signature_valid(b"another secret", body, Some(&good)));
    if header.is_some_and(|h| h.trim() != good) {
        assert!(!webhook::signature_valid(SECRET, body, header), "a forged signature {header:?} passed");
    }
    if let Ok(token) = std::str::from_utf8(body) {
        let crc: serde_json::Value = serde_json::from_str(&webhook::crc_response(SECRET, token)).unwrap();
        assert_eq!(crc["response_token"], format!("sha256={}", base64(&hmac(token.as_bytes()))));
    }
    if let Ok(drafts) = x_webhook::drafts(body, registry()) {
        for d in drafts {
            assert_eq!(d.platform, "x");
            assert!(registry().account(d.author.as_ref().map_or("", |a| a.handle.as_str())).is_none());
            let _ = built(d, x_webhook::SOURCE);
        }
    }
}

/// `POST /webhooks/meta`: `X-Hub-Signature-256` then the body.
pub fn webhook_meta(data: &[u8]) {
    use tvarit_platforms::meta;
    let (header, body) = split_header(data);
    let good = format!("sha256={}", hex::encode(hmac(body)));
    assert!(meta::signature_valid(SECRET, body, Some(&good)));
    assert!(meta::signature_valid(SECRET, body, Some(&good.to_uppercase().replacen("SHA256", "sha256", 1))));
    if header.is_some_and(|h| !h.trim().eq_ignore_ascii_case(&good)) {
        assert!(!meta::signature_valid(SECRET, body, header), "a forged signature {header:?} passed");
    }
    // The handshake echoes the challenge only for the right token.
    let challenge = std::str::from_utf8(body).ok();
    assert_eq!(meta::verify_subscription(Some("subscribe"), Some("t"), challenge, "t"), challenge);
    assert_eq!(
        meta::verify_subscription(Some("subscribe"), header, challenge, "t").is_some(),
        header == Some("t") && challenge.is_some()
    );
    if let Ok(drafts) = meta_webhook::drafts(body, registry()) {
        for d in drafts {
            assert!(matches!(d.platform.as_str(), "facebook" | "instagram"), "{}", d.platform);
            assert_eq!(d.mentions.len(), 1);
            // Addressed to a registered Page: refused for its content, never its routing.
            if let Err(e) = built(d, meta_webhook::SOURCE) {
                assert!(!matches!(e, InputError::UnknownAccount(_)), "{e}");
            }
        }
    }
}

/// `POST /v1/posts`: `X-Tvarit-Signature` then the body, which must be
/// UTF-8 JSON of one post.
pub fn post_json(data: &[u8]) {
    use tvarit_platforms::verify_hex_sha256 as signature_matches;
    let (header, body) = split_header(data);
    let good = format!("sha256={}", hex::encode(hmac(body)));
    assert!(signature_matches(SECRET, body, Some(&good)));
    if header.is_some_and(|h| !h.trim().eq_ignore_ascii_case(&good)) {
        assert!(!signature_matches(SECRET, body, header), "a forged signature {header:?} passed");
    }
    let Ok(text) = std::str::from_utf8(body) else { return };
    match parse_post(text, registry(), now(), "webhook") {
        Ok(p) => {
            assert_post(&p, "webhook");
            // The mentions the JSON gave, as given.
            let v: serde_json::Value = serde_json::from_str(text).expect("accepted JSON is JSON");
            assert_eq!(v["id"].as_str(), Some(p.post_id.as_str()));
        }
        // A refusal always says why.
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    // Mentions found in text are `@` + 1..=15 word characters, never repeated.
    let found = mentions_in(text);
    for (i, m) in found.iter().enumerate() {
        let h = m.strip_prefix('@').expect("starts with @");
        assert!((1..=15).contains(&h.len()) && h.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'), "{m:?}");
        assert!(!found[..i].iter().any(|o| o.eq_ignore_ascii_case(m)), "repeated {m:?}");
    }
}

/// `tvarit-ingest replay FILE`: every non-blank line is a post or a
/// rejection with a reason, whatever bytes it holds.
pub fn jsonl_replay(data: &[u8]) {
    for line in data.split(|&b| b == b'\n') {
        let blank = line.strip_suffix(b"\r").unwrap_or(line).iter().all(u8::is_ascii_whitespace);
        match parse_line(line, registry(), now()) {
            None => assert!(blank),
            Some(Ok(p)) => {
                assert!(!blank);
                assert_post(&p, "replay");
            }
            Some(Err(reason)) => {
                assert!(!blank && !reason.is_empty());
                if std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line)).is_err() {
                    assert!(reason.contains("UTF-8"), "{reason}");
                }
            }
        }
    }
}

/// The filtered stream: the first byte picks chunk sizes, the rest is the
/// byte stream. Frames must not depend on how the bytes were chunked, and
/// every line is read as the service reads it.
pub fn stream_frames(data: &[u8]) {
    let Some((&seed, bytes)) = data.split_first() else { return };
    let mut whole = Framer::default();
    let at_once = whole.push(bytes).expect("fuzz inputs stay under the line cap");
    let mut chunked = Framer::default();
    let mut frames = Vec::new();
    let mut rest = bytes;
    let mut step = usize::from(seed % 17) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        frames.extend(chunked.push(&rest[..n]).expect("fuzz inputs stay under the line cap"));
        rest = &rest[n..];
        step = step % 13 + 1;
    }
    assert_eq!(frames, at_once, "framing depends on chunking");
    // The frames are exactly the complete lines of the input.
    let complete = bytes.windows(2).filter(|w| w == b"\r\n").count();
    for f in &at_once {
        match f {
            Frame::KeepAlive => {}
            Frame::Line(l) => {
                assert!(!l.iter().all(u8::is_ascii_whitespace));
                assert!(!l.windows(2).any(|w| w == b"\r\n"), "a frame spans two lines");
            }
        }
    }
    assert!(at_once.len() <= complete, "{} frames from {complete} line ends", at_once.len());
    for f in at_once {
        let Frame::Line(line) = f else { continue };
        match read_line(&line, registry(), now()) {
            StreamLine::Unreadable(_) | StreamLine::Skip => {}
            StreamLine::Disconnect(_) => {}
            StreamLine::Post { post_id, built } => {
                if let Ok(p) = *built {
                    assert_eq!(p.post_id, post_id);
                    assert_post(&p, tvarit_ingest::sources::x_stream::SOURCE);
                }
            }
        }
    }
}

/// Polled pages: the first byte picks X mentions (`GET /2/users/:id/mentions`)
/// or YouTube `commentThreads.list`; each item becomes a draft and a post.
pub fn poll_pages(data: &[u8]) {
    let Some((&which, body)) = data.split_first() else { return };
    if which % 2 == 0 {
        let Ok(page) = serde_json::from_slice::<tvarit_platforms::x::types::Timeline>(body) else { return };
        for t in &page.data {
            let d = x_poll::draft(&page, t);
            assert_eq!(d.post_id, t.id);
            let _ = built(d, x_poll::SOURCE);
        }
    } else {
        let Ok(page) = serde_json::from_slice::<tvarit_platforms::youtube::CommentThreadsPage>(body) else { return };
        let account = registry().account("@RajasthanPoliceYT").unwrap();
        let (new, _stop) = youtube_poll::select(&youtube_poll::YtCheckpoint::origin(), &page.items);
        // Once stored, a comment is never new again.
        let cp = youtube_poll::YtCheckpoint::origin()
            .advance(new.iter().map(|(t, at)| (*at, t.snippet.top_level_comment.id.as_str())));
        for (t, at) in new {
            assert!(!cp.is_new(at, &t.snippet.top_level_comment.id), "comment {:?} taken twice", t.id);
            let _ = built(youtube_poll::draft(t, account), youtube_poll::SOURCE);
        }
    }
}

/// The service's configuration file (`TVARIT_CONFIG`): a file that
/// loads and validates must give every duration the service derives.
pub fn config_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(config) = tvarit_config::from_toml_str::<tvarit_ingest::config::IngestConfig>(text) else { return };
    if config.validate().is_err() {
        return;
    }
    for secs in [config.ingest_x_poll_seconds, config.ingest_x_stream_stall_seconds, config.ingest_youtube_poll_seconds]
    {
        assert!(std::time::Duration::try_from_secs_f64(secs.max(1.0)).is_ok(), "{secs} seconds passed validation");
    }
    let _ = config.common.registry();
}
