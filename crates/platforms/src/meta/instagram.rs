//! Instagram through Meta's Graph API: the webhook's `comments` change
//! (`object: instagram`), replying to a comment
//! (`POST /{ig-comment-id}/replies`) and the replies already on a comment
//! (`GET /{ig-comment-id}/replies`), which tells a sender whether a reply
//! whose outcome it lost was posted.

use serde::Deserialize;

use super::{Created, MetaClient};
use crate::PlatformError;

/// A `comments` (or `live_comments`) change's value.
#[derive(Debug, Deserialize)]
pub struct CommentChange {
    /// The comment's id.
    pub id: String,
    pub from: CommentAuthor,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub media: Option<Media>,
    /// Set when the comment answers another comment.
    #[serde(default)]
    pub parent_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CommentAuthor {
    /// Instagram-scoped user id.
    pub id: String,
    #[serde(default)]
    pub username: String,
}

#[derive(Debug, Deserialize)]
pub struct Media {
    pub id: String,
}

/// A reply as `GET /{ig-comment-id}/replies?fields=id,text,username,timestamp` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Reply {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub username: String,
    /// `2026-11-03T10:15:42+0000`.
    #[serde(default)]
    pub timestamp: String,
}

#[derive(Debug, Default, Deserialize)]
struct Replies {
    #[serde(default)]
    data: Vec<Reply>,
}

impl MetaClient {
    /// `POST /{ig-comment-id}/replies` as the professional account.
    pub async fn reply_instagram(
        &self,
        token: &str,
        comment_id: &str,
        message: &str,
    ) -> Result<Created, PlatformError> {
        let url = format!("{}/{comment_id}/replies", self.base);
        let body = self.call(self.http.post(url).form(&[("message", message), ("access_token", token)])).await?;
        Self::read(&body)
    }

    /// The replies on an Instagram comment, newest first.
    pub async fn instagram_replies(&self, token: &str, comment_id: &str) -> Result<Vec<Reply>, PlatformError> {
        let url = format!("{}/{comment_id}/replies", self.base);
        let query = [("fields", "id,text,username,timestamp"), ("access_token", token)];
        let body = self.call(self.http.get(url).query(&query)).await?;
        Ok(Self::read::<Replies>(&body)?.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Meta's documented `comments` payload, a reply to another comment.
    #[test]
    fn a_documented_comment_change_reads() {
        let c: CommentChange = serde_json::from_str(
            r#"{"from":{"id":"232323232","username":"test","self_ig_scoped_id":"2105722729836161"},"media":{"id":"123123123","media_product_type":"FEED"},"id":"17865799348089039","parent_id":"1231231234","text":"This is an example."}"#,
        )
        .unwrap();
        assert_eq!(
            (c.id.as_str(), c.from.username.as_str(), c.text.as_str()),
            ("17865799348089039", "test", "This is an example.")
        );
        assert_eq!((c.media.unwrap().id, c.parent_id.as_deref()), ("123123123".to_owned(), Some("1231231234")));
    }
}
