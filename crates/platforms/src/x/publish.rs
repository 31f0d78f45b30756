//! Posting on an account's own timeline (`POST /2/tweets` without a reply
//! field) and reading posts' public metrics (`GET /2/tweets?ids=`), for
//! publishing.

use serde::{Deserialize, Serialize};

use super::UserAuth;
use super::client::XClient;
use super::types::{Created, Single, Tweet};
use crate::PlatformError;

#[derive(Serialize)]
struct PostBody<'a> {
    text: &'a str,
}

/// `public_metrics` of a post, as X counts them.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct PublicMetrics {
    #[serde(default)]
    pub retweet_count: u64,
    #[serde(default)]
    pub reply_count: u64,
    #[serde(default)]
    pub like_count: u64,
    #[serde(default)]
    pub quote_count: u64,
    #[serde(default)]
    pub impression_count: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MeasuredTweet {
    pub id: String,
    #[serde(default)]
    pub public_metrics: PublicMetrics,
}

#[derive(Debug, Default, Deserialize)]
struct Measured {
    #[serde(default)]
    data: Vec<MeasuredTweet>,
}

impl XClient {
    /// `POST /2/tweets` with text only: a new post by the token's account.
    pub async fn post(&self, auth: &UserAuth, text: &str) -> Result<Created, PlatformError> {
        let url = format!("{}/2/tweets", self.base);
        let (body, _) = self.send(auth.apply(self.http.post(&url), "POST", &url, &[]).json(&PostBody { text })).await?;
        Ok(Self::parse::<Single<Created>>(&body)?.data)
    }

    /// `GET /2/tweets?ids=…&tweet.fields=public_metrics` (at most 100 ids).
    pub async fn public_metrics(&self, auth: &UserAuth, ids: &[String]) -> Result<Vec<MeasuredTweet>, PlatformError> {
        let url = format!("{}/2/tweets", self.base);
        let ids = ids.iter().take(100).cloned().collect::<Vec<_>>().join(",");
        let query = [("ids", ids.as_str()), ("tweet.fields", "public_metrics")];
        let (body, _) = self.send(auth.apply(self.http.get(&url), "GET", &url, &query).query(&query)).await?;
        Ok(Self::parse::<Measured>(&body)?.data)
    }
}

/// The post among an account's own `posts` that is `text` and answers
/// nobody: a post published before the outcome of the call was lost.
pub fn find_post<'a>(posts: &'a [Tweet], text: &str) -> Option<&'a Tweet> {
    posts.iter().find(|t| t.text.trim() == text.trim() && !t.referenced_tweets.iter().any(|r| r.kind == "replied_to"))
}
