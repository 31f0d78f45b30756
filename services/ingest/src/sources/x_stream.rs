//! X's filtered stream: rules kept in sync with the registry
//! (`@handle -is:retweet` per account with the `stream` source), one
//! connection, stall detection, X's reconnect back-offs, and
//! `backfill_minutes` after a short drop so posts sent meanwhile are not
//! lost (their repeats are deduplicated).

use secrecy::{ExposeSecret, SecretString};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use tvarit_backoff::Backoff;
use tvarit_platforms::PlatformError;
use tvarit_platforms::x::XClient;
use tvarit_platforms::x::stream::{Frame, Framer, Rule, StreamMessage};
use tvarit_platforms::x::types::Timeline;
use tvarit_proto::v1::Post;
use tvarit_registry::{Registry, UnitKind};

use super::x_reconnect::{Failure, Reconnect};
use crate::accept::Acceptor;
use crate::post_input::{InputError, build_post, build_untagged};

pub const SOURCE: &str = "x-stream";
/// X sends a keep-alive at least every 20 s; silence longer than this is a stall.
const STALL: Duration = Duration::from_secs(21);
/// Storing a streamed post is retried until it holds (the stream does not
/// wait for us forever, but dropping the post would lose it): 200 ms
/// doubling to 5 s.
const STORE_RETRY: Backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));

pub struct XStream {
    pub client: XClient,
    pub streaming: reqwest::Client,
    pub app_bearer: SecretString,
    pub acceptor: Acceptor,
    pub registry: Registry,
    pub stall: Duration,
    /// Also watch each district's names (posts that tag nobody).
    pub watch: bool,
}

/// Words that make a post about a place a post for the police.
const POLICE_WORDS: &str = "police OR पुलिस OR thana OR थाना OR FIR OR चोरी OR chori";
/// X's rule length limit (standard access).
const MAX_RULE_CHARS: usize = 512;
/// Tags of watch rules are `watch:<unit>`.
pub const WATCH_TAG: &str = "watch:";

/// The rules the registry asks for: one per account with the `stream`
/// source and, with `watch`, one per district for its watch terms.
pub fn desired_rules(registry: &Registry, watch: bool) -> Vec<Rule> {
    let mut rules: Vec<Rule> = registry
        .accounts()
        .filter(|a| a.platform == "x" && a.has_source("stream"))
        .map(|a| Rule {
            id: String::new(),
            value: format!("{} -is:retweet", a.handle),
            tag: a.handle.trim_start_matches('@').to_lowercase(),
        })
        .collect();
    rules.sort_by(|a, b| a.tag.cmp(&b.tag));
    if watch && !rules.is_empty() {
        rules.extend(watch_rules(registry));
    }
    rules
}

/// Each district's watch query, tagged `watch:<unit>` (also recent search's).
pub fn watch_rules(registry: &Registry) -> Vec<Rule> {
    registry.units().iter().filter(|u| u.kind == UnitKind::District).filter_map(watch_rule).collect()
}

/// `(Balotra OR बालोतरा OR ...) (police OR पुलिस OR ...) -is:retweet`.
fn watch_rule(unit: &tvarit_registry::Unit) -> Option<Rule> {
    let quote = |t: &str| {
        let t = t.replace('-', " ");
        if t.contains(' ') { format!("\"{t}\"") } else { t }
    };
    let mut places: Vec<String> = Vec::new();
    for term in [&unit.name, &unit.name_hi].into_iter().chain(&unit.watch_terms) {
        let q = quote(term.trim());
        if q.is_empty() || places.contains(&q) {
            continue;
        }
        let candidate = format!("({} OR {q}) ({POLICE_WORDS}) -is:retweet", places.join(" OR "));
        if candidate.chars().count() > MAX_RULE_CHARS {
            break;
        }
        places.push(q);
    }
    (!places.is_empty()).then(|| Rule {
        id: String::new(),
        value: format!("({}) ({POLICE_WORDS}) -is:retweet", places.join(" OR ")),
        tag: format!("{WATCH_TAG}{}", unit.slug),
    })
}

impl XStream {
    pub fn new(client: XClient, app_bearer: SecretString, acceptor: Acceptor, registry: Registry) -> Self {
        let streaming = tvarit_platforms::streaming_client();
        Self { client, streaming, app_bearer, acceptor, registry, stall: STALL, watch: true }
    }

    /// Adds missing rules and deletes ones the registry no longer asks for.
    pub async fn sync_rules(&self) -> Result<(), PlatformError> {
        let want = desired_rules(&self.registry, self.watch);
        let have = self.client.stream_rules(self.app_bearer.expose_secret()).await?;
        let stale: Vec<String> =
            have.iter().filter(|h| !want.iter().any(|w| w.value == h.value)).map(|h| h.id.clone()).collect();
        let missing: Vec<Rule> = want.into_iter().filter(|w| !have.iter().any(|h| h.value == w.value)).collect();
        if !stale.is_empty() {
            self.client.delete_stream_rules(self.app_bearer.expose_secret(), &stale).await?;
        }
        if !missing.is_empty() {
            self.client.add_stream_rules(self.app_bearer.expose_secret(), &missing).await?;
        }
        tracing::info!(added = missing.len(), deleted = stale.len(), "x stream rules in sync");
        Ok(())
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Reconnect::default();
        let mut rules_synced = false;
        // When the last connection ended, to backfill what was missed.
        let mut dropped_at: Option<Instant> = None;
        while !shutdown.is_cancelled() {
            if !rules_synced {
                match self.sync_rules().await {
                    Ok(()) => rules_synced = true,
                    Err(e) => tracing::warn!(error = %e, "syncing x stream rules; will retry"),
                }
            }
            // X keeps at most 5 minutes for backfill; round the gap up.
            let backfill = dropped_at.map_or(0, |t| (t.elapsed().as_secs() / 60 + 1).min(5) as u8);
            let failure =
                match self.client.connect_stream(&self.streaming, self.app_bearer.expose_secret(), backfill).await {
                    Ok(resp) => {
                        backoff.connected();
                        tracing::info!(backfill_minutes = backfill, "x stream connected");
                        let failure = self.read(resp, &shutdown).await;
                        dropped_at = Some(Instant::now());
                        failure
                    }
                    Err(PlatformError::Retryable { detail, .. }) if detail.starts_with("network") => {
                        tracing::warn!(%detail, "x stream connect failed");
                        Failure::Network
                    }
                    Err(PlatformError::Retryable { detail, .. }) if detail.starts_with("rate limited") => {
                        tracing::warn!(%detail, "x stream refused: too many connections");
                        Failure::TooMany
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "x stream refused");
                        Failure::Http
                    }
                };
            metrics::counter!("tvarit_ingest_stream_reconnects_total", "reason" => format!("{failure:?}")).increment(1);
            let wait = backoff.next(failure);
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Reads until the connection ends; returns why it ended.
    async fn read(&self, mut resp: reqwest::Response, shutdown: &CancellationToken) -> Failure {
        let mut framer = Framer::default();
        loop {
            let chunk = tokio::select! {
                _ = shutdown.cancelled() => return Failure::Dropped,
                c = tokio::time::timeout(self.stall, resp.chunk()) => c,
            };
            let bytes = match chunk {
                Err(_) => {
                    tracing::warn!(seconds = self.stall.as_secs(), "x stream stalled; reconnecting");
                    return Failure::Network;
                }
                Ok(Ok(None)) => return Failure::Dropped,
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "x stream read failed");
                    return Failure::Network;
                }
                Ok(Ok(Some(b))) => b,
            };
            let frames = match framer.push(&bytes) {
                Ok(frames) => frames,
                Err(e) => {
                    tracing::warn!(error = %e, "x stream sent an endless line; reconnecting");
                    metrics::counter!("tvarit_ingest_rejected_total", "reason" => "stream_line_too_long").increment(1);
                    return Failure::Network;
                }
            };
            for frame in frames {
                if let Frame::Line(line) = frame
                    && let Some(goodbye) = self.handle_line(&line).await
                {
                    tracing::warn!(%goodbye, "x stream disconnected in band");
                    return Failure::Dropped;
                }
            }
        }
    }

    /// Stores the post on one line; returns the in-band error if the line is one.
    async fn handle_line(&self, line: &[u8]) -> Option<String> {
        let (post_id, built) = match read_line(line, &self.registry, chrono::Utc::now()) {
            StreamLine::Unreadable(e) => {
                tracing::warn!(error = %e, bytes = line.len(), "unreadable x stream line dropped");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "malformed_stream_line").increment(1);
                return None;
            }
            StreamLine::Disconnect(goodbye) => return Some(goodbye),
            StreamLine::Skip => return None,
            StreamLine::Post { post_id, built } => (post_id, built),
        };
        match *built {
            Ok(post) => {
                // Acknowledged before the next line is read: a crash loses
                // nothing that the backfill after reconnecting cannot bring back.
                let mut attempt = 0u32;
                while let Err(e) = self.acceptor.accept(std::slice::from_ref(&post)).await {
                    tracing::warn!(error = %e, "storing a streamed post; retrying");
                    attempt = attempt.saturating_add(1);
                    tokio::time::sleep(STORE_RETRY.delay(attempt)).await;
                }
            }
            Err(e) => {
                tracing::info!(%post_id, error = %e, "streamed post skipped");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "invalid").increment(1);
            }
        }
        None
    }
}

/// What one line of the stream holds.
#[derive(Debug)]
pub enum StreamLine {
    Unreadable(serde_json::Error),
    /// X's in-band error: the connection is about to close.
    Disconnect(String),
    /// No post, or one of our own accounts' posts.
    Skip,
    Post {
        post_id: String,
        built: Box<Result<Post, InputError>>,
    },
}

/// Reads one line of the stream (without its `\r\n`) into a post routed
/// as `handle_line` stores it.
pub fn read_line(line: &[u8], registry: &Registry, now: chrono::DateTime<chrono::Utc>) -> StreamLine {
    let msg: StreamMessage = match serde_json::from_slice(line) {
        Ok(m) => m,
        Err(e) => return StreamLine::Unreadable(e),
    };
    if let Some(goodbye) = msg.disconnect() {
        return StreamLine::Disconnect(goodbye);
    }
    let Some(tweet) = msg.data else { return StreamLine::Skip };
    let timeline = Timeline { data: Vec::new(), includes: msg.includes, meta: Default::default() };
    let draft = super::x_poll::draft(&timeline, &tweet);
    if draft.author.as_ref().is_some_and(|a| registry.account(&a.handle).is_some()) {
        return StreamLine::Skip;
    }
    let watched = msg.matching_rules.iter().find_map(|r| r.tag.strip_prefix(WATCH_TAG));
    let built = match watched {
        Some(unit) if registry.addressed_account(draft.mentions.iter().map(String::as_str)).is_none() => {
            build_untagged(draft, registry, unit, now, SOURCE)
        }
        _ => build_post(draft, registry, now, SOURCE),
    };
    StreamLine::Post { post_id: tweet.id, built: Box::new(built) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_rules_name_each_district_in_both_scripts() {
        let rules = desired_rules(&Registry::rajasthan(), true);
        assert!(rules.is_empty(), "no account streams in the compiled-in registry, so nothing is watched");
        let toml = format!(
            "{}\n[[accounts]]\nplatform = \"x\"\nhandle = \"@SP_Balotra\"\nunit = \"balotra\"\nsources = [\"stream\"]\n",
            tvarit_registry::RAJASTHAN_TOML.split("[[accounts]]").next().unwrap()
        );
        let rules = desired_rules(&Registry::from_toml(&toml).unwrap(), true);
        assert_eq!(rules[0].value, "@SP_Balotra -is:retweet");
        assert_eq!(rules.len(), 1 + 41);
        let sgn = rules.iter().find(|r| r.tag == "watch:sri-ganganagar").unwrap();
        assert!(sgn.value.starts_with("(\"Sri Ganganagar\" OR श्रीगंगानगर)"), "{}", sgn.value);
        assert!(rules.iter().all(|r| r.value.chars().count() <= MAX_RULE_CHARS));
        assert_eq!(desired_rules(&Registry::from_toml(&toml).unwrap(), false).len(), 1);
    }
}
