//! X's filtered stream against `tvarit-sim`: rules synced from the
//! registry, posts delivered live, and nothing lost across a cut line, an
//! in-band disconnect or a stall (the reconnect backfills).

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{SETTLE, Service, Sim, TestEnv, account_toml, eventually};

use crate::platforms::{APP_TOKEN, count, wait_count, x_post};

/// @SP_Balotra, whose posts come by the filtered stream alone.
fn stream_only() -> String {
    account_toml("x", "@SP_Balotra", "balotra", "900000000000000003", &["stream"])
}

async fn metric(addr: std::net::SocketAddr, name: &str) -> f64 {
    let (_, text) = crate::metrics_http::get(addr, "/metrics").await;
    text.lines().filter(|l| l.starts_with(name)).filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok()).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_survives_cuts_disconnects_and_stalls() {
    let env = TestEnv::new().await;
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--keepalive-secs", "1"]).await;
    env.use_accounts(&stream_only());
    env.set_env("TVARIT_X_APP_BEARER", APP_TOKEN);
    env.set_env("TVARIT_INGEST_X_API_BASE", sim.url());
    env.set_env("TVARIT_INGEST_X_STREAM_STALL_SECONDS", "3");
    let running = env.start_all().await;
    let ingest = running.iter().find(|r| r.service == Service::Ingest).unwrap();
    let reply_db = env.schema_pool("reply").await;

    // The rule the registry asks for is on X, and posts arrive live.
    eventually(Duration::from_secs(20), "the first streamed post", || async {
        sim.post(x_post("@SP_Balotra stream check: mobile snatched near the bus stand")).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        (count(&reply_db, "SELECT count(*) FROM cases").await >= 1).then_some(())
    })
    .await;
    // Ingest records the post's lag from X where it accepts it (Grafana's
    // ingest-lag panels read this series; metrics no longer re-reads posts).
    let lagged = metric(ingest.http_addr, "tvarit_ingest_lag_seconds_count{unit=\"balotra\"}").await;
    assert!(lagged >= 1.0, "ingest-lag histogram from ingest: {lagged}");
    let first = count(&reply_db, "SELECT count(*) FROM cases").await;

    // A line cut mid-JSON, the connection closed: the backfill brings it back.
    sim.faults(json!({ "truncate_next_lines": 1 })).await;
    sim.post(x_post("@SP_Balotra this post's line is cut off: illegal mining at night")).await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", first + 1).await;

    // X says goodbye in band: reconnect at once, nothing missed.
    sim.faults(json!({ "stream_disconnect_now": true })).await;
    sim.post(x_post("@SP_Balotra after the disconnect: a fight near the temple")).await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", first + 2).await;

    // Silence: the stall is noticed, the stream reopened and backfilled.
    let before = metric(ingest.http_addr, "tvarit_ingest_stream_reconnects_total{reason=\"Network\"}").await;
    sim.faults(json!({ "stream_stall": true })).await;
    sim.post(x_post("@SP_Balotra sent during the stall: cattle stolen from the farm")).await;
    eventually(Duration::from_secs(20), "a reconnect after the stall", || async {
        let now = metric(ingest.http_addr, "tvarit_ingest_stream_reconnects_total{reason=\"Network\"}").await;
        (now > before).then_some(())
    })
    .await;
    sim.faults(json!({ "stream_stall": false })).await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", first + 3).await;

    tokio::time::sleep(SETTLE).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, first + 3);
    assert_eq!(env.stream_messages("INGESTED").await as i64, first + 3, "backfilled repeats are not republished");
    env.cleanup(running).await;
}

/// A post about a district that tags nobody is seen through the district's
/// watch terms, queued there marked untagged, and left out of the ranking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untagged_posts_about_a_district_are_seen_but_not_ranked() {
    use tvarit_e2e::{authed, desk_client};
    use tvarit_proto::v1::{LeaderboardRequest, ListQueueRequest, ReplyRequest};
    let env = TestEnv::new().await;
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--keepalive-secs", "1"]).await;
    env.use_accounts(&stream_only());
    env.set_env("TVARIT_X_APP_BEARER", APP_TOKEN);
    env.set_env("TVARIT_INGEST_X_API_BASE", sim.url());
    let running = env.start_all().await;
    let reply_db = env.schema_pool("reply").await;
    eventually(Duration::from_secs(20), "the untagged post", || async {
        sim.post(x_post("Barmer me police thana FIR nahi likh raha, koi sunwai nahi")).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        (count(&reply_db, "SELECT count(*) FROM cases WHERE unit = 'barmer'").await >= 1).then_some(())
    })
    .await;
    let token = env.operator("hq", "hq", "*");
    let mut desk = desk_client(&running[2]).await;
    let req = authed(&token, ListQueueRequest { unit: "barmer".into(), all: false, limit: 0 });
    let case = desk.list_queue(req).await.unwrap().into_inner().cases.remove(0);
    let post = case.post.clone().unwrap();
    assert!(post.untagged, "marked untagged");
    assert_eq!(post.account, "");
    let replied = desk
        .reply(authed(
            &token,
            ReplyRequest { docket: case.docket.clone(), text: "Please DM your contact.".into(), private: false },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replied.reply_status, "manual", "X allows no reply to a post that does not mention us");

    let metrics = running.iter().find(|r| r.service == Service::Metrics).unwrap();
    let mut board = tvarit_e2e::metrics_client(metrics, &token).await;
    let month = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(19_800).unwrap()).format("%Y-%m");
    let metrics_db = env.schema_pool("metrics").await;
    wait_count(&metrics_db, "SELECT count(*) FROM case_facts WHERE untagged AND first_reply_at IS NOT NULL", 1).await;
    let rows = board.leaderboard(LeaderboardRequest { month: month.to_string() }).await.unwrap().into_inner();
    assert!(rows.rows.iter().all(|r| r.unit != "barmer"), "untagged posts are not ranked: {:?}", rows.rows);
    assert!(rows.exclusions.iter().any(|e| e.starts_with("untagged posts")));
    env.cleanup(running).await;
}
