//! The YouTube Data API's resources, as Google's reference pages describe
//! them: comment threads, comments and their list responses. Kept apart
//! from the client so the wire shapes can be read (and tested against the
//! documented JSON) without the HTTP plumbing around them.

use serde::{Deserialize, Serialize};

/// `commentThreads.list`'s response.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommentThreadsPage {
    #[serde(default)]
    pub items: Vec<CommentThread>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct CommentThread {
    /// The same as the top-level comment's id.
    pub id: String,
    pub snippet: ThreadSnippet,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ThreadSnippet {
    /// The channel whose video (or the channel itself) the thread is on.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Absent for a comment on the channel rather than on a video.
    #[serde(default)]
    pub video_id: Option<String>,
    pub top_level_comment: Comment,
    #[serde(default)]
    pub total_reply_count: u64,
}

/// A `youtube#comment`: a top-level comment or a reply.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Comment {
    pub id: String,
    pub snippet: CommentSnippet,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommentSnippet {
    /// The text as written (the plain text, whatever `textFormat` asked).
    #[serde(default)]
    pub text_original: String,
    /// As displayed: HTML unless `textFormat=plainText` was asked for.
    #[serde(default)]
    pub text_display: Option<String>,
    #[serde(default)]
    pub author_display_name: String,
    #[serde(default)]
    pub author_channel_id: Option<ChannelRef>,
    /// RFC 3339, second precision (`2026-11-03T10:15:42Z`).
    #[serde(default)]
    pub published_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub video_id: Option<String>,
    #[serde(default)]
    pub channel_id: Option<String>,
    /// Set on replies: the top-level comment answered.
    #[serde(default)]
    pub parent_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ChannelRef {
    pub value: String,
}

impl Comment {
    /// The author's channel id, if YouTube gave it.
    pub fn author_channel(&self) -> Option<&str> {
        self.snippet.author_channel_id.as_ref().map(|c| c.value.as_str())
    }
}

/// `comments.list`'s response.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CommentsPage {
    #[serde(default)]
    pub items: Vec<Comment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// A reply YouTube accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    pub id: String,
    /// RFC 3339 as YouTube gave it; empty if it did not.
    pub published_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_pages_parse_from_the_documented_shape() {
        let body = r#"{"kind":"youtube#commentThreadListResponse","etag":"e","nextPageToken":"QURT",
          "pageInfo":{"totalResults":1,"resultsPerPage":100},
          "items":[{"kind":"youtube#commentThread","etag":"t","id":"UgzAbc4AaABAg",
            "snippet":{"channelId":"UCrajpolice000000000001","videoId":"dQw4w9WgXcQ","canReply":true,"totalReplyCount":2,"isPublic":true,
              "topLevelComment":{"kind":"youtube#comment","etag":"c","id":"UgzAbc4AaABAg",
                "snippet":{"channelId":"UCrajpolice000000000001","videoId":"dQw4w9WgXcQ","textDisplay":"help","textOriginal":"help",
                  "authorDisplayName":"@asha","authorChannelUrl":"http://www.youtube.com/@asha","authorChannelId":{"value":"UCasha"},
                  "canRate":true,"viewerRating":"none","likeCount":0,"publishedAt":"2026-11-03T10:15:42Z","updatedAt":"2026-11-03T10:15:42Z"}}}}]}"#;
        let page: CommentThreadsPage = serde_json::from_str(body).unwrap();
        assert_eq!(page.next_page_token.as_deref(), Some("QURT"));
        let t = &page.items[0];
        assert_eq!(t.snippet.video_id.as_deref(), Some("dQw4w9WgXcQ"));
        assert_eq!(t.snippet.total_reply_count, 2);
        let c = &t.snippet.top_level_comment;
        assert_eq!(c.author_channel(), Some("UCasha"));
        assert_eq!(c.snippet.published_at, "2026-11-03T10:15:42Z");
        let empty: CommentThreadsPage = serde_json::from_str(r#"{"items":[]}"#).unwrap();
        assert!(empty.items.is_empty() && empty.next_page_token.is_none());
    }
}
