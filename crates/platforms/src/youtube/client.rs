//! The YouTube Data API calls Tvarit makes: `commentThreads.list` to poll
//! a channel, `comments.insert` to reply, and `comments.list` to learn
//! whether a reply whose outcome was lost was in fact posted
//! ([`find_reply`]). Every non-success answer goes through
//! [`classify`](super::classify).

use std::time::SystemTime;

use serde::Serialize;

use super::{Comment, CommentThreadsPage, CommentsPage, Created, YT, classify};
use crate::{PlatformError, network};

/// How a read call authenticates: an API key (`key=`) or an OAuth token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    ApiKey(&'a str),
    Bearer(&'a str),
}

impl<'a> Credential<'a> {
    /// Google's OAuth access tokens start with `ya29.`; anything else is
    /// taken for an API key.
    pub fn guess(secret: &'a str) -> Self {
        if secret.starts_with("ya29.") { Credential::Bearer(secret) } else { Credential::ApiKey(secret) }
    }
}

#[derive(Clone)]
pub struct YouTubeClient {
    http: reqwest::Client,
    base: String,
}

impl YouTubeClient {
    /// `base` like `https://www.googleapis.com/youtube/v3` (no trailing slash needed).
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self { http, base: base.trim_end_matches('/').to_owned() }
    }

    fn authed(req: reqwest::RequestBuilder, cred: Credential<'_>) -> reqwest::RequestBuilder {
        match cred {
            Credential::ApiKey(k) => req.query(&[("key", k)]),
            Credential::Bearer(t) => req.bearer_auth(t),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<String, PlatformError> {
        let resp = req.send().await.map_err(|e| network(YT, e))?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(|e| network(YT, e))?;
        if (200..300).contains(&status) { Ok(body) } else { Err(classify(status, &body, SystemTime::now())) }
    }

    fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, PlatformError> {
        serde_json::from_str(body).map_err(|e| PlatformError::Retryable {
            platform: YT,
            detail: format!("unreadable response: {e}"),
            retry_after: None,
        })
    }

    /// One page (up to 100, newest first) of `commentThreads.list` for every
    /// video of `channel_id` (1 unit). `api_key_or_token`: see [`Credential::guess`].
    pub async fn comment_threads(
        &self,
        api_key_or_token: &str,
        channel_id: &str,
        page_token: Option<&str>,
    ) -> Result<CommentThreadsPage, PlatformError> {
        let mut query: Vec<(&str, &str)> = vec![
            ("part", "snippet"),
            ("allThreadsRelatedToChannelId", channel_id),
            ("maxResults", "100"),
            ("order", "time"),
            ("textFormat", "plainText"),
        ];
        if let Some(t) = page_token {
            query.push(("pageToken", t));
        }
        let url = format!("{}/commentThreads", self.base);
        let req = Self::authed(self.http.get(url).query(&query), Credential::guess(api_key_or_token));
        Self::parse(&self.send(req).await?)
    }

    /// `comments.insert` (50 units): replies to the top-level comment
    /// `parent_id` as the channel whose OAuth token this is.
    pub async fn reply(&self, oauth_token: &str, parent_id: &str, text: &str) -> Result<Created, PlatformError> {
        let body = InsertBody { snippet: InsertSnippet { parent_id, text_original: text } };
        let url = format!("{}/comments", self.base);
        let req = self.http.post(url).query(&[("part", "snippet")]).bearer_auth(oauth_token).json(&body);
        let c: Comment = Self::parse(&self.send(req).await?)?;
        Ok(Created { id: c.id, published_at: c.snippet.published_at })
    }

    /// `comments.list?parentId=` (1 unit a page): the replies to a
    /// top-level comment, every page.
    pub async fn replies(&self, api_key_or_token: &str, parent_id: &str) -> Result<Vec<Comment>, PlatformError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        // A thread shows at most a few thousand replies; stop at 20 pages.
        for _ in 0..20 {
            let mut query: Vec<(&str, &str)> =
                vec![("part", "snippet"), ("parentId", parent_id), ("maxResults", "100"), ("textFormat", "plainText")];
            if let Some(t) = &token {
                query.push(("pageToken", t));
            }
            let url = format!("{}/comments", self.base);
            let req = Self::authed(self.http.get(url).query(&query), Credential::guess(api_key_or_token));
            let page: CommentsPage = Self::parse(&self.send(req).await?)?;
            out.extend(page.items);
            token = page.next_page_token;
            if token.is_none() {
                break;
            }
        }
        Ok(out)
    }
}

/// Our reply among `replies`: from `channel_id`, with the same text.
pub fn find_reply<'a>(replies: &'a [Comment], channel_id: &str, text: &str) -> Option<&'a Comment> {
    replies.iter().find(|c| c.author_channel() == Some(channel_id) && c.snippet.text_original.trim() == text.trim())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InsertBody<'a> {
    snippet: InsertSnippet<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InsertSnippet<'a> {
    parent_id: &'a str,
    text_original: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::youtube::{ChannelRef, CommentSnippet};

    #[test]
    fn our_reply_is_found_by_channel_and_text() {
        let c = |id: &str, ch: &str, text: &str| Comment {
            id: id.into(),
            snippet: CommentSnippet {
                text_original: text.into(),
                author_channel_id: Some(ChannelRef { value: ch.into() }),
                ..Default::default()
            },
        };
        let list = [c("p.1", "UCother", "we will help"), c("p.2", "UCours", "we will help ")];
        assert_eq!(find_reply(&list, "UCours", "we will help").map(|c| c.id.as_str()), Some("p.2"));
        assert!(find_reply(&list, "UCours", "something else").is_none());
    }

    #[test]
    fn credentials_are_told_apart() {
        assert_eq!(Credential::guess("ya29.a0AfH6"), Credential::Bearer("ya29.a0AfH6"));
        assert_eq!(Credential::guess("AIzaSyD-key"), Credential::ApiKey("AIzaSyD-key"));
    }
}
