//! PKCE (RFC 7636) with the S256 method: a random verifier kept by Tvarit,
//! and its SHA-256 (base64url, no padding) sent in the consent address. The
//! code is useless to anyone who intercepts it without the verifier.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::Rng;
use sha2::{Digest, Sha256};

#[derive(Clone, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce").field("challenge", &self.challenge).finish_non_exhaustive()
    }
}

impl Pkce {
    /// A new verifier: 32 random bytes, base64url (43 characters, the
    /// shortest RFC 7636 allows, with 256 bits of entropy).
    pub fn generate() -> Pkce {
        Pkce::from_verifier(&URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 32]>()))
    }

    pub fn from_verifier(verifier: &str) -> Pkce {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Pkce { verifier: verifier.to_owned(), challenge }
    }
}

/// The `state` of one authorization: random, so a redirect is matched to
/// the attempt that asked for it (and a forged one is refused).
pub fn random_state() -> String {
    URL_SAFE_NO_PAD.encode(rand::rng().random::<[u8; 16]>())
}
