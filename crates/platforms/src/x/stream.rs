//! X's filtered stream: rules, the connection, and its framing. One JSON
//! object per line, each line ended by `\r\n`; a bare `\r\n` is a
//! keep-alive (at least every 20 s). X may also send an error object in
//! band (`operational-disconnect`) before closing.

use serde::{Deserialize, Serialize};

use super::XClient;
use super::types::{Includes, Problem, Tweet};
use crate::PlatformError;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Rule {
    #[serde(default)]
    pub id: String,
    pub value: String,
    #[serde(default)]
    pub tag: String,
}

#[derive(Debug, Deserialize)]
struct Rules {
    #[serde(default)]
    data: Vec<Rule>,
}

/// One line of the stream.
#[derive(Debug, Default, Deserialize)]
pub struct StreamMessage {
    #[serde(default)]
    pub data: Option<Tweet>,
    #[serde(default)]
    pub includes: Includes,
    #[serde(default)]
    pub matching_rules: Vec<MatchingRule>,
    #[serde(default)]
    pub errors: Vec<StreamError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MatchingRule {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub tag: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StreamError {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub disconnect_type: Option<String>,
    #[serde(default)]
    pub detail: Option<String>,
}

/// What a line of the stream is.
#[derive(Debug, PartialEq)]
pub enum Frame {
    KeepAlive,
    Line(Vec<u8>),
}

/// Splits the byte stream into `\r\n`-terminated lines; keeps a partial
/// line until the rest arrives. A line cut off by a dropped connection is
/// never yielded.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// How far `buf` has been searched for `\r\n`, so a long partial line
    /// is not rescanned on every chunk.
    scanned: usize,
}

/// No tweet comes near this (X caps a post's JSON at tens of KiB); a line
/// longer than this is a broken or hostile stream.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("stream line over {MAX_LINE_BYTES} bytes without a line end")]
pub struct LineTooLong;

impl Framer {
    /// The complete lines in `bytes` and what came before; an error when a
    /// line grows past [`MAX_LINE_BYTES`] (the caller drops the connection).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<Frame>, LineTooLong> {
        self.buf.extend_from_slice(bytes);
        let mut frames = Vec::new();
        loop {
            let from = self.scanned.saturating_sub(1);
            let Some(pos) = self.buf[from..].windows(2).position(|w| w == b"\r\n").map(|p| p + from) else {
                self.scanned = self.buf.len();
                break;
            };
            let line: Vec<u8> = self.buf.drain(..pos + 2).take(pos).collect();
            self.scanned = 0;
            frames.push(if line.iter().all(u8::is_ascii_whitespace) { Frame::KeepAlive } else { Frame::Line(line) });
        }
        if self.buf.len() > MAX_LINE_BYTES {
            self.buf.clear();
            self.scanned = 0;
            return Err(LineTooLong);
        }
        Ok(frames)
    }
}

impl XClient {
    pub async fn stream_rules(&self, app_bearer: &str) -> Result<Vec<Rule>, PlatformError> {
        let url = format!("{}/2/tweets/search/stream/rules", self.base);
        let (body, _) = self.send(self.http.get(url).bearer_auth(app_bearer)).await?;
        Ok(Self::parse::<Rules>(&body)?.data)
    }

    pub async fn add_stream_rules(&self, app_bearer: &str, rules: &[Rule]) -> Result<(), PlatformError> {
        let add: Vec<_> = rules.iter().map(|r| serde_json::json!({ "value": r.value, "tag": r.tag })).collect();
        let url = format!("{}/2/tweets/search/stream/rules", self.base);
        self.send(self.http.post(url).bearer_auth(app_bearer).json(&serde_json::json!({ "add": add }))).await?;
        Ok(())
    }

    pub async fn delete_stream_rules(&self, app_bearer: &str, ids: &[String]) -> Result<(), PlatformError> {
        let url = format!("{}/2/tweets/search/stream/rules", self.base);
        let body = serde_json::json!({ "delete": { "ids": ids } });
        self.send(self.http.post(url).bearer_auth(app_bearer).json(&body)).await?;
        Ok(())
    }

    /// Opens the stream. The response's body is read chunk by chunk by the
    /// caller (with its own stall timer).
    pub async fn connect_stream(
        &self,
        streaming: &reqwest::Client,
        app_bearer: &str,
        backfill_minutes: u8,
    ) -> Result<reqwest::Response, PlatformError> {
        let mut query = vec![
            ("tweet.fields", super::client::TWEET_FIELDS.to_owned()),
            ("expansions", super::client::EXPANSIONS.to_owned()),
            ("user.fields", "username,name".to_owned()),
            ("media.fields", super::client::MEDIA_FIELDS.to_owned()),
        ];
        if backfill_minutes > 0 {
            query.push(("backfill_minutes", backfill_minutes.min(5).to_string()));
        }
        let url = format!("{}/2/tweets/search/stream", self.base);
        let resp = streaming
            .get(url)
            .bearer_auth(app_bearer)
            .query(&query)
            .send()
            .await
            .map_err(|e| crate::network("x", e))?;
        let status = resp.status().as_u16();
        if status == 200 {
            return Ok(resp);
        }
        let rate = crate::RateLimit::from_headers(resp.headers());
        let body = resp.text().await.unwrap_or_default();
        Err(super::classify(status, &rate, &body))
    }
}

impl StreamMessage {
    /// The in-band error's words, if this line is one.
    pub fn disconnect(&self) -> Option<String> {
        self.errors.first().map(|e| {
            let kind = e.disconnect_type.clone().unwrap_or_else(|| e.title.clone());
            match &e.detail {
                Some(d) => format!("{kind}: {d}"),
                None => kind,
            }
        })
    }
}

/// X's error body for a failed connection, for the operator's log.
pub fn problem_words(body: &str) -> String {
    serde_json::from_str::<Problem>(body).map(|p| p.words()).unwrap_or_else(|_| body.chars().take(200).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_lines_keepalives_and_keeps_partial_lines() {
        let mut f = Framer::default();
        assert_eq!(f.push(b"\r\n{\"data\":"), Ok(vec![Frame::KeepAlive]));
        assert_eq!(f.push(b"{\"id\":\"1\"}}\r\n\r"), Ok(vec![Frame::Line(b"{\"data\":{\"id\":\"1\"}}".to_vec())]));
        assert_eq!(f.push(b"\n"), Ok(vec![Frame::KeepAlive]));
        // A bare \n is not a frame end on this stream.
        assert!(f.push(b"{\"data\":{}}\n").unwrap().is_empty());
    }

    #[test]
    fn an_endless_line_is_refused_and_forgotten() {
        let mut f = Framer::default();
        let chunk = vec![b'x'; 64 * 1024];
        let mut refused = false;
        for _ in 0..(MAX_LINE_BYTES / chunk.len() + 1) {
            match f.push(&chunk) {
                Ok(frames) => assert!(frames.is_empty()),
                Err(LineTooLong) => refused = true,
            }
        }
        assert!(refused, "a line past the cap must be refused");
        // After the refusal the framer starts clean.
        assert_eq!(f.push(b"{}\r\n"), Ok(vec![Frame::Line(b"{}".to_vec())]));
    }

    #[test]
    fn reads_an_in_band_disconnect() {
        let line = r#"{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect","detail":"This stream has been disconnected upstream for operational reasons."}]}"#;
        let m: StreamMessage = serde_json::from_str(line).unwrap();
        assert!(m.data.is_none());
        assert!(m.disconnect().unwrap().starts_with("OperationalDisconnect: This stream"));
    }
}
