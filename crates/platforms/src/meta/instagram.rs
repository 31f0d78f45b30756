//! Instagram through Meta's Graph API: the webhook's `comments` change
//! (`object: instagram`), replying to a comment
//! (`POST /{ig-comment-id}/replies`) and the replies already on a comment
//! (`GET /{ig-comment-id}/replies`), which tells a sender whether a reply
//! whose outcome it lost was posted; and @mentions of the account in other
//! people's comments or captions (the `mentions` change names only ids:
//! `mentioned_comment` / `mentioned_media` read them, `POST
//! /{ig-user-id}/mentions` answers them).

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

/// The `mentions` change: a comment (or a caption, without `comment_id`)
/// on someone else's media that @mentions the account.
#[derive(Debug, Deserialize)]
pub struct MentionChange {
    pub media_id: String,
    #[serde(default)]
    pub comment_id: Option<String>,
}

/// A mention read back: the comment's (or the caption's) words and author.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Mentioned {
    pub id: String,
    /// A comment's words.
    #[serde(default)]
    pub text: Option<String>,
    /// A caption's words.
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub username: String,
    /// `2026-11-03T10:15:42+0000`.
    #[serde(default)]
    pub timestamp: String,
}

#[derive(Debug, Deserialize)]
struct MentionedAnswer {
    #[serde(default)]
    mentioned_comment: Option<Mentioned>,
    #[serde(default)]
    mentioned_media: Option<Mentioned>,
}

impl MetaClient {
    /// Reads the comment (or, without `comment_id`, the caption) in which
    /// the account `ig_user_id` was @mentioned.
    pub async fn mentioned(
        &self,
        token: &str,
        ig_user_id: &str,
        m: &MentionChange,
    ) -> Result<Mentioned, PlatformError> {
        let fields = match &m.comment_id {
            Some(c) => format!("mentioned_comment.comment_id({c}){{id,text,username,timestamp}}"),
            None => format!("mentioned_media.media_id({}){{id,caption,username,timestamp}}", m.media_id),
        };
        let url = format!("{}/{ig_user_id}", self.base);
        let body = self.call(self.http.get(url).query(&[("fields", fields.as_str()), ("access_token", token)])).await?;
        let answer: MentionedAnswer = Self::read(&body)?;
        answer.mentioned_comment.or(answer.mentioned_media).ok_or_else(|| PlatformError::Terminal {
            platform: "meta",
            status: 200,
            detail: format!("no mention {} on media {}", m.comment_id.as_deref().unwrap_or("(caption)"), m.media_id),
        })
    }

    /// `POST /{ig-user-id}/mentions`: answers a comment (or a caption, with
    /// no `comment_id`) that @mentioned the account, on someone else's media.
    pub async fn reply_mention(
        &self,
        token: &str,
        ig_user_id: &str,
        media_id: &str,
        comment_id: Option<&str>,
        message: &str,
    ) -> Result<Created, PlatformError> {
        let url = format!("{}/{ig_user_id}/mentions", self.base);
        let mut form = vec![("media_id", media_id), ("message", message), ("access_token", token)];
        if let Some(c) = comment_id {
            form.push(("comment_id", c));
        }
        let body = self.call(self.http.post(url).form(&form)).await?;
        Self::read(&body)
    }

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

    /// Meta's documented `mentions` payload and `mentioned_comment` answer.
    #[test]
    fn a_documented_mention_reads() {
        let m: MentionChange =
            serde_json::from_str(r#"{"comment_id":"17894227972186120","media_id":"17918195224117851"}"#).unwrap();
        assert_eq!((m.media_id.as_str(), m.comment_id.as_deref()), ("17918195224117851", Some("17894227972186120")));
        let a: MentionedAnswer = serde_json::from_str(
            r#"{"mentioned_comment":{"timestamp":"2017-05-03T16:09:08+0000","like_count":185,"text":"@bluebottle challenge?","id":"17873440459141021"},"id":"17841405309211844"}"#,
        )
        .unwrap();
        assert_eq!(a.mentioned_comment.unwrap().text.as_deref(), Some("@bluebottle challenge?"));
    }

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
