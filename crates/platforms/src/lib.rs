//! The platforms Tvarit hears and answers on: X API v2 and Meta's Graph API
//! (Facebook Pages, Instagram), YouTube, and the OAuth that lets Tvarit act
//! as an account. Wire types, webhook signatures, rate-limit
//! headers and the error classes the senders and pollers act on. Ingest
//! (inbound) and reply (outbound) both use this crate; `tvarit-sim` does
//! not, so a misreading of a format is caught by tests rather than mirrored.

mod encode;
mod fetch;
pub mod meta;
pub mod oauth2;
mod rate_limit;
mod signature;
pub mod x;
pub mod youtube;

use std::time::Duration;

pub use encode::{percent_decode, percent_encode, query_pairs};
pub use fetch::{FetchError, Fetched, fetch_capped};
pub use rate_limit::RateLimit;
pub use signature::{hmac_sha256, verify_hex_sha256};

/// What a caller should do about a failed platform call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlatformError {
    /// Try again later: a 429 (wait until `retry_after`), a 5xx, a network
    /// error. Nothing was done on the platform, as far as it said.
    #[error("{platform} is unavailable for now ({detail}); retry after {retry_after:?}")]
    Retryable { platform: &'static str, detail: String, retry_after: Option<Duration> },
    /// Retrying cannot help (duplicate content, reply not allowed, bad
    /// auth, usage cap). `detail` is the platform's own words, to show the
    /// operator.
    #[error("{platform} refused: {detail}")]
    Terminal { platform: &'static str, status: u16, detail: String },
}

impl PlatformError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, PlatformError::Retryable { .. })
    }
}

/// A reqwest builder with rustls on the ring provider (no C toolchain
/// beyond cc, no system OpenSSL). This crate turns on reqwest's
/// `rustls-no-provider`, so every client in a workspace build needs ring
/// installed before it is built: build clients from here (the e2e tests
/// too), never from `reqwest::Client::builder()` directly.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Installing twice is harmless; the first provider stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// An HTTP client for platform APIs: bounded timeouts.
pub fn http_client() -> reqwest::Client {
    client_builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(30))
        .user_agent(concat!("tvarit/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is valid")
}

/// The client for a long-lived stream: no overall timeout (the reader
/// detects stalls itself).
pub fn streaming_client() -> reqwest::Client {
    client_builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!("tvarit/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is valid")
}

/// Maps a transport error: it never reached, or never came back from, the
/// platform; the caller decides whether the call may have taken effect.
pub(crate) fn network(platform: &'static str, e: reqwest::Error) -> PlatformError {
    PlatformError::Retryable { platform, detail: format!("network: {e}"), retry_after: None }
}
