//! Publishing on a Facebook Page: `POST /{page-id}/feed`, finding a post
//! whose outcome was lost (`GET /{page-id}/feed`), and a post's engagement
//! (`GET /{post-id}?fields=shares,reactions.summary(true),comments.summary(true)`).

use std::time::Duration;

use serde::Deserialize;

use super::{Created, MetaClient, classify};
use crate::{PlatformError, network};

/// A Page post as `GET /{page-id}/feed?fields=id,message,created_time` lists it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PagePost {
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub created_time: String,
}

#[derive(Debug, Default, Deserialize)]
struct Feed {
    #[serde(default)]
    data: Vec<PagePost>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostEngagement {
    pub shares: u64,
    pub reactions: u64,
    pub comments: u64,
}

#[derive(Debug, Default, Deserialize)]
struct Count {
    #[serde(default)]
    count: u64,
}

#[derive(Debug, Default, Deserialize)]
struct Summary {
    #[serde(default)]
    total_count: u64,
}

#[derive(Debug, Default, Deserialize)]
struct Summarised {
    #[serde(default)]
    summary: Summary,
}

#[derive(Debug, Default, Deserialize)]
struct Fields {
    #[serde(default)]
    shares: Count,
    #[serde(default)]
    reactions: Summarised,
    #[serde(default)]
    comments: Summarised,
}

/// Meta names no reset time for throttling except in the Business Use Case
/// header's `estimated_time_to_regain_access` (minutes); use it when given.
fn regain_access(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v: serde_json::Value = serde_json::from_str(headers.get("x-business-use-case-usage")?.to_str().ok()?).ok()?;
    let minutes = v
        .as_object()?
        .values()
        .filter_map(|usage| usage.as_array())
        .flatten()
        .filter_map(|u| u["estimated_time_to_regain_access"].as_u64())
        .max()?;
    Some(Duration::from_secs(minutes * 60))
}

impl MetaClient {
    pub(super) async fn call(&self, req: reqwest::RequestBuilder) -> Result<String, PlatformError> {
        let resp = req.send().await.map_err(|e| network("meta", e))?;
        let status = resp.status().as_u16();
        let regain = regain_access(resp.headers());
        let body = resp.text().await.map_err(|e| network("meta", e))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(match (classify(status, &body), regain) {
            (PlatformError::Retryable { platform, detail, retry_after: Some(_) }, Some(wait)) => {
                PlatformError::Retryable { platform, detail, retry_after: Some(wait) }
            }
            (e, _) => e,
        })
    }

    pub(super) fn read<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, PlatformError> {
        serde_json::from_str(body).map_err(|e| PlatformError::Retryable {
            platform: "meta",
            detail: format!("unreadable response: {e}"),
            retry_after: None,
        })
    }

    /// `POST /{page-id}/feed` as the Page: returns `{page-id}_{post-id}`.
    pub async fn feed_post(&self, page_token: &str, page_id: &str, message: &str) -> Result<Created, PlatformError> {
        let url = format!("{}/{page_id}/feed", self.base);
        let body = self.call(self.http.post(url).form(&[("message", message), ("access_token", page_token)])).await?;
        Self::read(&body)
    }

    /// The Page's most recent posts (`GET /{page-id}/feed`), newest first.
    pub async fn page_posts(&self, page_token: &str, page_id: &str) -> Result<Vec<PagePost>, PlatformError> {
        let url = format!("{}/{page_id}/feed", self.base);
        let query = [("fields", "id,message,created_time"), ("limit", "100"), ("access_token", page_token)];
        let body = self.call(self.http.get(url).query(&query)).await?;
        Ok(Self::read::<Feed>(&body)?.data)
    }

    /// Shares, reactions and comments of one Page post.
    pub async fn post_engagement(&self, page_token: &str, post_id: &str) -> Result<PostEngagement, PlatformError> {
        let url = format!("{}/{post_id}", self.base);
        let fields = "shares,reactions.summary(total_count),comments.summary(total_count)";
        let body = self.call(self.http.get(url).query(&[("fields", fields), ("access_token", page_token)])).await?;
        let f: Fields = Self::read(&body)?;
        Ok(PostEngagement {
            shares: f.shares.count,
            reactions: f.reactions.summary.total_count,
            comments: f.comments.summary.total_count,
        })
    }
}

/// The Page post that is `message`, among the Page's recent posts.
pub fn find_page_post<'a>(posts: &'a [PagePost], message: &str) -> Option<&'a PagePost> {
    posts.iter().find(|p| p.message.trim() == message.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regain_access_comes_from_the_business_use_case_header() {
        let mut h = reqwest::header::HeaderMap::new();
        let v = r#"{"1234":[{"type":"pages","call_count":100,"estimated_time_to_regain_access":2}]}"#;
        h.insert("x-business-use-case-usage", v.parse().unwrap());
        assert_eq!(regain_access(&h), Some(Duration::from_secs(120)));
        assert_eq!(regain_access(&reqwest::header::HeaderMap::new()), None);
    }
}
