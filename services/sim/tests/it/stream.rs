//! The filtered stream and its rules.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_sim::SimConfig;

use crate::support::*;

const RULES: &str = "/2/tweets/search/stream/rules";
const STREAM: &str = "/2/tweets/search/stream?expansions=author_id&tweet.fields=author_id";
const APP: &str = "app-token";
const WAIT: Duration = Duration::from_secs(5);

fn fast() -> SimConfig {
    SimConfig { keepalive: Duration::from_millis(300), ..SimConfig::default() }
}

async fn add_rules(addr: std::net::SocketAddr, rules: Value, query: &str) -> Resp {
    let auth = bearer(APP);
    let h = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    http(addr, "POST", &format!("{RULES}{query}"), &h, &json!({ "add": rules }).to_string()).await
}

#[tokio::test]
async fn rules_are_added_listed_validated_and_deleted() {
    let sim = spawn_sim(fast()).await;
    let auth = bearer(APP);
    let h = [("Authorization", auth.as_str()), ("Content-Type", "application/json")];
    // No rules yet: the stream refuses, rules list is empty.
    let s = StreamConn::open(sim.addr, STREAM, APP).await;
    assert_eq!(s.status, 409);
    let r = http(sim.addr, "GET", RULES, &h, "").await;
    assert_eq!(r.json()["meta"]["result_count"], 0);
    assert!(r.json().get("data").is_none());

    // dry_run validates without keeping.
    let r = add_rules(sim.addr, json!([{"value": "@SP_Balotra -is:retweet", "tag": "sp"}]), "?dry_run=true").await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["meta"]["summary"]["created"], 1);
    assert_eq!(http(sim.addr, "GET", RULES, &h, "").await.json()["meta"]["result_count"], 0);

    let r =
        add_rules(sim.addr, json!([{"value": "@SP_Balotra -is:retweet", "tag": "sp"}, {"value": "(a OR"}]), "").await;
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["meta"]["summary"], json!({"created": 1, "not_created": 1, "valid": 1, "invalid": 1}));
    assert_eq!(v["errors"][0]["title"], "Invalid Rule");
    let id = v["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(v["data"][0]["tag"], "sp");

    let r = add_rules(sim.addr, json!([{"value": "@SP_Balotra -is:retweet"}]), "").await;
    assert_eq!(r.json()["errors"][0]["title"], "DuplicateRule");
    assert_eq!(r.json()["errors"][0]["id"], id.as_str());

    let listed = http(sim.addr, "GET", RULES, &h, "").await.json();
    assert_eq!(listed["data"], json!([{"id": id, "value": "@SP_Balotra -is:retweet", "tag": "sp"}]));

    // Rules endpoints are app-only.
    let oauth = [("Authorization", r#"OAuth oauth_token="1-a", oauth_signature="s""#)];
    assert_eq!(http(sim.addr, "GET", RULES, &oauth, "").await.status, 403);

    let del = json!({"delete": {"ids": [id, "1234"]}}).to_string();
    let r = http(sim.addr, "POST", RULES, &h, &del).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["meta"]["summary"], json!({"deleted": 1, "not_deleted": 1}));
    // add and delete together is refused.
    let both = json!({"add": [{"value": "x"}], "delete": {"ids": ["1"]}}).to_string();
    assert_eq!(http(sim.addr, "POST", RULES, &h, &both).await.status, 400);
}

#[tokio::test]
async fn stream_frames_lines_sends_keepalives_and_matches_rules() {
    let sim = spawn_sim(fast()).await;
    let rules = json!([
        {"value": "@SP_Balotra -is:retweet", "tag": "sp_balotra"},
        {"value": "\"station road\" OR चोरी", "tag": "watch"},
    ]);
    assert_eq!(add_rules(sim.addr, rules, "").await.status, 201);
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    assert_eq!(s.status, 200);
    assert!(s.headers["content-type"].starts_with("application/json"));
    assert!(s.headers.contains_key("x-rate-limit-remaining"));
    // One connection per app.
    let second = StreamConn::open(sim.addr, STREAM, APP).await;
    assert_eq!(second.status, 429);
    let mut body = String::new();
    let mut second = second;
    while let Some(l) = second.next_line(WAIT).await {
        body.push_str(&String::from_utf8_lossy(&l));
    }
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["connection_issue"], "TooManyConnections");
    assert_eq!(v["type"], "https://api.twitter.com/2/problems/streaming-connection");

    // A keep-alive is a bare \r\n.
    assert_eq!(s.next_line(WAIT).await.unwrap(), b"\r\n");

    let a =
        inject(sim.addr, json!({"text": "@SP_Balotra डीजे", "author": {"id": "u9", "handle": "@ravi", "name": "Ravi"}}))
            .await;
    inject(sim.addr, json!({"text": "@jaipur_police nothing to see"})).await;
    let c = inject(sim.addr, json!({"text": "@jaipur_police bike stolen near Station Road"})).await;
    let mut keepalives = 0;
    let first = s.next_json(WAIT, &mut keepalives).await.unwrap();
    assert_eq!(first["data"]["id"], a["id"]);
    assert_eq!(first["data"]["text"], "@SP_Balotra डीजे");
    assert_eq!(first["matching_rules"][0]["tag"], "sp_balotra");
    assert!(first["matching_rules"][0]["id"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(
        first["includes"]["users"][0],
        json!({"id": first["data"]["author_id"], "name": "Ravi", "username": "ravi"})
    );
    let second = s.next_json(WAIT, &mut keepalives).await.unwrap();
    assert_eq!(second["data"]["id"], c["id"], "the unmatched post is not streamed");
    assert_eq!(second["matching_rules"], json!([{"id": second["matching_rules"][0]["id"], "tag": "watch"}]));
}

#[tokio::test]
async fn in_band_disconnect_then_backfill_on_reconnect() {
    let sim = spawn_sim(fast()).await;
    add_rules(sim.addr, json!([{"value": "@SP_Balotra"}]), "").await;
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    let p1 = inject(sim.addr, json!({"text": "@SP_Balotra first"})).await;
    let mut ka = 0;
    let first = s.next_json(WAIT, &mut ka).await.unwrap();
    assert_eq!(first["data"]["id"], p1["id"]);
    // An untagged rule matches with `"tag": ""`, as X sends it (tweepy indexes it).
    assert_eq!(first["matching_rules"][0]["tag"], "", "{first}");
    post_json(sim.addr, "/sim/faults", &json!({"stream_disconnect_now": true})).await;
    let e = s.next_json(WAIT, &mut ka).await.unwrap();
    assert_eq!(e["errors"][0]["title"], "operational-disconnect");
    assert_eq!(e["errors"][0]["disconnect_type"], "OperationalDisconnect");
    assert!(s.next_line(WAIT).await.is_none(), "the connection ends after the disconnect message");

    // Missed while away, then recovered with backfill_minutes.
    let p2 = inject(sim.addr, json!({"text": "@SP_Balotra while away"})).await;
    let mut s = StreamConn::open(sim.addr, &format!("{STREAM}&backfill_minutes=2"), APP).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.next_json(WAIT, &mut ka).await.unwrap()["data"]["id"], p1["id"]);
    assert_eq!(s.next_json(WAIT, &mut ka).await.unwrap()["data"]["id"], p2["id"]);
    let p3 = inject(sim.addr, json!({"text": "@SP_Balotra live again"})).await;
    assert_eq!(s.next_json(WAIT, &mut ka).await.unwrap()["data"]["id"], p3["id"]);
    drop(s);
    let bad = StreamConn::open(sim.addr, "/2/tweets/search/stream?backfill_minutes=6", APP).await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn a_truncated_line_ends_the_connection_mid_json() {
    let sim = spawn_sim(fast()).await;
    add_rules(sim.addr, json!([{"value": "@SP_Balotra"}]), "").await;
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    post_json(sim.addr, "/sim/faults", &json!({"truncate_next_lines": 1})).await;
    inject(sim.addr, json!({"text": "@SP_Balotra cut short"})).await;
    let mut last = None;
    while let Some(line) = s.next_line(WAIT).await {
        last = Some(line);
    }
    let last = last.unwrap();
    assert!(!last.ends_with(b"\r\n"));
    assert!(serde_json::from_slice::<Value>(&last).is_err());
    // The slot is free again and the next line is whole.
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    assert_eq!(s.status, 200);
    inject(sim.addr, json!({"text": "@SP_Balotra whole"})).await;
    let mut ka = 0;
    assert_eq!(s.next_json(WAIT, &mut ka).await.unwrap()["data"]["text"], "@SP_Balotra whole");
}

#[tokio::test]
async fn a_stalled_stream_goes_silent_until_released() {
    let sim = spawn_sim(fast()).await;
    add_rules(sim.addr, json!([{"value": "@SP_Balotra"}]), "").await;
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    assert_eq!(s.next_line(WAIT).await.unwrap(), b"\r\n");
    post_json(sim.addr, "/sim/faults", &json!({"stream_stall": true})).await;
    inject(sim.addr, json!({"text": "@SP_Balotra unheard"})).await;
    let silent = tokio::time::timeout(Duration::from_millis(1200), s.next_line(WAIT)).await;
    assert!(silent.is_err(), "no keep-alive and no post while stalled: {silent:?}");
    post_json(sim.addr, "/sim/faults", &json!({"stream_stall": false})).await;
    assert_eq!(s.next_line(WAIT).await.unwrap(), b"\r\n");
}

#[tokio::test]
async fn periodic_drops_close_the_stream_without_a_word() {
    let mut cfg = fast();
    cfg.faults.stream_drop_secs = 1;
    let sim = spawn_sim(cfg).await;
    add_rules(sim.addr, json!([{"value": "@SP_Balotra"}]), "").await;
    let mut s = StreamConn::open(sim.addr, STREAM, APP).await;
    let started = std::time::Instant::now();
    while let Some(line) = s.next_line(WAIT).await {
        assert_eq!(line, b"\r\n", "only keep-alives before the drop");
    }
    assert!(started.elapsed() >= Duration::from_millis(900));
}
