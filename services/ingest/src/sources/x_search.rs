//! Watch terms by recent search: where no X account streams (the filtered
//! stream needs a higher access tier than most units have), each district's
//! watch query (`x_stream::watch_rules`, the same words) is polled on
//! `GET /2/tweets/search/recent`, one district after another, so that posts
//! about a district that tag none of our accounts are still seen. They go to
//! the district's queue marked untagged; a post that does tag an account is
//! routed as mentions are (and is one post with its mention, by identity).
//! Checkpointed per district like mentions (`since_id`, with the overlap for
//! late-indexed posts), starting at the newest match on first start.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::PlatformError;
use tvarit_platforms::x::XClient;
use tvarit_platforms::x::stream::Rule;
use tvarit_platforms::x::types::{Timeline, Tweet};
use tvarit_proto::v1::Post;
use tvarit_registry::Registry;

use super::PollError;
use super::x_poll::{Checkpointed, draft};
use super::x_stream::WATCH_TAG;
use crate::accept::Acceptor;
use crate::post_input::{build_post, build_untagged};

pub const SOURCE: &str = "x-search";
/// Pages read per query and poll (100 posts each).
const MAX_PAGES: usize = 5;

pub struct XSearchWatch {
    pub client: XClient,
    pub app_bearer: SecretString,
    pub pool: PgPool,
    pub acceptor: Acceptor,
    pub registry: Registry,
    /// Time to go round every district once.
    pub round: Duration,
    /// The app's recent-search allowance (X: 60 on Basic, 450 on Pro).
    pub requests_per_15_min: u32,
    pub overlap: chrono::Duration,
}

/// The shortest round that keeps `queries` polls within 80 % of the app's
/// recent-search allowance (a page each).
pub fn shortest_round(queries: usize, requests_per_15_min: u32) -> Duration {
    Duration::from_secs_f64(queries as f64 * 900.0 / (f64::from(requests_per_15_min.max(1)) * 0.8))
}

impl XSearchWatch {
    pub async fn run(self, shutdown: CancellationToken) {
        let rules = super::x_stream::watch_rules(&self.registry);
        if rules.is_empty() {
            return;
        }
        let round = self.round.max(shortest_round(rules.len(), self.requests_per_15_min));
        let gap = round / rules.len() as u32;
        tracing::info!(
            districts = rules.len(),
            round_seconds = round.as_secs(),
            "watching districts by x recent search"
        );
        loop {
            for rule in &rules {
                let wait = match self.poll_once(rule, Utc::now()).await {
                    Ok(_) => gap,
                    Err(PollError::Platform(PlatformError::Retryable { retry_after, detail, .. })) => {
                        tracing::warn!(tag = %rule.tag, %detail, "x recent search deferred");
                        metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "retryable")
                            .increment(1);
                        retry_after.unwrap_or(gap).max(gap)
                    }
                    Err(e) => {
                        tracing::error!(tag = %rule.tag, error = %e, "x recent search failed");
                        metrics::counter!("tvarit_ingest_poll_errors_total", "source" => SOURCE, "kind" => "failed")
                            .increment(1);
                        gap * 4
                    }
                };
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }

    /// One district's search; returns how many posts were new.
    pub async fn poll_once(&self, rule: &Rule, now: DateTime<Utc>) -> Result<usize, PollError> {
        let unit = rule.tag.strip_prefix(WATCH_TAG).unwrap_or(&rule.tag);
        let store = Checkpointed { pool: &self.pool, acceptor: &self.acceptor, source: SOURCE, key: &rule.tag };
        let fetch = |since: Option<String>, token: Option<String>, max: u8| {
            let (client, bearer, query) = (&self.client, self.app_bearer.expose_secret(), &rule.value);
            async move { client.search_recent(bearer, query, since.as_deref(), token.as_deref(), max).await }
        };
        store
            .poll(now, self.overlap, MAX_PAGES, 10, fetch, |posts, timeline, t| {
                self.push(posts, timeline, t, unit, now)
            })
            .await
    }

    fn push(&self, posts: &mut Vec<Post>, timeline: &Timeline, t: &Tweet, unit: &str, now: DateTime<Utc>) {
        let d = draft(timeline, t);
        // Our own posts (replies that name the district) are not the public's.
        if d.author.as_ref().is_some_and(|a| self.registry.account(&a.handle).is_some()) {
            return;
        }
        let tagged = self.registry.addressed_account(d.mentions.iter().map(String::as_str)).is_some();
        let built = if tagged {
            build_post(d, &self.registry, now, SOURCE)
        } else {
            build_untagged(d, &self.registry, unit, now, SOURCE)
        };
        match built {
            Ok(p) => posts.push(p),
            Err(e) => {
                tracing::warn!(post_id = %t.id, error = %e, "x search result skipped");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "invalid").increment(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_keeps_within_the_apps_search_budget() {
        // 41 districts, a request each per round, at most 80 % of the allowance.
        assert_eq!(shortest_round(41, 450).as_secs(), 102);
        assert_eq!(shortest_round(41, 60).as_secs(), 768);
        let per_15_min = |round: Duration| 41.0 * 900.0 / round.as_secs_f64();
        assert!(per_15_min(shortest_round(41, 60)) <= 48.0 + 0.01);
    }
}
