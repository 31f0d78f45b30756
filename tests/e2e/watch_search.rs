//! Watch terms by recent search, where no account streams: a post about
//! Balotra that tags nobody reaches Balotra's queue marked untagged; one
//! that also tags the account is one case, seen by both routes.

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{SETTLE, Sim, TestEnv, account_toml, authed, desk_client};
use tvarit_proto::v1::ListQueueRequest;

use crate::platforms::{APP_TOKEN, count, wait_count};

/// @SP_Balotra, polled for its mentions only (it streams nothing).
fn poll_only() -> String {
    account_toml("x", "@SP_Balotra", "balotra", "900000000000000003", &["poll"])
}

/// Every district searched once in this many seconds.
const ROUND_SECONDS: u64 = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_about_a_district_that_tags_nobody_is_found_by_recent_search() {
    let env = TestEnv::new().await;
    // Short windows: 41 districts searched every second stay within the sim's limits.
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--x-window-secs", "2"]).await;
    env.use_accounts(&poll_only());
    env.set_env("TVARIT_X_APP_BEARER", APP_TOKEN);
    env.set_env("TVARIT_INGEST_X_API_BASE", sim.url());
    env.set_env("TVARIT_INGEST_X_POLL_SECONDS", "1");
    env.set_env("TVARIT_INGEST_X_WATCH_SEARCH", "true");
    env.set_env("TVARIT_INGEST_X_WATCH_SEARCH_SECONDS", ROUND_SECONDS.to_string());
    env.set_env("TVARIT_INGEST_X_SEARCH_REQUESTS_PER_15_MIN", "100000");
    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    // Every district's search has its checkpoint, as has the mentions poll.
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints WHERE source = 'x-search'", 41).await;

    let author = json!({ "handle": "@trader_b", "name": "A Trader" });
    let about = "Balotra police station ke saamne se meri dukaan ka taala tod kar chori hui";
    sim.post(json!({ "text": about, "platform": "x", "author": author })).await;
    sim.post(json!({ "text": "Jodhpur mein aaj mausam accha hai", "platform": "x", "author": author })).await;
    let tagged = "@SP_Balotra Balotra police: bus stand par jebkatre, koi pakad nahi raha";
    sim.post(json!({ "text": tagged, "platform": "x", "author": { "handle": "@rider_c" } })).await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 2).await;
    // Nothing more arrives once every district was searched again after the posts.
    tokio::time::sleep(SETTLE + Duration::from_secs(ROUND_SECONDS)).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 2, "one case per post, nothing else matched");

    let token = env.operator("balotra-watch", "operator", "balotra");
    let queue = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
    let cases = desk_client(&running[2]).await.list_queue(queue).await.unwrap().into_inner().cases;
    let post = |text: &str| cases.iter().find_map(|c| c.post.clone().filter(|p| p.text == text)).unwrap();
    let (untagged, mention) = (post(about), post(tagged));
    assert!(untagged.untagged && untagged.account.is_empty(), "{untagged:?}");
    assert_eq!(untagged.source, "x-search");
    assert!(!mention.untagged, "a post that tags the account is the account's: {mention:?}");
    assert_eq!(mention.account, "@SP_Balotra");
    env.cleanup(running).await;
}
