//! tvarit-sim: the public and the platforms, simulated. It serves the X API
//! v2 endpoints Tvarit's adapters call (mentions, filtered stream and its
//! rules, `POST /2/tweets`, post and user lookup, recent search, the OAuth
//! 2.0 token endpoint), checking every query parameter as X does; delivers
//! X Activity and Meta Page webhooks with real signatures (direct messages
//! too), answers Graph API comment replies and direct messages, serves YouTube comment threads and replies within a
//! daily quota, plays a corpus of posts at a chosen pace, injects faults,
//! and records every reply.
//!
//! Written from the platforms' documents (../shared/PLATFORMS.md and X's
//! OpenAPI contract), never from Tvarit's own platform client code, so a
//! misreading on either side shows up in the tests.

pub mod config;
pub mod delivery;
pub mod dm;
pub mod faults;
pub mod google_oauth;
pub mod instagram;
pub mod instagram_mentions;
pub mod media;
pub mod meta;
pub mod meta_feed;
pub mod meta_graph;
pub mod meta_token;
pub mod public;
pub mod report;
pub mod rule_expr;
pub mod state;
pub mod x_http;
pub mod x_json;
pub mod x_lookup;
pub mod x_mentions;
pub mod x_oauth;
pub mod x_oauth1;
pub mod x_params;
pub mod x_rules;
pub mod x_search;
pub mod x_stream;
pub mod x_tokens;
pub mod x_tweets;
pub mod x_users;
pub mod x_webhook;
pub mod youtube;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::{Router, middleware};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::SimConfig;
pub use report::Summary;
pub use state::Sim;

pub fn router(sim: Arc<Sim>) -> Router {
    // `/{version}/…` would also catch two-segment X paths (`/2/users`);
    // the guard lets only `/v19.0/…` through to Meta.
    let graph = Router::new()
        .route("/{version}/{object_id}/comments", post(meta_graph::comment))
        .route("/{version}/{object_id}/replies", get(instagram::replies).post(instagram::reply))
        .route("/{version}/{object_id}/messages", post(dm::meta_send))
        .route("/{version}/{object_id}/mentions", post(instagram_mentions::reply))
        .route("/{version}/{object_id}/feed", get(meta_feed::feed).post(meta_feed::create))
        .route("/{version}/{object_id}", get(meta_feed::object))
        .route_layer(middleware::from_fn(meta_graph::versioned_only));
    let youtube = Router::new()
        .route("/youtube/v3/commentThreads", get(youtube::comment_threads))
        .route("/youtube/v3/comments", get(youtube::list_comments).post(youtube::insert_comment))
        .route_layer(middleware::from_fn_with_state(sim.clone(), youtube::bill_refusals));
    Router::new()
        .route("/2/users", get(x_users::by_ids))
        .route("/2/users/me", get(x_users::me))
        .route("/2/users/by", get(x_users::by_usernames))
        .route("/2/users/by/username/{username}", get(x_users::by_username))
        .route("/2/users/{id}", get(x_users::by_id))
        .route("/2/users/{id}/mentions", get(x_mentions::mentions))
        .route("/2/users/{id}/tweets", get(x_mentions::user_posts))
        .route("/2/tweets", get(x_lookup::lookup).post(x_tweets::create))
        .route("/2/tweets/{id}", get(x_lookup::by_id))
        .route("/2/tweets/search/recent", get(x_search::recent))
        .route("/2/tweets/search/stream", get(x_stream::stream))
        .route("/2/tweets/search/stream/rules", get(x_rules::get_rules).post(x_rules::post_rules))
        .route("/2/dm_events", get(dm::x_all_events))
        .route("/2/dm_conversations/with/{participant_id}/messages", post(dm::x_create))
        .route("/2/dm_conversations/with/{participant_id}/dm_events", get(dm::x_events))
        .route("/2/oauth2/token", post(x_oauth::token))
        .route("/i/oauth2/authorize", get(x_oauth::authorize))
        .route("/o/oauth2/v2/auth", get(google_oauth::authorize))
        .route("/token", post(google_oauth::token))
        // Every route above is X's (and Google's token pages, which get no
        // OAuth 1.0a header): signatures are checked before a handler runs.
        .route_layer(middleware::from_fn_with_state(sim.clone(), x_oauth1::verify))
        .merge(graph)
        .merge(youtube)
        .route("/sim/youtube/quota", get(youtube::quota))
        .route("/sim/healthz", get(report::healthz))
        .route("/sim/replies", get(report::replies))
        .route("/sim/published", get(report::published))
        .route("/sim/engagement", post(report::set_engagement))
        .route("/sim/posts", get(report::posts).post(report::inject))
        .route("/sim/messages", get(dm::list).post(dm::inject))
        .route("/sim/media/{file}", get(media::file))
        .route("/sim/summary", get(report::summary_now))
        .route("/sim/faults", get(faults::get_faults).post(faults::post_faults))
        .route("/sim/x/expire_tokens", post(x_oauth::expire_tokens))
        .route("/sim/google/expire_tokens", post(google_oauth::expire_tokens))
        .route("/sim/google/revoke", post(google_oauth::revoke))
        .route("/sim/meta/invalidate_token", post(meta_token::invalidate))
        .route("/sim/webhooks/x/crc", post(x_webhook::crc_now))
        .route("/sim/webhooks/meta/verify", post(meta::verify_now))
        .fallback(x_http::unserved)
        .method_not_allowed_fallback(x_http::wrong_method)
        .with_state(sim)
}

/// Where receivers fetch what the sim serves (media files): `--public-url`,
/// else the bound address.
fn config_base(sim: &Sim, addr: std::net::SocketAddr) -> String {
    sim.cfg.public_url.clone().unwrap_or_else(|| format!("http://{addr}")).trim_end_matches('/').to_owned()
}

/// Serves until `shutdown` is cancelled; returns what reached the public.
pub async fn run(config: SimConfig, listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<Summary> {
    let hooks = config.x_webhook.is_some() || config.meta_webhook.is_some();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let sim = Sim::new(config, hooks.then_some(tx), shutdown.clone());
    let addr = listener.local_addr()?;
    let _ = sim.base_url.set(config_base(&sim, addr));
    let worker = tokio::spawn(delivery::worker(sim.clone(), rx));
    let player = tokio::spawn(public::play(sim.clone()));
    tracing::info!(%addr, accounts = sim.cfg.accounts.len(), corpus = sim.cfg.corpus.len(), "sim serving");
    axum::serve(listener, router(sim.clone())).with_graceful_shutdown(shutdown.clone().cancelled_owned()).await?;
    shutdown.cancel();
    let _ = player.await;
    let _ = worker.await;
    Ok(report::summary(&sim))
}
