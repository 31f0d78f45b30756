//! Reading a refusal from the YouTube Data API: Google's error body and
//! [`classify`], which decides whether a call may be retried and when. The
//! reasons Google gives, not the HTTP status alone, tell a spent daily
//! quota (wait for the Pacific-midnight reset) from a rate limit (wait a
//! minute) from a refusal no retry can change.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::YT;
use super::pacific::next_pacific_midnight;
use crate::PlatformError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::youtube::pacific::tests::at;

    fn sys(s: &str) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(at(s) as u64)
    }

    fn google(status: u16, reason: &str, domain: &str, message: &str) -> String {
        serde_json::json!({"error": {"code": status, "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}]}})
        .to_string()
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
}
