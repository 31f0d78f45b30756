//! The YouTube Data API v3: the comment threads of a channel (polling),
//! replying to a comment, and listing a comment's replies (to find out
//! whether a reply whose outcome was lost was in fact posted).
//!
//! Quota, not request rate, is what limits YouTube: every project has a
//! daily budget (10,000 units by default) that resets at midnight Pacific
//! time. `commentThreads.list` and `comments.list` cost 1 unit a call,
//! `comments.insert` 50. A `quotaExceeded` answer is therefore retried
//! after the next Pacific midnight ([`next_pacific_midnight`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::{PlatformError, network};

const YT: &str = "youtube";

/// The API's address; tests point the client at `tvarit-sim` instead.
pub const DEFAULT_BASE: &str = "https://www.googleapis.com/youtube/v3";

/// Quota units per call, as Google bills them.
pub const COST_COMMENT_THREADS: u32 = 1;
pub const COST_COMMENTS_LIST: u32 = 1;
pub const COST_COMMENTS_INSERT: u32 = 50;
/// A project's default daily quota.
pub const DEFAULT_DAILY_QUOTA: u32 = 10_000;

// ---------------------------------------------------------------- wire types

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

/// Google's error body: `{"error":{"code","message","errors":[{"reason","domain","message"}]}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub error: GoogleError,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GoogleError {
    #[serde(default)]
    pub code: u16,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorItem {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub message: String,
}

// ---------------------------------------------------------------- errors

/// Reasons that mean "the budget is spent until the daily reset".
const DAILY_REASONS: [&str; 3] = ["quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"];
/// Reasons that mean "too fast, try again soon".
const RATE_REASONS: [&str; 4] = ["rateLimitExceeded", "userRateLimitExceeded", "backendError", "processingFailure"];

/// Classifies a non-success response from the YouTube Data API, at `now`.
///
/// Retryable: the daily quota (after the next Pacific midnight), rate
/// limits (a minute), `processingFailure` (often transient), 429 and 5xx.
/// Everything else (`forbidden`, `commentsDisabled`,
/// `invalidCommentMetadata`, `parentCommentNotFound`, bad credentials) is
/// terminal, in Google's own words.
pub fn classify(status: u16, body: &str, now: SystemTime) -> PlatformError {
    let parsed: ErrorBody = serde_json::from_str(body).unwrap_or_default();
    let e = parsed.error;
    let reasons: Vec<&str> = e.errors.iter().map(|i| i.reason.as_str()).collect();
    let words = {
        let m = if e.message.is_empty() {
            e.errors.iter().map(|i| i.message.as_str()).find(|m| !m.is_empty()).unwrap_or("")
        } else {
            e.message.as_str()
        };
        let m = strip_tags(m);
        if m.is_empty() { format!("HTTP {status}") } else { m }
    };
    let reason = reasons.first().copied().unwrap_or("");
    let detail = if reason.is_empty() { words.clone() } else { format!("{reason}: {words}") };
    if reasons.iter().any(|r| DAILY_REASONS.contains(r)) {
        let now_s = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
        let wait = (next_pacific_midnight(now_s) - now_s).max(1) as u64;
        return PlatformError::Retryable { platform: YT, detail, retry_after: Some(Duration::from_secs(wait)) };
    }
    if reasons.iter().any(|r| RATE_REASONS.contains(r)) || status == 429 {
        let retry_after = if reason == "processingFailure" || reason == "backendError" {
            None
        } else {
            Some(Duration::from_secs(60))
        };
        return PlatformError::Retryable { platform: YT, detail, retry_after };
    }
    if (500..=599).contains(&status) {
        return PlatformError::Retryable { platform: YT, detail, retry_after: None };
    }
    PlatformError::Terminal { platform: YT, status, detail }
}

/// Google's quota message carries a link (`your <a href=..>quota</a>`).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_owned()
}

// ---------------------------------------------------------------- Pacific time

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The year of a day count since 1970-01-01.
fn year_of(days: i64) -> i64 {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(m <= 2)
}

/// The `n`-th Sunday (1-based) of a month, as days since the epoch.
fn nth_sunday(y: i64, m: i64, n: i64) -> i64 {
    let first = days_from_civil(y, m, 1);
    let weekday = (first + 4).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Sunday
    first + (7 - weekday) % 7 + 7 * (n - 1)
}

/// US daylight time (since 2007): from the second Sunday of March, 02:00
/// PST, to the first Sunday of November, 02:00 PDT, as Unix seconds.
fn pacific_dst_bounds(year: i64) -> (i64, i64) {
    let start = nth_sunday(year, 3, 2) * 86_400 + 10 * 3600;
    let end = nth_sunday(year, 11, 1) * 86_400 + 9 * 3600;
    (start, end)
}

/// The offset of Pacific time from UTC at `t` (Unix seconds): -7 h or -8 h.
fn pacific_offset(t: i64) -> i64 {
    let (start, end) = pacific_dst_bounds(year_of(t.div_euclid(86_400)));
    if (start..end).contains(&t) { -7 * 3600 } else { -8 * 3600 }
}

/// The next midnight in America/Los_Angeles after `now` (Unix seconds),
/// when YouTube's daily quota resets.
pub fn next_pacific_midnight(now: i64) -> i64 {
    let local_day = (now + pacific_offset(now)).div_euclid(86_400);
    let midnight_local = (local_day + 1) * 86_400;
    // Midnight comes before the 02:00 switch, so it is in whichever time
    // the day began in: take it as PST if that instant is standard time.
    let as_pst = midnight_local + 8 * 3600;
    if pacific_offset(as_pst) == -8 * 3600 { as_pst } else { midnight_local + 7 * 3600 }
}

// ---------------------------------------------------------------- client

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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        // YYYY-MM-DDTHH:MM:SSZ
        let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
        days_from_civil(n(0, 4), n(5, 7), n(8, 10)) * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
    }

    fn sys(s: &str) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(at(s) as u64)
    }

    fn google(status: u16, reason: &str, domain: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": status, "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}]}})
        .to_string()
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(at("2026-03-31T19:00:00Z"), 1_774_983_600);
        assert_eq!(year_of(days_from_civil(2026, 12, 31)), 2026);
        assert_eq!(year_of(days_from_civil(2027, 1, 1)), 2027);
        assert_eq!(year_of(days_from_civil(2024, 2, 29)), 2024);
        // Second Sunday of March 2026 is the 8th; first Sunday of November the 1st.
        assert_eq!(nth_sunday(2026, 3, 2), days_from_civil(2026, 3, 8));
        assert_eq!(nth_sunday(2026, 11, 1), days_from_civil(2026, 11, 1));
        assert_eq!(nth_sunday(2025, 3, 2), days_from_civil(2025, 3, 9));
    }

    #[test]
    fn quota_resets_at_pacific_midnight_through_daylight_time() {
        let cases = [
            // Winter: PST, midnight is 08:00 UTC.
            ("2026-11-03T10:00:00Z", "2026-11-04T08:00:00Z"),
            ("2026-01-15T07:59:59Z", "2026-01-15T08:00:00Z"),
            ("2026-01-15T08:00:00Z", "2026-01-16T08:00:00Z"),
            // Summer: PDT, midnight is 07:00 UTC.
            ("2026-07-01T06:59:00Z", "2026-07-01T07:00:00Z"),
            ("2026-07-01T07:00:00Z", "2026-07-02T07:00:00Z"),
            // The day before spring forward, and the day of it.
            ("2026-03-07T12:00:00Z", "2026-03-08T08:00:00Z"),
            ("2026-03-08T12:00:00Z", "2026-03-09T07:00:00Z"),
            // Fall back: Nov 1 2026 starts in PDT, Nov 2 in PST.
            ("2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z"),
            ("2026-11-01T12:00:00Z", "2026-11-02T08:00:00Z"),
            // India's evening is Pacific morning of the same day.
            ("2026-11-03T14:30:00Z", "2026-11-04T08:00:00Z"),
        ];
        for (now, want) in cases {
            assert_eq!(next_pacific_midnight(at(now)), at(want), "after {now}");
        }
    }

    #[test]
    fn quota_exceeded_waits_for_the_daily_reset() {
        let body = google(
            403,
            "quotaExceeded",
            "youtube.quota",
            "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
        );
        let e = classify(403, &body, sys("2026-11-03T10:00:00Z"));
        let PlatformError::Retryable { retry_after: Some(wait), detail, .. } = &e else { panic!("{e:?}") };
        assert_eq!(*wait, Duration::from_secs(22 * 3600));
        assert_eq!(detail, "quotaExceeded: The request cannot be completed because you have exceeded your quota.");
    }

    #[test]
    fn rate_limits_processing_failures_and_5xx_are_retryable() {
        let now = sys("2026-11-03T10:00:00Z");
        let rate = classify(403, &google(403, "rateLimitExceeded", "youtube.quota", "slow down"), now);
        assert_eq!(
            rate,
            PlatformError::Retryable {
                platform: "youtube",
                detail: "rateLimitExceeded: slow down".into(),
                retry_after: Some(Duration::from_secs(60))
            }
        );
        assert!(classify(400, &google(400, "processingFailure", "youtube.comment", "failed"), now).is_retryable());
        assert!(classify(503, &google(503, "backendError", "global", "unavailable"), now).is_retryable());
        assert!(classify(502, "<html>Bad Gateway</html>", now).is_retryable());
        assert!(classify(429, "", now).is_retryable());
    }

    #[test]
    fn refusals_are_terminal_in_googles_words() {
        let now = sys("2026-11-03T10:00:00Z");
        let cases = [
            (403, "forbidden", "youtube.comment", "The comment cannot be created due to insufficient permissions."),
            (403, "commentsDisabled", "youtube.commentThread", "The video has disabled comments."),
            (400, "invalidCommentMetadata", "youtube.comment", "The request metadata is invalid."),
            (404, "parentCommentNotFound", "youtube.comment", "The specified parent comment could not be found."),
            (401, "authError", "global", "Invalid Credentials"),
        ];
        for (status, reason, domain, message) in cases {
            let e = classify(status, &google(status, reason, domain, message), now);
            assert_eq!(
                e,
                PlatformError::Terminal { platform: "youtube", status, detail: format!("{reason}: {message}") },
                "{reason}"
            );
        }
        // No body at all: still terminal, with the status.
        assert_eq!(
            classify(401, "", now),
            PlatformError::Terminal { platform: "youtube", status: 401, detail: "HTTP 401".into() }
        );
    }

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
