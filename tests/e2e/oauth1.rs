//! An X account connected with OAuth 1.0a keys (the app's consumer key and
//! secret, the account's access token and secret) replies, and after a
//! kill -9 between the post and its record looks the reply up before sending
//! again: every request signed, and checked by the sim's own RFC 5849
//! verifier (a POST with a JSON body, a GET with query parameters).

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{SETTLE, Service, Sim, TestEnv, authed, desk_client, eventually};
use tvarit_proto::v1::ReplyRequest;

use crate::platforms::{APP_TOKEN, balotra_cases, kill9_reply, poll_from, wait_count, wait_sent, x_post};

const KEYS: &str = "tvarit-ck:tvarit-cs:900000000000000003-balotra:balotra-ts";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oauth1_account_replies_once_with_signed_requests() {
    let env = TestEnv::new().await;
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--x-oauth1", KEYS]).await;
    poll_from(&env, &sim);
    for (k, v) in [
        ("TVARIT_X_CONSUMER_KEY", "tvarit-ck"),
        ("TVARIT_X_CONSUMER_SECRET", "tvarit-cs"),
        ("TVARIT_X_ACCESS_TOKEN_SP_BALOTRA", "900000000000000003-balotra"),
        ("TVARIT_X_ACCESS_TOKEN_SECRET_SP_BALOTRA", "balotra-ts"),
        ("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2"),
    ] {
        env.set_env(k, v);
    }
    env.set_env("TVARIT_REPLY_X_API_BASE", sim.url());
    let mut running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;
    sim.post(x_post("@SP_Balotra Balotra station road par street light band hai, andhera rehta hai")).await;
    let db = env.schema_pool("reply").await;
    wait_count(&db, "SELECT count(*) FROM cases", 1).await;
    let token = env.operator("balotra-oauth1", "operator", "balotra");
    let mut desk = desk_client(&running[2]).await;
    let case = balotra_cases(&desk, &token).await.remove(0);
    let post_id = case.post.as_ref().unwrap().post_id.clone();

    // Killed after X has the reply: recovery reads the account's posts (a
    // signed GET with query parameters) and records it, not posting again.
    sim.faults(json!({ "slow_after_create_ms": 4000 })).await;
    let text = "Balotra Police: nagar parishad ko soochit kar diya gaya hai.";
    desk.reply(authed(&token, ReplyRequest { docket: case.docket.clone(), text: text.into(), private: false }))
        .await
        .unwrap();
    let on_x = || async { sim.replies().await.iter().filter(|r| r["in_reply_to"] == post_id.as_str()).count() };
    eventually(Duration::from_secs(20), "the reply on X", || async { (on_x().await == 1).then_some(()) }).await;
    kill9_reply(&mut running, &sim).await;
    running.insert(2, env.start(Service::Reply).await);
    let desk = desk_client(&running[2]).await;
    wait_sent(&desk, &token, &case.docket).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(on_x().await, 1, "posted once");
    env.cleanup(running).await;
}
