//! OAuth 1.0a user context (RFC 5849, HMAC-SHA1), the other way X lets an
//! app post as an account: the app's consumer key and secret plus the
//! account's access token and secret, which do not expire. Every request
//! is signed: method, URL and every query and form parameter (not a JSON
//! body) go into the signature base string.

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha1::Sha1;

use crate::encode::percent_encode;

#[derive(Clone, PartialEq, Eq)]
pub struct OAuth1 {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

impl std::fmt::Debug for OAuth1 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth1").field("consumer_key", &self.consumer_key).finish_non_exhaustive()
    }
}

impl OAuth1 {
    /// The `Authorization` header for one request, with a fresh nonce and
    /// the current time.
    pub fn header(&self, method: &str, url: &str, params: &[(&str, &str)]) -> String {
        let nonce = hex::encode(rand::rng().random::<[u8; 16]>());
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs();
        self.header_at(method, url, params, &nonce, now)
    }

    /// As [`header`](Self::header), with the nonce and timestamp given
    /// (RFC 5849's examples; tests).
    pub fn header_at(&self, method: &str, url: &str, params: &[(&str, &str)], nonce: &str, timestamp: u64) -> String {
        let timestamp = timestamp.to_string();
        let oauth = [
            ("oauth_consumer_key", self.consumer_key.as_str()),
            ("oauth_nonce", nonce),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", timestamp.as_str()),
            ("oauth_token", self.token.as_str()),
            ("oauth_version", "1.0"),
        ];
        let signature = self.signature(method, url, params.iter().chain(oauth.iter()));
        let mut fields: Vec<String> = oauth.iter().map(|(k, v)| format!("{k}=\"{}\"", percent_encode(v))).collect();
        fields.insert(2, format!("oauth_signature=\"{}\"", percent_encode(&signature)));
        format!("OAuth {}", fields.join(", "))
    }

    /// RFC 5849 §3.4.1–3.4.2: the base string and its HMAC-SHA1, base64.
    fn signature<'a>(&self, method: &str, url: &str, params: impl Iterator<Item = &'a (&'a str, &'a str)>) -> String {
        let mut encoded: Vec<(String, String)> = params.map(|(k, v)| (percent_encode(k), percent_encode(v))).collect();
        encoded.sort();
        let normalized: Vec<String> = encoded.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let base = format!(
            "{}&{}&{}",
            method.to_ascii_uppercase(),
            percent_encode(url),
            percent_encode(&normalized.join("&"))
        );
        let key = format!("{}&{}", percent_encode(&self.consumer_secret), percent_encode(&self.token_secret));
        let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
        mac.update(base.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// X's own worked example of signing a request ("Creating a signature").
    #[test]
    fn signs_xs_documented_example() {
        let creds = OAuth1 {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
            token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
        };
        let params = [("include_entities", "true"), ("status", "Hello Ladies + Gentlemen, a signed OAuth request!")];
        let header = creds.header_at(
            "post",
            "https://api.twitter.com/1.1/statuses/update.json",
            &params,
            "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            1_318_622_958,
        );
        assert!(header.contains("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""), "{header}");
        assert!(header.starts_with("OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", oauth_nonce="));
        assert!(!format!("{creds:?}").contains("kAcSOq"), "secrets never reach a log");
        assert_ne!(
            creds.header("POST", "https://api.x.com/2/tweets", &[]),
            creds.header("POST", "https://api.x.com/2/tweets", &[])
        );
    }
}
