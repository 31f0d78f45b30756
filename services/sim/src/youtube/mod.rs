//! The YouTube Data API v3, as far as Tvarit's channels need it, written
//! from Google's reference pages:
//!
//! - `GET /youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=UC…`
//!   (or `videoId=` or `id=`), `maxResults` 1–100 (default 20), `order`
//!   `time`|`relevance`, `textFormat` `html`|`plainText`, opaque
//!   `pageToken`s; newest first; 1 quota unit.
//! - `GET /youtube/v3/comments?part=snippet&parentId=ID` (or `id=`): the
//!   replies in a thread, oldest first; 1 unit.
//! - `POST /youtube/v3/comments?part=snippet` with
//!   `{"snippet":{"parentId","textOriginal"}}` and an OAuth bearer token:
//!   a reply, recorded in `/sim/replies` with platform `youtube`; 50 units.
//!
//! Reads take an API key (`key=`) or a bearer token. One project's quota
//! (`youtube_daily_quota`, 10,000 units) resets at midnight Pacific time;
//! beyond it every call is a 403 `quotaExceeded`. A refused call costs 1
//! unit (a failed `comments.insert` too), unless no project can be charged
//! (missing or invalid credentials). Errors have Google's
//! shape: `{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}`.
//! `GET /sim/youtube/quota` shows what was spent.
//!
//! One file per concern: `wire` renders Google's resources and errors,
//! `request` checks credentials and the shared query parameters, `quota`
//! spends and reports the daily budget, `ids` mints YouTube-looking ids
//! and page tokens, `publish` lets the public comment, and `threads`,
//! `comments` and `insert` are the endpoints themselves.

mod comments;
mod ids;
mod insert;
mod publish;
mod quota;
mod request;
mod threads;
mod wire;

pub use comments::list_comments;
pub use ids::default_video;
pub use insert::insert_comment;
pub use publish::publish;
pub use quota::{bill_refusals, next_pacific_midnight, quota};
pub use threads::comment_threads;
pub use wire::{comment_json, error_value, yt_time};

pub const COST_LIST: u32 = 1;
pub const COST_INSERT: u32 = 50;
/// YouTube's limit on a comment's length, in characters.
const MAX_COMMENT_CHARS: usize = 10_000;
