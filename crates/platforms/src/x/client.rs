//! Calls to X API v2. The base URL is configurable so tests and training
//! run against `tvarit-sim`.

use serde::Serialize;

use super::UserAuth;
use super::errors::classify;
use super::types::{Created, Single, Timeline, Tweet, User};
use crate::{PlatformError, RateLimit, network};

pub(super) const TWEET_FIELDS: &str =
    "author_id,created_at,conversation_id,in_reply_to_user_id,referenced_tweets,attachments";
/// The author and the attached photos and videos, in `includes`.
pub const EXPANSIONS: &str = "author_id,attachments.media_keys";
pub const MEDIA_FIELDS: &str = "type,url,preview_image_url,alt_text";

/// A timeline page's parameters: the fields and expansions ingest reads
/// (author, media), the page size, and `since_id`.
fn timeline_query(max_results: u8, since_id: Option<&str>) -> Vec<(&'static str, String)> {
    let mut query = vec![
        ("max_results", max_results.to_string()),
        ("tweet.fields", TWEET_FIELDS.into()),
        ("expansions", EXPANSIONS.into()),
        ("user.fields", "username,name".into()),
        ("media.fields", MEDIA_FIELDS.into()),
    ];
    if let Some(s) = since_id {
        query.push(("since_id", s.into()));
    }
    query
}

#[derive(Clone)]
pub struct XClient {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
}

/// One page of mentions and the rate-limit state after it.
#[derive(Debug)]
pub struct MentionsPage {
    pub timeline: Timeline,
    pub rate: RateLimit,
}

#[derive(Serialize)]
struct ReplyBody<'a> {
    text: &'a str,
    reply: InReplyTo<'a>,
}

#[derive(Serialize)]
struct InReplyTo<'a> {
    in_reply_to_tweet_id: &'a str,
}

impl XClient {
    /// `base` like `https://api.x.com` (no trailing slash needed).
    pub fn new(http: reqwest::Client, base: &str) -> Self {
        Self { http, base: base.trim_end_matches('/').to_owned() }
    }

    pub(super) async fn send(&self, req: reqwest::RequestBuilder) -> Result<(String, RateLimit), PlatformError> {
        let resp = req.send().await.map_err(|e| network("x", e))?;
        let status = resp.status().as_u16();
        let rate = RateLimit::from_headers(resp.headers());
        let body = resp.text().await.map_err(|e| network("x", e))?;
        if (200..300).contains(&status) { Ok((body, rate)) } else { Err(classify(status, &rate, &body)) }
    }

    pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, PlatformError> {
        serde_json::from_str(body).map_err(|e| PlatformError::Retryable {
            platform: "x",
            detail: format!("unreadable response: {e}"),
            retry_after: None,
        })
    }

    /// One page of `GET /2/users/{id}/mentions`, newest first, after
    /// `since_id` (exclusive).
    pub async fn mentions(
        &self,
        app_bearer: &str,
        user_id: &str,
        since_id: Option<&str>,
        pagination_token: Option<&str>,
        max_results: u8,
    ) -> Result<MentionsPage, PlatformError> {
        let mut query = timeline_query(max_results.clamp(5, 100), since_id);
        if let Some(t) = pagination_token {
            query.push(("pagination_token", t.into()));
        }
        let url = format!("{}/2/users/{user_id}/mentions", self.base);
        let (body, rate) = self.send(self.http.get(url).bearer_auth(app_bearer).query(&query)).await?;
        Ok(MentionsPage { timeline: Self::parse(&body)?, rate })
    }

    /// One page of `GET /2/tweets/search/recent` (the last 7 days), newest
    /// first, after `since_id` (exclusive); paged by `next_token`.
    pub async fn search_recent(
        &self,
        app_bearer: &str,
        search: &str,
        since_id: Option<&str>,
        next_token: Option<&str>,
        max_results: u8,
    ) -> Result<MentionsPage, PlatformError> {
        let mut query = timeline_query(max_results.clamp(10, 100), since_id);
        query.push(("query", search.into()));
        if let Some(t) = next_token {
            query.push(("next_token", t.into()));
        }
        let url = format!("{}/2/tweets/search/recent", self.base);
        let (body, rate) = self.send(self.http.get(url).bearer_auth(app_bearer).query(&query)).await?;
        Ok(MentionsPage { timeline: Self::parse(&body)?, rate })
    }

    /// `GET /2/users/by/username/{username}` with the app-only token.
    pub async fn user_by_username(&self, app_bearer: &str, username: &str) -> Result<User, PlatformError> {
        self.user_by_username_as(&UserAuth::Bearer(app_bearer.to_owned()), username).await
    }

    /// `GET /2/users/by/username/{username}` as an account.
    pub async fn user_by_username_as(&self, auth: &UserAuth, username: &str) -> Result<User, PlatformError> {
        let name = username.trim_start_matches('@');
        let url = format!("{}/2/users/by/username/{name}", self.base);
        let (body, _) = self.send(auth.apply(self.http.get(&url), "GET", &url, &[])).await?;
        Ok(Self::parse::<Single<User>>(&body)?.data)
    }

    /// `POST /2/tweets` replying to `in_reply_to`, with a user-context token.
    pub async fn reply(&self, auth: &UserAuth, in_reply_to: &str, text: &str) -> Result<Created, PlatformError> {
        let body = ReplyBody { text, reply: InReplyTo { in_reply_to_tweet_id: in_reply_to } };
        let url = format!("{}/2/tweets", self.base);
        let (body, _) = self.send(auth.apply(self.http.post(&url), "POST", &url, &[]).json(&body)).await?;
        Ok(Self::parse::<Single<Created>>(&body)?.data)
    }

    /// Our own recent posts (`GET /2/users/{id}/tweets`), to find out whether
    /// a reply whose outcome was lost was in fact posted.
    pub async fn recent_posts(&self, auth: &UserAuth, user_id: &str) -> Result<Vec<Tweet>, PlatformError> {
        let url = format!("{}/2/users/{user_id}/tweets", self.base);
        let query = [("max_results", "100"), ("tweet.fields", TWEET_FIELDS)];
        let (body, _) = self.send(auth.apply(self.http.get(&url), "GET", &url, &query).query(&query)).await?;
        Ok(Self::parse::<Timeline>(&body)?.data)
    }
}

/// The reply among `posts` that answers `in_reply_to` with `text`.
pub fn find_reply<'a>(posts: &'a [Tweet], in_reply_to: &str, text: &str) -> Option<&'a Tweet> {
    posts.iter().find(|t| {
        t.text.trim() == text.trim()
            && t.referenced_tweets.iter().any(|r| r.kind == "replied_to" && r.id == in_reply_to)
    })
}
