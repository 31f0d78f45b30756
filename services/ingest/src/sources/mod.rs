//! Platform sources: X mentions polling, the X Activity webhook and Meta
//! webhooks. Each turns the platform's wire format into a post draft and
//! hands it to the same archive-then-publish path as the replay file.

pub mod checkpoints;
pub mod meta_webhook;
pub mod x_poll;
pub mod x_reconnect;
pub mod x_search;
pub mod x_stream;
pub mod x_webhook;
pub mod youtube_poll;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use tvarit_registry::Registry;

use crate::accept::{Acceptor, Outcome};
use crate::post_input::{Draft, build_post};

/// Why one poll of a platform source failed.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Platform(#[from] tvarit_platforms::PlatformError),
    #[error("storing posts: {0}")]
    Accept(#[from] crate::accept::AcceptError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] sqlx::Error),
    #[error("account {0} has no platform_id (the channel id, UC…)")]
    NoChannel(String),
}

/// What the platform webhooks share. A missing secret refuses that route.
pub struct SourceState {
    pub acceptor: Acceptor,
    pub registry: Registry,
    pub x_consumer_secret: Option<SecretString>,
    pub meta_app_secret: Option<SecretString>,
    pub meta_verify_token: Option<SecretString>,
    /// Reads Instagram @mentions back (Graph API and the accounts' tokens).
    pub instagram: Option<InstagramReader>,
}

/// The Graph API client and the Instagram accounts' tokens
/// (`TVARIT_META_PAGE_TOKEN_<HANDLE>`, as reply reads them).
pub struct InstagramReader {
    pub client: tvarit_platforms::meta::MetaClient,
    pub tokens: std::collections::HashMap<String, SecretString>,
}

impl InstagramReader {
    /// Tokens of the registry's Instagram accounts; `None` when there are none.
    pub fn from_env(registry: &Registry, graph_base: &str) -> Result<Option<Self>, tvarit_config::SecretError> {
        let mut tokens = std::collections::HashMap::new();
        for a in registry.accounts().filter(|a| a.platform == "instagram") {
            let key = a.handle.trim_start_matches('@').to_uppercase();
            if let Some(t) = tvarit_config::read_secret(&format!("TVARIT_META_PAGE_TOKEN_{key}"))? {
                tokens.insert(a.handle.to_lowercase(), t);
            }
        }
        let client = tvarit_platforms::meta::MetaClient::new(tvarit_platforms::http_client(), graph_base);
        Ok((!tokens.is_empty()).then_some(Self { client, tokens }))
    }

    pub fn token(&self, handle: &str) -> Option<&SecretString> {
        self.tokens.get(&handle.to_lowercase())
    }
}

impl SourceState {
    /// Builds, stores and publishes the drafts of one delivery; answers 200
    /// only once every post is acknowledged (the platform retries otherwise).
    pub async fn accept_drafts(&self, drafts: Vec<Draft>, source: &'static str) -> Response {
        let now = chrono::Utc::now();
        let mut posts = Vec::with_capacity(drafts.len());
        for d in drafts {
            let id = d.post_id.clone();
            match build_post(d, &self.registry, now, source) {
                Ok(p) => posts.push(p),
                Err(e) => {
                    tracing::info!(source, post_id = %id, error = %e, "post in delivery skipped");
                    metrics::counter!("tvarit_ingest_rejected_total", "reason" => "invalid").increment(1);
                }
            }
        }
        match self.acceptor.accept(&posts).await {
            Ok(outcomes) => {
                let new = outcomes.iter().filter(|o| **o == Outcome::New).count();
                let body = serde_json::json!({ "accepted": posts.len(), "new": new });
                (StatusCode::OK, axum::Json(body)).into_response()
            }
            Err(e) => {
                tracing::warn!(source, error = %e, "cannot accept delivery now");
                (StatusCode::SERVICE_UNAVAILABLE, axum::Json(serde_json::json!({ "error": "unavailable" })))
                    .into_response()
            }
        }
    }
}
