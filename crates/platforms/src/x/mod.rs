//! X API v2: mentions polling, posting replies, finding a reply already
//! posted, and the Activity webhook's CRC and signature.

mod client;
mod errors;
pub mod publish;
pub mod stream;
pub mod types;
pub mod webhook;

pub use client::{MentionsPage, XClient, find_reply};
pub use errors::classify;
