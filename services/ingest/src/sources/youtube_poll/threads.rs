//! What a page of comment threads yields: the threads past the checkpoint,
//! whether paging may stop (threads come newest first, but one with replies
//! may be listed by its latest activity), and each top-level comment as a
//! post draft addressed to the channel's account.

use chrono::{DateTime, Utc};
use tvarit_platforms::youtube::CommentThread;
use tvarit_proto::v1::Author;
use tvarit_registry::Account;

use super::{PLATFORM, YtCheckpoint};
use crate::post_input::Draft;

pub(super) fn published(t: &CommentThread) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(&t.snippet.top_level_comment.snippet.published_at).ok().map(|d| d.with_timezone(&Utc))
}

/// The new threads of one page (newest first), and whether paging may
/// stop: a thread older than the checkpoint with no replies means every
/// later one is older still (a thread with replies may be listed by its
/// latest activity, so it proves nothing), and so does a page with
/// nothing new on it.
pub fn select<'a>(cp: &YtCheckpoint, page: &'a [CommentThread]) -> (Vec<(&'a CommentThread, DateTime<Utc>)>, bool) {
    let mut new = Vec::new();
    let mut older_seen = false;
    for t in page {
        let Some(at) = published(t) else {
            tracing::warn!(thread = %t.id, "youtube comment without a readable publishedAt skipped");
            continue;
        };
        if cp.is_new(at, &t.snippet.top_level_comment.id) {
            new.push((t, at));
        } else if at < cp.since && t.snippet.total_reply_count == 0 {
            older_seen = true;
        }
    }
    let stop = older_seen || new.is_empty();
    (new, stop)
}

/// A top-level comment as a post draft, addressed to `account`.
pub fn draft(t: &CommentThread, account: &Account) -> Draft {
    let c = &t.snippet.top_level_comment;
    let author = c.author_channel().map(|id| Author {
        id: id.to_owned(),
        handle: c.snippet.author_display_name.clone(),
        name: c.snippet.author_display_name.clone(),
    });
    Draft {
        platform: PLATFORM.into(),
        post_id: c.id.clone(),
        text: c.snippet.text_original.clone(),
        mentions: vec![account.handle.clone()],
        author,
        created_at: DateTime::parse_from_rfc3339(&c.snippet.published_at).ok().map(|d| d.with_timezone(&Utc)),
        conversation_id: t.snippet.video_id.clone().or_else(|| c.snippet.video_id.clone()).unwrap_or_default(),
        // A YouTube comment is text; the video it is on is the conversation.
        media: Vec::new(),
        private: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvarit_platforms::youtube::{ChannelRef, Comment, CommentSnippet, ThreadSnippet};

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn thread(id: &str, at: &str, replies: u64, author: &str) -> CommentThread {
        CommentThread {
            id: id.into(),
            snippet: ThreadSnippet {
                channel_id: Some("UCours".into()),
                video_id: Some("vid00000001".into()),
                top_level_comment: Comment {
                    id: id.into(),
                    snippet: CommentSnippet {
                        text_original: format!("comment {id}"),
                        author_display_name: "@asha".into(),
                        author_channel_id: Some(ChannelRef { value: author.into() }),
                        published_at: at.into(),
                        ..Default::default()
                    },
                },
                total_reply_count: replies,
            },
        }
    }

    #[test]
    fn paging_stops_at_the_checkpoint() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:00:00Z"), ids_at_since: vec!["c2".into()] };
        let page = [
            thread("c5", "2026-11-03T10:05:00Z", 0, "UCa"),
            thread("c3", "2026-11-03T10:00:00Z", 0, "UCa"),
            thread("c2", "2026-11-03T10:00:00Z", 0, "UCa"),
            thread("c1", "2026-11-03T09:00:00Z", 0, "UCa"),
        ];
        let (new, stop) = select(&cp, &page);
        assert_eq!(new.iter().map(|(t, _)| t.id.as_str()).collect::<Vec<_>>(), ["c5", "c3"]);
        assert!(stop);
        // An old thread that has replies may be listed by its latest reply:
        // it does not end the paging while new comments keep coming.
        let bumped = [thread("c9", "2026-11-03T10:09:00Z", 0, "UCa"), thread("c0", "2026-11-03T08:00:00Z", 4, "UCa")];
        let (new, stop) = select(&cp, &bumped);
        assert_eq!(new.len(), 1);
        assert!(!stop);
        let (none, stop) = select(&cp, &page[2..]);
        assert!(none.is_empty() && stop);
    }

    #[test]
    fn a_comment_becomes_a_post_for_the_channels_account() {
        let account = Account {
            platform: "youtube".into(),
            handle: "@PoliceRajasthanYT".into(),
            unit: "hq".into(),
            platform_id: Some("UCours".into()),
            sources: vec!["poll".into()],
        };
        let d = draft(&thread("UgzX", "2026-11-03T10:15:42Z", 0, "UCasha"), &account);
        assert_eq!(d.platform, "youtube");
        assert_eq!(d.post_id, "UgzX");
        assert_eq!(d.mentions, ["@PoliceRajasthanYT"]);
        assert_eq!(d.conversation_id, "vid00000001");
        assert_eq!(d.created_at, Some(t("2026-11-03T10:15:42Z")));
        assert_eq!(d.author.as_ref().map(|a| a.id.as_str()), Some("UCasha"));
        assert_eq!(d.text, "comment UgzX");
    }
}
