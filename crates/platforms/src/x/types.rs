//! X API v2 wire types, as in X's OpenAPI contract. Unknown fields are
//! ignored; X's August 2026 rename of `edit_history_tweet_ids` to
//! `edit_history_post_ids` is accepted either way.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Tweet {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub author_id: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
    #[serde(default)]
    pub in_reply_to_user_id: Option<String>,
    #[serde(default)]
    pub referenced_tweets: Vec<ReferencedTweet>,
    #[serde(default, alias = "edit_history_post_ids")]
    pub edit_history_tweet_ids: Vec<String>,
    /// With `tweet.fields=attachments`: the keys of its media in `includes.media`.
    #[serde(default)]
    pub attachments: Option<Attachments>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Attachments {
    #[serde(default)]
    pub media_keys: Vec<String>,
}

/// An `includes.media` item (`media.fields=type,url,preview_image_url,alt_text`):
/// photos have `url`; videos and GIFs only `preview_image_url`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct MediaItem {
    pub media_key: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub preview_image_url: Option<String>,
    #[serde(default)]
    pub alt_text: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ReferencedTweet {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct User {
    pub id: String,
    pub username: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Includes {
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub media: Vec<MediaItem>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Meta {
    #[serde(default)]
    pub newest_id: Option<String>,
    #[serde(default)]
    pub oldest_id: Option<String>,
    #[serde(default)]
    pub result_count: u64,
    #[serde(default)]
    pub next_token: Option<String>,
}

/// `GET /2/users/{id}/mentions` and other timelines.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Timeline {
    #[serde(default)]
    pub data: Vec<Tweet>,
    #[serde(default)]
    pub includes: Includes,
    #[serde(default)]
    pub meta: Meta,
}

impl Timeline {
    /// The author of `tweet`, from `includes.users`.
    pub fn author(&self, tweet: &Tweet) -> Option<&User> {
        let id = tweet.author_id.as_deref()?;
        self.includes.users.iter().find(|u| u.id == id)
    }

    /// The media of `tweet`, from `includes.media`, in the tweet's order.
    pub fn media(&self, tweet: &Tweet) -> Vec<&MediaItem> {
        let keys = tweet.attachments.as_ref().map(|a| a.media_keys.as_slice()).unwrap_or_default();
        keys.iter().filter_map(|k| self.includes.media.iter().find(|m| &m.media_key == k)).collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Single<T> {
    pub data: T,
}

/// The created post of `POST /2/tweets`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Created {
    pub id: String,
    pub text: String,
}

/// X's error body: a problem object, or `{"errors": [...]}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Problem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub errors: Vec<ProblemItem>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ProblemItem {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl Problem {
    /// The platform's own words, for the operator.
    pub fn words(&self) -> String {
        let item = self.errors.first();
        self.detail
            .clone()
            .or_else(|| self.title.clone())
            .or_else(|| item.and_then(|i| i.detail.clone().or(i.message.clone()).or(i.title.clone())))
            .unwrap_or_else(|| "no detail given".into())
    }

    /// The problem type's last path segment (docs say api.x.com/2/problems/...,
    /// live responses api.twitter.com/2/problems/...: match the suffix).
    pub fn type_suffix(&self) -> Option<&str> {
        self.kind
            .as_deref()
            .or_else(|| self.errors.first().and_then(|i| i.kind.as_deref()))
            .and_then(|t| t.rsplit('/').next())
    }
}
