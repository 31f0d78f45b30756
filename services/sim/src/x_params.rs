//! Which query parameters each X endpoint takes, and which values its
//! `*.fields` and `expansions` lists allow. X refuses anything else with a
//! 400 `invalid-request` naming every bad parameter, so a client that sends
//! `next_token` where `pagination_token` belongs, or `tweet.fields=createdat`,
//! learns it from the sim as it would from X (and does not get page 1 forever).
//!
//! The lists are the live API's (tweet.fields, edit_history_tweet_ids) merged
//! with the Aug-2026 OpenAPI contract's (post.fields, edit_history_post_ids):
//! the sim accepts both spellings everywhere, as PLATFORMS.md asks.

use axum::response::Response;
use serde_json::{Value, json};

use crate::x_http::{RateInfo, invalid_request_errors};

/// One endpoint's parameters, in the order X lists them in its message.
pub struct Spec {
    /// Path parameters: named in the list, refused as query parameters.
    pub path: &'static [&'static str],
    pub query: &'static [&'static str],
    /// The expansions this endpoint's objects have.
    pub expansions: &'static [&'static str],
}

const POST_OBJECT: &[&str] =
    &["tweet.fields", "expansions", "media.fields", "poll.fields", "place.fields", "user.fields"];

/// `a`, then `b`: one list, built when the specs are (`N` is `A + B`).
const fn joined<const A: usize, const B: usize, const N: usize>(
    a: [&'static str; A],
    b: [&'static str; B],
) -> [&'static str; N] {
    assert!(A + B == N, "N must be A + B");
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { a[i] } else { b[i - A] };
        i += 1;
    }
    out
}

/// What a user's timelines (mentions, posts) take after their paging
/// parameters: the time window and the posts' fields.
const TIMELINE: [&str; 10] = [
    "start_time",
    "end_time",
    "since_id",
    "until_id",
    "tweet.fields",
    "expansions",
    "user.fields",
    "media.fields",
    "poll.fields",
    "place.fields",
];

pub const MENTIONS: Spec = Spec {
    path: &["id"],
    query: &joined::<2, 10, 12>(["max_results", "pagination_token"], TIMELINE),
    expansions: POST_EXPANSIONS,
};

pub const USER_TWEETS: Spec = Spec {
    path: &["id"],
    query: &joined::<3, 10, 13>(["max_results", "pagination_token", "exclude"], TIMELINE),
    expansions: POST_EXPANSIONS,
};

pub const SEARCH_RECENT: Spec = Spec {
    path: &[],
    query: &[
        "query",
        "start_time",
        "end_time",
        "since_id",
        "until_id",
        "max_results",
        "next_token",
        "pagination_token",
        "sort_order",
        "expansions",
        "tweet.fields",
        "media.fields",
        "poll.fields",
        "place.fields",
        "user.fields",
    ],
    expansions: POST_EXPANSIONS,
};

pub const TWEET_BY_ID: Spec = Spec { path: &["id"], query: POST_OBJECT, expansions: POST_EXPANSIONS };

pub const TWEETS_BY_IDS: Spec = Spec {
    path: &[],
    query: &["ids", "tweet.fields", "expansions", "media.fields", "poll.fields", "place.fields", "user.fields"],
    expansions: POST_EXPANSIONS,
};

pub const STREAM: Spec = Spec {
    path: &[],
    query: &[
        "backfill_minutes",
        "start_time",
        "end_time",
        "tweet.fields",
        "expansions",
        "media.fields",
        "poll.fields",
        "user.fields",
        "place.fields",
    ],
    expansions: POST_EXPANSIONS,
};

pub const GET_RULES: Spec = Spec { path: &[], query: &["ids", "max_results", "pagination_token"], expansions: &[] };
pub const POST_RULES: Spec = Spec { path: &[], query: &["dry_run", "delete_all"], expansions: &[] };
pub const CREATE_POST: Spec = Spec { path: &[], query: &[], expansions: &[] };
/// `GET /2/dm_conversations/with/{participant_id}/dm_events`.
pub const DM_EVENTS: Spec = Spec {
    path: &["participant_id"],
    query: &[
        "max_results",
        "pagination_token",
        "event_types",
        "dm_event.fields",
        "expansions",
        "media.fields",
        "user.fields",
        "tweet.fields",
    ],
    expansions: &["attachments.media_keys", "referenced_tweets.id", "sender_id", "participant_ids"],
};
/// `GET /2/dm_events`: every conversation of the account.
pub const DM_EVENTS_ALL: Spec = Spec { path: &[], query: DM_EVENTS.query, expansions: DM_EVENTS.expansions };
/// `POST /2/dm_conversations/with/{participant_id}/messages`.
pub const DM_CREATE: Spec = Spec { path: &["participant_id"], query: &[], expansions: &[] };
const DM_EVENT_FIELDS: &[&str] = &[
    "attachments",
    "created_at",
    "dm_conversation_id",
    "entities",
    "event_type",
    "id",
    "participant_ids",
    "referenced_tweets",
    "sender_id",
    "text",
];

const USER_OBJECT: &[&str] = &["expansions", "tweet.fields", "user.fields"];
pub const USERS_ME: Spec =
    Spec { path: &[], query: &["user.fields", "expansions", "tweet.fields"], expansions: USER_EXPANSIONS };
pub const USER_BY_ID: Spec = Spec { path: &["id"], query: USER_OBJECT, expansions: USER_EXPANSIONS };
pub const USER_BY_USERNAME: Spec = Spec { path: &["username"], query: USER_OBJECT, expansions: USER_EXPANSIONS };
pub const USERS_BY_IDS: Spec =
    Spec { path: &[], query: &["ids", "expansions", "tweet.fields", "user.fields"], expansions: USER_EXPANSIONS };
pub const USERS_BY_USERNAMES: Spec =
    Spec { path: &[], query: &["usernames", "expansions", "tweet.fields", "user.fields"], expansions: USER_EXPANSIONS };

pub const POST_FIELDS: &[&str] = &[
    "article",
    "article_title",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_post_ids",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "matched_media_notes",
    "media_metadata",
    "non_public_metrics",
    "note_post",
    "note_request_suggestions",
    "note_tweet",
    "organic_metrics",
    "paid_partnership",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_posts",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "suggested_source_links",
    "suggested_source_links_with_counts",
    "text",
    "withheld",
];

pub const USER_FIELDS: &[&str] = &[
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_post_id",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_post_id",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscribes_to_you",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
];

const POST_EXPANSIONS: &[&str] = &[
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_post_ids",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "entities.note.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "referenced_posts",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
    "username",
];

const USER_EXPANSIONS: &[&str] =
    &["affiliation", "most_recent_post_id", "most_recent_tweet_id", "pinned_post_id", "pinned_tweet_id"];

const MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
];
const POLL_FIELDS: &[&str] = &["duration_minutes", "end_datetime", "id", "options", "voting_status"];
const PLACE_FIELDS: &[&str] =
    &["contained_within", "country", "country_code", "full_name", "geo", "id", "name", "place_type"];

/// `post.fields` is the Aug-2026 name of `tweet.fields`: allowed wherever it is.
fn canonical(name: &str) -> &str {
    if name == "post.fields" { "tweet.fields" } else { name }
}

impl Spec {
    fn allowed(&self, name: &str) -> Option<&'static [&'static str]> {
        let name = canonical(name);
        if !self.query.contains(&name) {
            return None;
        }
        Some(match name {
            "tweet.fields" => POST_FIELDS,
            "user.fields" => USER_FIELDS,
            "media.fields" => MEDIA_FIELDS,
            "poll.fields" => POLL_FIELDS,
            "place.fields" => PLACE_FIELDS,
            "expansions" => self.expansions,
            "exclude" => &["replies", "retweets"],
            "dm_event.fields" => DM_EVENT_FIELDS,
            "event_types" => &["MessageCreate", "ParticipantsJoin", "ParticipantsLeave"],
            // Any value: the handler checks it.
            _ => &[],
        })
    }

    /// Every refusal X would give these query pairs, in X's words.
    pub fn problems(&self, pairs: &[(String, String)]) -> Vec<Value> {
        let mut out = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in pairs {
            if seen.contains(&name.as_str()) {
                continue;
            }
            seen.push(name);
            let values: Vec<&str> = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
            if values.len() > 1 || self.path.contains(&name.as_str()) {
                out.push(json!({
                    "parameters": { name.as_str(): values },
                    "message": format!("Duplicate parameters are not allowed: the `{name}` query parameter"),
                }));
                continue;
            }
            let Some(allowed) = self.allowed(name) else {
                let all: Vec<&str> = self.path.iter().chain(self.query).copied().collect();
                out.push(json!({
                    "parameters": { name.as_str(): [value] },
                    "message": format!("The query parameter [{name}] is not one of [{}]", all.join(",")),
                }));
                continue;
            };
            if allowed.is_empty() {
                continue;
            }
            for item in value.split(',') {
                if !allowed.contains(&item) {
                    out.push(json!({
                        "parameters": { name.as_str(): [value] },
                        "message": format!(
                            "The `{name}` query parameter value [{item}] is not one of [{}]",
                            allowed.join(",")
                        ),
                    }));
                }
            }
        }
        out
    }

    /// X's 400 if any query parameter is unknown, repeated or has a bad value.
    #[allow(clippy::result_large_err)]
    pub fn check(&self, pairs: &[(String, String)], rate: &RateInfo) -> Result<(), Response> {
        let problems = self.problems(pairs);
        if problems.is_empty() { Ok(()) } else { Err(invalid_request_errors(problems, rate)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        crate::x_http::query_pairs(Some(q))
    }

    fn messages(spec: &Spec, q: &str) -> Vec<String> {
        spec.problems(&pairs(q)).iter().map(|p| p["message"].as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn the_timelines_list_their_parameters_in_xs_order() {
        let window = "start_time,end_time,since_id,until_id";
        let fields = "tweet.fields,expansions,user.fields,media.fields,poll.fields,place.fields";
        assert_eq!(MENTIONS.query.join(","), format!("max_results,pagination_token,{window},{fields}"));
        assert_eq!(USER_TWEETS.query.join(","), format!("max_results,pagination_token,exclude,{window},{fields}"));
    }

    #[test]
    fn unknown_misspelled_and_repeated_parameters_are_named() {
        assert!(messages(&MENTIONS, "max_results=5&pagination_token=x&tweet.fields=created_at,lang").is_empty());
        assert!(messages(&MENTIONS, "post.fields=created_at&expansions=author_id").is_empty());
        let m = messages(&MENTIONS, "next_token=abc");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("The query parameter [next_token] is not one of [id,max_results,pagination_token,"));
        assert!(messages(&MENTIONS, "sinceId=1")[0].contains("[sinceId]"));
        let m = messages(&MENTIONS, "tweet.fields=created_at,createdat");
        assert_eq!(m.len(), 1);
        assert!(m[0].starts_with("The `tweet.fields` query parameter value [createdat] is not one of [article,"));
        assert_eq!(messages(&MENTIONS, "max_results=5&max_results=6").len(), 1);
        assert!(messages(&TWEET_BY_ID, "id=1")[0].starts_with("Duplicate parameters"));
        // On search, next_token is the paging parameter.
        assert!(messages(&SEARCH_RECENT, "query=a&next_token=x").is_empty());
        // User endpoints have user expansions.
        assert!(messages(&USER_BY_ID, "expansions=pinned_tweet_id").is_empty());
        assert_eq!(messages(&USER_BY_ID, "expansions=author_id").len(), 1);
    }

    #[test]
    fn the_problem_names_the_parameter_and_its_value() {
        let p = MENTIONS.problems(&pairs("tweet.fields=createdat"));
        assert_eq!(p[0]["parameters"], json!({"tweet.fields": ["createdat"]}));
    }
}
