//! Webhooks (X Activity, Meta Page) and the Graph API reply.

use serde_json::{Value, json};
use tvarit_sim::SimConfig;
use tvarit_sim::config::{MetaWebhook, XWebhook};

use crate::support::*;

const X_SECRET: &str = "test_consumer_secret";
const APP_SECRET: &str = "test_app_secret";
const PAGE: &str = "100000000000001";

#[test]
fn the_reference_signatures_reproduce_platforms_md_vectors() {
    // Computed by the tests' own HMAC, so the sim's signing is checked against it.
    assert_eq!(x_sig(X_SECRET, b"abc123"), "sha256=NRSmW12qpe3CEF8MYyBrEyg562XPUUrrQ1iu+H6dKZs=");
    assert_eq!(x_sig(X_SECRET, br#"{"for_user_id":"1"}"#), "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=");
    assert_eq!(
        meta_sig(APP_SECRET, br#"{"object":"page","entry":[]}"#),
        "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf"
    );
    assert_eq!(tvarit_sim::x_webhook::signature(X_SECRET, b"abc123"), x_sig(X_SECRET, b"abc123"));
}

#[tokio::test]
async fn x_activity_events_are_signed_after_a_crc_check() {
    let (rx, url) = Receiver { x_secret: X_SECRET.into(), ..Receiver::default() }.start().await;
    let cfg = SimConfig { x_webhook: Some(XWebhook { url, consumer_secret: X_SECRET.into() }), ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let long = format!("@SP_Balotra @RajPoliceHelp {}", "बहुत लंबी शिकायत ".repeat(12));
    let post = inject(sim.addr, json!({"text": long})).await;
    let got = rx.wait_for(2).await;
    let mut for_users = Vec::new();
    for (headers, body) in &got {
        let sig = headers.get("x-twitter-webhooks-signature").unwrap().to_str().unwrap();
        assert_eq!(sig, x_sig(X_SECRET, body), "signature over the raw body");
        let v: Value = serde_json::from_slice(body).unwrap();
        let t = &v["tweet_create_events"][0];
        assert_eq!(t["id_str"], post["id"]);
        assert_eq!(t["user"]["id_str"], post["author"]["id"]);
        // Over 140 characters: v1.1's truncated text and extended_tweet.
        assert_eq!(t["truncated"], true);
        assert_eq!(t["extended_tweet"]["full_text"], long.as_str());
        assert_eq!(t["entities"]["user_mentions"][0]["screen_name"], "SP_Balotra");
        assert_eq!(t["entities"]["user_mentions"][0]["indices"], json!([0, 11]));
        for_users.push(v["for_user_id"].as_str().unwrap().to_owned());
    }
    for_users.sort();
    assert_eq!(for_users, vec!["900000000000000002", "900000000000000003"]);

    // Our own reply comes back as an event for the account (receivers drop it).
    let reply = json!({"text": "देख रहे हैं", "reply": {"in_reply_to_tweet_id": post["id"]}});
    assert_eq!(post_json(sim.addr, "/2/tweets", &reply).await.status, 201);
    let got = rx.wait_for(3).await;
    let own: Value = serde_json::from_slice(&got[2].1).unwrap();
    assert_eq!(own["tweet_create_events"][0]["user"]["screen_name"], "SP_Balotra");
    assert_eq!(own["tweet_create_events"][0]["in_reply_to_status_id_str"], post["id"]);
    assert_eq!(own["tweet_create_events"][0]["in_reply_to_screen_name"], post["author"]["username"]);

    // CRC on demand, with the right and a wrong secret.
    let ok = post_json(sim.addr, "/sim/webhooks/x/crc", &json!({})).await.json();
    assert_eq!(ok["ok"], true, "{ok}");
    let wrong = post_json(sim.addr, "/sim/webhooks/x/crc", &json!({"secret": "other"})).await.json();
    assert_eq!(wrong["ok"], false);
}

#[tokio::test]
async fn nothing_is_delivered_to_a_webhook_that_fails_the_crc() {
    let (rx, url) = Receiver { x_secret: "not the secret".into(), ..Receiver::default() }.start().await;
    let cfg = SimConfig { x_webhook: Some(XWebhook { url, consumer_secret: X_SECRET.into() }), ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    inject(sim.addr, json!({"text": "@SP_Balotra hello"})).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(rx.posts.lock().unwrap().is_empty());
    let summary = get(sim.addr, "/sim/summary").await.json();
    assert_eq!(summary["webhooks"]["x_failed_attempts"], 1);
}

#[tokio::test]
async fn meta_comments_are_delivered_signed_and_replies_recorded() {
    let receiver = Receiver { verify_token: "vt".into(), ..Receiver::default() };
    let (rx, url) = receiver.start().await;
    let cfg = SimConfig {
        meta_webhook: Some(MetaWebhook { url, app_secret: APP_SECRET.into(), verify_token: "vt".into() }),
        meta_page_token: Some("page-token".into()),
        ..SimConfig::default()
    };
    let sim = spawn_sim(cfg).await;
    let comment = inject(
        sim.addr,
        json!({"platform": "facebook", "text": "थाने में सुनवाई नहीं", "author": {"id": "55501", "name": "Meena"}}),
    )
    .await;
    let cid = comment["id"].as_str().unwrap().to_owned();
    let got = rx.wait_for(1).await;
    let (headers, body) = &got[0];
    assert_eq!(headers.get("x-hub-signature-256").unwrap().to_str().unwrap(), meta_sig(APP_SECRET, body));
    let v: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(v["object"], "page");
    assert_eq!(v["entry"][0]["id"], PAGE);
    let change = &v["entry"][0]["changes"][0];
    assert_eq!(change["field"], "feed");
    let value = &change["value"];
    assert_eq!((value["item"].as_str(), value["verb"].as_str()), (Some("comment"), Some("add")));
    assert_eq!(value["comment_id"], cid.as_str());
    assert_eq!(value["from"], json!({"id": "55501", "name": "Meena"}));
    assert_eq!(value["parent_id"], value["post_id"]);
    assert!(value["created_time"].is_i64());

    let path = format!("/v21.0/{cid}/comments");
    let form = "message=%E0%A4%95%E0%A5%83%E0%A4%AA%E0%A4%AF%E0%A4%BE+DM+%E0%A4%95%E0%A4%B0%E0%A5%87%E0%A4%82&access_token=page-token";
    let form_h = [("Content-Type", "application/x-www-form-urlencoded")];
    let r = http(sim.addr, "POST", &path, &form_h, form).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let reply_id = r.json()["id"].as_str().unwrap().to_owned();
    assert!(r.headers.contains_key("x-app-usage"));
    let replies = get(sim.addr, "/sim/replies?platform=facebook").await.json();
    assert_eq!(replies[0]["in_reply_to"], cid.as_str());
    assert_eq!(replies[0]["text"], "कृपया DM करें");
    assert_eq!(replies[0]["reply_id"], reply_id.as_str());
    // The Page's own comment comes back through the webhook (receivers must drop it).
    let got = rx.wait_for(2).await;
    let own: Value = serde_json::from_slice(&got[1].1).unwrap();
    assert_eq!(own["entry"][0]["changes"][0]["value"]["from"]["id"], PAGE);
    assert_eq!(own["entry"][0]["changes"][0]["value"]["parent_id"], cid.as_str());

    // Meta's errors.
    let err = |r: &Resp| r.json()["error"].clone();
    let r = http(sim.addr, "POST", "/v21.0/123_456/comments", &form_h, "message=hi&access_token=page-token").await;
    let e = err(&r);
    assert_eq!((r.status, e["code"].as_i64(), e["error_subcode"].as_i64()), (400, Some(100), Some(33)));
    assert_eq!(e["type"], "GraphMethodException");
    assert!(e["fbtrace_id"].is_string());
    let r = http(sim.addr, "POST", &path, &form_h, "message=hi&access_token=wrong").await;
    assert_eq!((err(&r)["code"].as_i64(), err(&r)["type"].as_str()), (Some(190), Some("OAuthException")));
    let r = http(sim.addr, "POST", &path, &form_h, "message=hi").await;
    assert_eq!(err(&r)["code"], 104);
    post_json(sim.addr, "/sim/faults", &json!({"throttle_next": 1})).await;
    let r = http(sim.addr, "POST", &path, &form_h, "message=hi&access_token=page-token").await;
    assert_eq!(err(&r)["code"], 32);

    // The hub handshake: the right token is echoed, a wrong one refused.
    let ok = post_json(sim.addr, "/sim/webhooks/meta/verify", &json!({})).await.json();
    assert_eq!(ok["accepted"], true, "{ok}");
    let wrong = post_json(sim.addr, "/sim/webhooks/meta/verify", &json!({"verify_token": "nope"})).await.json();
    assert_eq!((wrong["accepted"].as_bool(), wrong["status"].as_i64()), (Some(false), Some(403)));
}

#[tokio::test]
async fn duplicate_delivery_fault_sends_the_same_event_twice() {
    let (rx, url) = Receiver { x_secret: X_SECRET.into(), ..Receiver::default() }.start().await;
    let cfg = SimConfig { x_webhook: Some(XWebhook { url, consumer_secret: X_SECRET.into() }), ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    post_json(sim.addr, "/sim/faults", &json!({"duplicate_webhooks": 1.0})).await;
    inject(sim.addr, json!({"text": "@SP_Balotra twice"})).await;
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].1, got[1].1);
}
