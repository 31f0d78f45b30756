//! The YouTube Data API v3: the comment threads of a channel (polling),
//! replying to a comment, and listing a comment's replies (to find out
//! whether a reply whose outcome was lost was in fact posted).
//!
//! Quota, not request rate, is what limits YouTube: every project has a
//! daily budget (10,000 units by default) that resets at midnight Pacific
//! time. `commentThreads.list` and `comments.list` cost 1 unit a call,
//! `comments.insert` 50. A `quotaExceeded` answer is therefore retried
//! after the next Pacific midnight ([`next_pacific_midnight`]).
//!
//! The module is split by what each part knows: `types` holds the
//! resources as Google documents them, `client` the calls, `errors` how a
//! refusal is read, and `pacific` the calendar arithmetic behind the quota
//! reset. Everything public is re-exported here, so callers name
//! `tvarit_platforms::youtube::…` whatever file an item lives in.

mod client;
mod errors;
mod pacific;
mod types;

pub use client::{Credential, YouTubeClient, find_reply};
pub use errors::{ErrorBody, ErrorItem, GoogleError, classify};
pub use pacific::next_pacific_midnight;
pub use types::{
    ChannelRef, Comment, CommentSnippet, CommentThread, CommentThreadsPage, CommentsPage, Created, ThreadSnippet,
};

const YT: &str = "youtube";

/// The API's address; tests point the client at `tvarit-sim` instead.
pub const DEFAULT_BASE: &str = "https://www.googleapis.com/youtube/v3";

/// Quota units per call, as Google bills them.
pub const COST_COMMENT_THREADS: u32 = 1;
pub const COST_COMMENTS_LIST: u32 = 1;
pub const COST_COMMENTS_INSERT: u32 = 50;
/// A project's default daily quota.
pub const DEFAULT_DAILY_QUOTA: u32 = 10_000;
