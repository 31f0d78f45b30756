//! The X Activity webhook: the CRC challenge and event signatures.

use base64::Engine;
use serde::Deserialize;

use super::types::User;

/// The body answering `GET ?crc_token=T`:
/// `{"response_token":"sha256=<base64 HMAC-SHA256(consumer_secret, T)>"}`.
pub fn crc_response(consumer_secret: &[u8], crc_token: &str) -> String {
    let mac = crate::hmac_sha256(consumer_secret, crc_token.as_bytes());
    let token = format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac));
    serde_json::json!({ "response_token": token }).to_string()
}

/// Checks `x-twitter-webhooks-signature` over the raw body.
pub fn signature_valid(consumer_secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    crate::signature::verify_base64_sha256(consumer_secret, body, header)
}

/// An Activity event delivery. Tweets come in v1.1 shape.
#[derive(Debug, Deserialize)]
pub struct Delivery {
    pub for_user_id: String,
    #[serde(default)]
    pub tweet_create_events: Vec<V1Tweet>,
    /// Direct messages to (or sent by) the account.
    #[serde(default)]
    pub direct_message_events: Vec<super::dm::ActivityDm>,
    /// The people the direct messages name, by id.
    #[serde(default)]
    pub users: super::dm::ActivityUsers,
}

#[derive(Debug, Deserialize)]
pub struct V1Tweet {
    pub id_str: String,
    /// Long posts carry their text in `extended_tweet.full_text`.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub full_text: Option<String>,
    #[serde(default)]
    pub extended_tweet: Option<Extended>,
    /// e.g. `Wed Oct 10 20:19:24 +0000 2018`.
    #[serde(default)]
    pub created_at: String,
    pub user: V1User,
    #[serde(default)]
    pub in_reply_to_status_id_str: Option<String>,
    #[serde(default)]
    pub entities: Option<Entities>,
    /// Photos, videos and GIFs (a long post lists them in `extended_tweet`).
    #[serde(default)]
    pub extended_entities: Option<ExtendedEntities>,
}

#[derive(Debug, Deserialize)]
pub struct Extended {
    pub full_text: String,
    #[serde(default)]
    pub extended_entities: Option<ExtendedEntities>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ExtendedEntities {
    #[serde(default)]
    pub media: Vec<V1Media>,
}

/// A v1.1 media entity: `media_url_https` is the photo, or a video's still.
#[derive(Debug, Deserialize)]
pub struct V1Media {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub media_url_https: String,
    #[serde(default)]
    pub ext_alt_text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct V1User {
    pub id_str: String,
    pub screen_name: String,
    #[serde(default)]
    pub name: String,
}

impl From<&V1User> for User {
    fn from(u: &V1User) -> Self {
        User { id: u.id_str.clone(), username: u.screen_name.clone(), name: u.name.clone() }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Entities {
    #[serde(default)]
    pub user_mentions: Vec<Mention>,
}

#[derive(Debug, Deserialize)]
pub struct Mention {
    pub screen_name: String,
}

impl V1Tweet {
    pub fn full_text(&self) -> &str {
        self.extended_tweet.as_ref().map(|e| e.full_text.as_str()).or(self.full_text.as_deref()).unwrap_or(&self.text)
    }

    /// The attached media, wherever the payload lists them.
    pub fn media(&self) -> &[V1Media] {
        let long = self.extended_tweet.as_ref().and_then(|e| e.extended_entities.as_ref());
        long.or(self.extended_entities.as_ref()).map(|e| e.media.as_slice()).unwrap_or_default()
    }

    pub fn mentions(&self) -> Vec<String> {
        self.entities.iter().flat_map(|e| &e.user_mentions).map(|m| format!("@{}", m.screen_name)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors in PLATFORMS.md.
    #[test]
    fn crc_and_signature_match_the_documented_vectors() {
        assert_eq!(
            crc_response(b"test_consumer_secret", "abc123"),
            r#"{"response_token":"sha256=NRSmW12qpe3CEF8MYyBrEyg562XPUUrrQ1iu+H6dKZs="}"#
        );
        let sig = "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=";
        assert!(signature_valid(b"test_consumer_secret", br#"{"for_user_id":"1"}"#, Some(sig)));
        assert!(!signature_valid(b"other", br#"{"for_user_id":"1"}"#, Some(sig)));
        assert!(!signature_valid(b"test_consumer_secret", br#"{"for_user_id":"2"}"#, Some(sig)));
    }
}
