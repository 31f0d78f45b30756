//! What retention keeps of a post, in every service that stores one
//! (ingest's archive, reply's cases): the identifiers and times the
//! figures, dockets and dedupe need, never the words, the author, the
//! attachments or anything else that leads to a person.

use prost::Message;

use crate::v1::Post;

/// Keeps platform, post id (so a replayed post is still the same post),
/// the tagged account and unit, the times, the route and `untagged`.
/// Drops the text, the author, the mentions, the media and the thread id.
pub fn post(p: &Post) -> Post {
    Post {
        platform: p.platform.clone(),
        post_id: p.post_id.clone(),
        created_at: p.created_at,
        received_at: p.received_at,
        account: p.account.clone(),
        unit: p.unit.clone(),
        source: p.source.clone(),
        untagged: p.untagged,
        ..Default::default()
    }
}

/// An encoded `Post` made anonymous; an undecodable blob becomes an empty post.
pub fn post_bytes(bytes: &[u8]) -> Vec<u8> {
    post(&Post::decode(bytes).unwrap_or_default()).encode_to_vec()
}
