//! Polling the comment threads of our YouTube channels
//! (`commentThreads.list?allThreadsRelatedToChannelId=`), within the
//! project's daily quota.
//!
//! YouTube has no `since_id`: threads come newest first, so each poll pages
//! until it reaches the checkpoint time. The checkpoint (`youtube-comments`
//! in the `checkpoints` table) is the newest `publishedAt` stored, plus the
//! ids of the comments published at that very second (`publishedAt` has
//! whole seconds, so several comments share one). It moves only after the
//! posts are stored and acknowledged. On first start it is set at the
//! newest comment without taking any old one. The channel's own comments
//! (its replies, its pinned notes) are not the public's and are dropped.
//!
//! Each page costs one quota unit; the wait between polls is chosen from
//! the pages the last poll used so that all channels together spend at
//! most [`POLL_SHARE`] of the daily quota, leaving the rest for replies
//! (50 units each). A `quotaExceeded` waits for the Pacific-midnight reset.
//!
//! The pieces: `interval` paces the polls within the quota, `checkpoint`
//! says where a poll resumes, `threads` turns a page of comment threads
//! into post drafts, and `poller` runs the loop that ties them together.

mod checkpoint;
mod interval;
mod poller;
mod threads;

pub use checkpoint::YtCheckpoint;
pub use interval::{POLL_SHARE, poll_interval};
pub use poller::YouTubePoller;
pub use threads::{draft, select};

pub use super::PollError;

pub const SOURCE: &str = "youtube-comments";
pub const PLATFORM: &str = "youtube";
/// Pages (of 100 threads) one poll reads at most.
pub const MAX_PAGES: u32 = 10;

/// What one poll did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollReport {
    /// Posts stored for the first time.
    pub new: usize,
    /// Pages read (quota units spent).
    pub pages: u32,
}
