//! Ids and page tokens that look like YouTube's: comment and reply ids,
//! 11-character video ids, `UC…` channel ids for the public, etags, opaque
//! `pageToken`s, and the keys of the timelines comments are kept in. All
//! are derived deterministically, so a run can be replayed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

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
pub(super) fn comment_id(seq: u64) -> String {
    format!("Ugz{}4AaABAg", b64(seq))
}

/// A reply's id: `<parent id>.<reply part>`.
pub(super) fn reply_id(parent: &str, seq: u64) -> String {
    format!("{parent}.9{}", b64(seq))
}

/// The one sim video of a channel: 11 characters, as YouTube's are.
pub fn default_video(channel_id: &str) -> String {
    format!("sim{}", &b64(fnv(channel_id))[..8])
}

/// A channel id for a member of the public (`UC` and 22 characters).
pub(super) fn public_channel(seed: &str) -> String {
    if seed.starts_with("UC") && seed.len() > 2 {
        return seed.to_owned();
    }
    format!("UC{}{}", b64(fnv(seed)), &b64(fnv(&format!("{seed}#")))[..11])
}

pub(super) fn etag(id: &str, extra: usize) -> String {
    b64(fnv(&format!("{id}/{extra}")))
}

pub(super) fn encode_token(seq: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("yt1:{seq}"))
}

pub(super) fn decode_token(token: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("yt1:")?.parse().ok()
}

pub(super) fn threads_key(channel_id: &str) -> String {
    format!("yt-threads:{channel_id}")
}

pub(super) fn replies_key(parent: &str) -> String {
    format!("yt-replies:{parent}")
}

#[cfg(test)]
mod tests {
    use super::*;

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
