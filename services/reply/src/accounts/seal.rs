//! Credentials at rest: ChaCha20-Poly1305 under a 32-byte key that lives
//! outside the database (`TVARIT_CREDENTIALS_KEY_FILE`), so a stolen dump
//! or backup holds no usable token. Each sealed value is bound to what it
//! belongs to (the associated data names the account and platform), so
//! moving a row onto another account makes it unreadable, not usable.

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use rand::Rng;

/// The file holding the key: 32 raw bytes, 64 hex digits or base64.
pub const KEY_FILE_VAR: &str = "TVARIT_CREDENTIALS_KEY_FILE";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(
        "no credentials key: set {KEY_FILE_VAR} to a file of 32 random bytes (e.g. `openssl rand -hex 32`); \
         Tvarit refuses to store or read tokens without it"
    )]
    NoKey,
    #[error("{KEY_FILE_VAR} ({path}): {message}")]
    BadKey { path: String, message: String },
    #[error("a stored credential could not be opened: wrong key, or the row was altered or moved")]
    Unreadable,
}

#[derive(Clone)]
pub struct SealKey(ChaCha20Poly1305);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(..)")
    }
}

/// The key bytes of a key file's content.
fn key_bytes(raw: &[u8]) -> Result<[u8; 32], String> {
    if raw.len() == 32 {
        return Ok(raw.try_into().expect("32 bytes"));
    }
    let text = std::str::from_utf8(raw).map_err(|_| "not 32 raw bytes, hex or base64".to_owned())?.trim();
    let decoded = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(text).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| "not 32 raw bytes, hex or base64".to_owned())?
    };
    decoded.try_into().map_err(|v: Vec<u8>| format!("the key is {} bytes; it must be 32", v.len()))
}

impl SealKey {
    pub fn from_bytes(key: &[u8; 32]) -> SealKey {
        SealKey(ChaCha20Poly1305::new_from_slice(key).expect("a 32-byte key"))
    }

    /// The key named by `TVARIT_CREDENTIALS_KEY_FILE`, or `None` when it is not set.
    pub fn from_env() -> Result<Option<SealKey>, SealError> {
        let Some(path) = std::env::var_os(KEY_FILE_VAR) else { return Ok(None) };
        let shown = path.to_string_lossy().into_owned();
        let raw =
            std::fs::read(&path).map_err(|e| SealError::BadKey { path: shown.clone(), message: e.to_string() })?;
        let key = key_bytes(&raw).map_err(|message| SealError::BadKey { path: shown, message })?;
        Ok(Some(SealKey::from_bytes(&key)))
    }

    /// `version ‖ nonce ‖ ciphertext+tag`, bound to `context`.
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        // A random 96-bit nonce per value: the few thousand renewals a year
        // are far from the birthday bound.
        let nonce: [u8; NONCE_LEN] = rand::rng().random();
        let sealed = self
            .0
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: context.as_bytes() })
            .expect("encryption into a Vec cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
            return Err(SealError::Unreadable);
        }
        let nonce: [u8; NONCE_LEN] = sealed[1..1 + NONCE_LEN].try_into().expect("sliced to length");
        self.0
            .decrypt(&Nonce::from(nonce), Payload { msg: &sealed[1 + NONCE_LEN..], aad: context.as_bytes() })
            .map_err(|_| SealError::Unreadable)
    }
}

/// What a stored credential is bound to.
pub fn credential_context(account: &str, platform: &str) -> String {
    format!("tvarit/credential/v1/{platform}/{}", account.to_lowercase())
}

/// What a pending consent's verifier is bound to.
pub fn verifier_context(state: &str) -> String {
    format!("tvarit/pkce/v1/{state}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_only_for_the_same_account_and_key() {
        let key = SealKey::from_bytes(&[7; 32]);
        let ctx = credential_context("@SP_Balotra", "x");
        let sealed = key.seal(&ctx, b"{\"access_token\":\"a\"}");
        assert!(!sealed.windows(14).any(|w| w == b"\"access_token\""), "no plaintext at rest");
        assert_eq!(key.open(&ctx, &sealed).unwrap(), b"{\"access_token\":\"a\"}");
        assert_ne!(key.seal(&ctx, b"same"), key.seal(&ctx, b"same"), "a fresh nonce every time");
        assert!(key.open(&credential_context("@jaipur_police", "x"), &sealed).is_err(), "bound to its account");
        assert!(SealKey::from_bytes(&[8; 32]).open(&ctx, &sealed).is_err(), "only with its key");
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(key.open(&ctx, &tampered).is_err());
    }

    #[test]
    fn key_files_hold_raw_hex_or_base64_32_bytes() {
        assert_eq!(key_bytes(&[1; 32]).unwrap(), [1; 32]);
        assert_eq!(key_bytes(format!("{}\n", "ab".repeat(32)).as_bytes()).unwrap(), [0xab; 32]);
        let b64 = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        assert_eq!(key_bytes(b64.as_bytes()).unwrap(), [2; 32]);
        assert!(key_bytes(b"0011").unwrap_err().contains("must be 32"));
        assert!(key_bytes(b"").is_err());
    }
}
