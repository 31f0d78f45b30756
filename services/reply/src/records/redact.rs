//! What retention keeps of a post and of the records that copy it: the
//! identifiers and times the figures, dockets and dedupe need, never the
//! words, the author or anything that leads to a person.

use prost::Message;
use tvarit_proto::v1::{CaseEvent, Classification};

pub use tvarit_proto::redact::{post, post_bytes};

/// Keeps the labels; drops the reasons, which may quote the post.
pub fn classification(c: &Classification) -> Classification {
    Classification { reasons: Vec::new(), ..c.clone() }
}

pub fn classification_bytes(bytes: &[u8]) -> Vec<u8> {
    classification(&Classification::decode(bytes).unwrap_or_default()).encode_to_vec()
}

/// An encoded `CaseEvent` whose case copy is made anonymous (post,
/// classification reasons, the suggested draft).
pub fn case_event_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut e = CaseEvent::decode(bytes).unwrap_or_default();
    if let Some(case) = e.case.as_mut() {
        case.post = case.post.as_ref().map(post);
        case.classification = case.classification.as_ref().map(classification);
        case.draft_text.clear();
    }
    e.encode_to_vec()
}

/// A control-room alert's JSON body without the post's words and link.
pub fn alert_body(bytes: &[u8]) -> Vec<u8> {
    let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(bytes) else { return b"{}".to_vec() };
    if let Some(post) = v.get_mut("post").and_then(|p| p.as_object_mut()) {
        post.retain(|k, _| matches!(k.as_str(), "platform" | "id" | "created_at"));
    }
    serde_json::to_vec(&v).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvarit_proto::v1::{Author, Case, Post};

    fn full() -> Post {
        Post {
            platform: "x".into(),
            post_id: "190".into(),
            text: "my phone 9876543210, house 12 Station Road".into(),
            mentions: vec!["@SP_Balotra".into(), "@a_neighbour".into()],
            author: Some(Author { handle: "@ramesh_k".into(), ..Default::default() }),
            account: "@SP_Balotra".into(),
            unit: "balotra".into(),
            conversation_id: "188".into(),
            source: "poll".into(),
            ..Default::default()
        }
    }

    #[test]
    fn nothing_that_leads_to_a_person_survives() {
        let kept = post(&full());
        assert_eq!((kept.platform.as_str(), kept.post_id.as_str(), kept.unit.as_str()), ("x", "190", "balotra"));
        assert!(kept.text.is_empty() && kept.author.is_none() && kept.mentions.is_empty());
        assert!(kept.conversation_id.is_empty());
        let event = CaseEvent {
            case: Some(Case { post: Some(full()), draft_text: "Dear @ramesh_k".into(), ..Default::default() }),
            ..Default::default()
        };
        let bytes = case_event_bytes(&event.encode_to_vec());
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("9876543210") && !text.contains("ramesh"), "{text}");
        let body = alert_body(
            br#"{"docket":"BLT-1","post":{"platform":"x","id":"190","text":"help 98765","url":"https://x.com/r/190"}}"#,
        );
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body, serde_json::json!({"docket": "BLT-1", "post": {"platform": "x", "id": "190"}}));
    }
}
