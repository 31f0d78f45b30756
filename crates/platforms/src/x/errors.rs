//! X's error responses → retry or tell the operator.

use std::time::{Duration, SystemTime};

use super::types::Problem;
use crate::{PlatformError, RateLimit};

const X: &str = "x";

/// Classifies a non-success response from X.
pub fn classify(status: u16, rate: &RateLimit, body: &str) -> PlatformError {
    let problem: Problem = serde_json::from_str(body).unwrap_or_default();
    let words = problem.words();
    let kind = problem.type_suffix().unwrap_or("").to_owned();
    match status {
        429 if kind == "usage-capped" || words.contains("UsageCapExceeded") || body.contains("UsageCapExceeded") => {
            // The app's monthly cap: waiting for a 15-minute window won't help.
            PlatformError::Terminal { platform: X, status, detail: format!("usage cap exceeded: {words}") }
        }
        429 => PlatformError::Retryable {
            platform: X,
            detail: format!("rate limited: {words}"),
            retry_after: Some(rate.until_reset(SystemTime::now()).unwrap_or(Duration::from_secs(60))),
        },
        500..=599 => {
            PlatformError::Retryable { platform: X, detail: format!("HTTP {status}: {words}"), retry_after: None }
        }
        _ => PlatformError::Terminal { platform: X, status, detail: words },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_content_is_terminal_with_xs_words() {
        let body = r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#;
        let e = classify(403, &RateLimit::default(), body);
        assert_eq!(
            e,
            PlatformError::Terminal {
                platform: "x",
                status: 403,
                detail: "You are not allowed to create a Tweet with duplicate content.".into()
            }
        );
    }

    #[test]
    fn too_many_requests_waits_until_reset_but_usage_cap_does_not() {
        let reset = SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 120;
        let rate = RateLimit { limit: Some(100), remaining: Some(0), reset: Some(reset) };
        let e = classify(
            429,
            &rate,
            r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#,
        );
        let PlatformError::Retryable { retry_after: Some(wait), .. } = e else { panic!("{e:?}") };
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        let cap = r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","status":429}"#;
        assert!(!classify(429, &rate, cap).is_retryable());
        assert!(classify(503, &rate, "<html>").is_retryable());
    }
}
