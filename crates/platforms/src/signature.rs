//! HMAC-SHA256 signatures: X's webhooks use base64, Meta's and our own
//! generic webhook use hex. Comparisons are constant-time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub fn hmac_sha256(secret: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn verify(secret: &[u8], body: &[u8], sig: &[u8]) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(sig).is_ok()
}

/// `sha256=<hex>` (Meta's `X-Hub-Signature-256`, our `X-Tvarit-Signature`).
pub fn verify_hex_sha256(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|h| hex::decode(h).ok())
        .is_some_and(|sig| verify(secret, body, &sig))
}

/// `sha256=<base64>` (X's `x-twitter-webhooks-signature`).
pub fn verify_base64_sha256(secret: &[u8], body: &[u8], header: Option<&str>) -> bool {
    use base64::Engine;
    header
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|h| base64::engine::general_purpose::STANDARD.decode(h).ok())
        .is_some_and(|sig| verify(secret, body, &sig))
}
