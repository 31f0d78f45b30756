//! X API v2: mentions polling, posting replies, finding a reply already
//! posted, the Activity webhook's CRC and signature, and user-context
//! authentication (OAuth 2.0 bearer or OAuth 1.0a signing).

mod auth;
mod client;
pub mod dm;
mod errors;
pub mod oauth1;
pub mod publish;
pub mod stream;
pub mod types;
pub mod webhook;

pub use auth::UserAuth;
pub use client::{MentionsPage, XClient, find_reply};
pub use errors::classify;
