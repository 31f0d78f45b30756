//! The X REST endpoints: mentions paging, replies, auth, rate limits, faults.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_sim::SimConfig;
use tvarit_sim::config::XLimits;

use crate::support::*;

const BALOTRA: &str = "900000000000000003";

async fn mentions(addr: std::net::SocketAddr, query: &str) -> Resp {
    get(addr, &format!("/2/users/{BALOTRA}/mentions?{query}")).await
}

#[tokio::test]
async fn mentions_page_newest_first_and_since_id_is_exclusive() {
    let sim = spawn_sim(SimConfig::default()).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let p = inject(
            sim.addr,
            json!({"text": format!("@SP_Balotra शिकायत {i}"), "author": {"id": "u7", "handle": "@asha"}}),
        )
        .await;
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    inject(sim.addr, json!({"text": "@jaipur_police not for Balotra"})).await;
    assert!(ids.iter().all(|id| id.len() == 19 && id.bytes().all(|b| b.is_ascii_digit())));
    assert!(ids.windows(2).all(|w| w[0].parse::<u64>().unwrap() < w[1].parse::<u64>().unwrap()));

    // Paging to the end, newest first.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = match &token {
            Some(t) => format!("max_results=5&pagination_token={t}"),
            None => "max_results=5".to_owned(),
        };
        let r = mentions(sim.addr, &q).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let data: Vec<String> =
            v["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect();
        assert_eq!(v["meta"]["result_count"], data.len());
        assert_eq!(v["meta"]["newest_id"], data[0]);
        assert_eq!(v["meta"]["oldest_id"], data[data.len() - 1]);
        seen.extend(data);
        pages += 1;
        match v["meta"]["next_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // since_id is exclusive; nothing newer → the bare empty meta.
    let r = mentions(sim.addr, &format!("since_id={}&max_results=100", ids[8])).await;
    let v = r.json();
    let got: Vec<&str> = v["data"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(got, vec![ids[11].as_str(), ids[10].as_str(), ids[9].as_str()]);
    let r = mentions(sim.addr, &format!("since_id={}", ids[11])).await;
    assert_eq!(r.json(), json!({"meta": {"result_count": 0}}));
    // until_id is exclusive too.
    let r = mentions(sim.addr, &format!("until_id={}&since_id={}", ids[3], ids[0])).await;
    let got: Vec<Value> = r.json()["data"].as_array().unwrap().clone();
    assert_eq!(got.len(), 2);

    // Fields and expansions.
    let r = mentions(sim.addr, "tweet.fields=author_id,created_at,conversation_id&expansions=author_id").await;
    let v = r.json();
    let first = &v["data"][0];
    assert_eq!(first["conversation_id"], first["id"]);
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(first["edit_history_tweet_ids"], json!([first["id"]]));
    let author = first["author_id"].as_str().unwrap();
    assert_eq!(v["includes"]["users"][0]["id"], author);
    assert_eq!(v["includes"]["users"][0]["username"], "asha");
    // Without fields only the defaults.
    let plain = mentions(sim.addr, "").await.json();
    assert!(plain["data"][0].get("author_id").is_none());
    assert!(plain.get("includes").is_none());

    // Bad parameters: X's invalid-request problem.
    for q in ["max_results=4", "max_results=101", "since_id=abc", "pagination_token=zzzz"] {
        let r = mentions(sim.addr, q).await;
        assert_eq!(r.status, 400, "{q}");
        assert!(r.json()["type"].as_str().unwrap().ends_with("/2/problems/invalid-request"), "{q}");
    }
    // An unknown user is a 200 with a resource-not-found error.
    let r = get(sim.addr, "/2/users/12345/mentions").await;
    assert_eq!(r.status, 200);
    assert!(r.json()["errors"][0]["type"].as_str().unwrap().ends_with("/resource-not-found"));
}

#[tokio::test]
async fn only_the_800_most_recent_mentions_are_reachable() {
    let sim = spawn_sim(SimConfig::default()).await;
    let mut ids = Vec::new();
    for i in 0..805 {
        ids.push(
            inject(sim.addr, json!({"text": format!("@SP_Balotra {i}")})).await["id"].as_str().unwrap().to_owned(),
        );
    }
    let (mut seen, mut token) = (0, String::new());
    let mut oldest = String::new();
    loop {
        let q = match token.as_str() {
            "" => "max_results=100".to_owned(),
            t => format!("max_results=100&pagination_token={t}"),
        };
        let v = mentions(sim.addr, &q).await.json();
        seen += v["meta"]["result_count"].as_u64().unwrap();
        oldest = v["meta"]["oldest_id"].as_str().unwrap_or(&oldest).to_owned();
        match v["meta"]["next_token"].as_str() {
            Some(t) => token = t.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 800);
    assert_eq!(oldest, ids[5]);
    // The five oldest are gone even when asked for by id.
    let r = mentions(sim.addr, &format!("until_id={}", ids[5])).await;
    assert_eq!(r.json()["meta"]["result_count"], 0);
}

#[tokio::test]
async fn late_indexed_posts_show_up_behind_the_newest_id() {
    let sim = spawn_sim(SimConfig::default()).await;
    let late = inject(sim.addr, json!({"text": "@SP_Balotra late one", "late_ms": 700})).await;
    let on_time = inject(sim.addr, json!({"text": "@SP_Balotra on time"})).await;
    let v = mentions(sim.addr, "").await.json();
    assert_eq!(v["meta"]["result_count"], 1);
    assert_eq!(v["data"][0]["id"], on_time["id"]);
    tokio::time::sleep(Duration::from_millis(900)).await;
    // A poller checkpointed at the newest id never sees it...
    let r = mentions(sim.addr, &format!("since_id={}", on_time["id"].as_str().unwrap())).await;
    assert_eq!(r.json()["meta"]["result_count"], 0);
    // ...an overlap window does.
    let v = mentions(sim.addr, "").await.json();
    let ids: Vec<&Value> = v["data"].as_array().unwrap().iter().map(|p| &p["id"]).collect();
    assert_eq!(ids, vec![&on_time["id"], &late["id"]]);
}

#[tokio::test]
async fn replies_are_created_recorded_and_duplicates_refused() {
    let sim = spawn_sim(SimConfig::default()).await;
    let post = inject(sim.addr, json!({"id": "c-1", "text": "@SP_Balotra डीजे बंद करवाएं"})).await;
    let pid = post["id"].as_str().unwrap();
    let body = json!({"text": "कृपया सटीक स्थान साझा करें।", "reply": {"in_reply_to_tweet_id": pid}});
    let r = post_json(sim.addr, "/2/tweets", &body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    let reply_id = v["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(reply_id.len(), 19);
    assert_eq!(v["data"]["text"], "कृपया सटीक स्थान साझा करें।");
    assert_eq!(v["data"]["edit_history_tweet_ids"], json!([reply_id]));
    assert!(r.header("x-rate-limit-remaining").parse::<u32>().is_ok());

    let again = post_json(sim.addr, "/2/tweets", &body).await;
    assert_eq!(again.status, 403);
    assert_eq!(
        again.json(),
        json!({"detail": "You are not allowed to create a Tweet with duplicate content.", "type": "about:blank", "title": "Forbidden", "status": 403})
    );

    let replies = get(sim.addr, "/sim/replies").await.json();
    assert_eq!(replies.as_array().unwrap().len(), 1, "{replies}");
    let rec = &replies[0];
    assert_eq!(rec["platform"], "x");
    assert_eq!(rec["in_reply_to"], pid);
    assert_eq!(rec["in_reply_to_corpus_id"], "c-1");
    assert_eq!(rec["reply_id"], reply_id.as_str());
    assert_eq!(rec["account"], "@SP_Balotra");
    assert!(rec["response_ms"].as_i64().unwrap() >= 0);
    let all = get(sim.addr, "/sim/replies?all=true").await.json();
    assert_eq!(all[1]["outcome"], "duplicate-content");

    // The reply is in the account's own timeline.
    let own = get(sim.addr, &format!("/2/users/{BALOTRA}/tweets")).await.json();
    assert_eq!(own["data"][0]["id"], reply_id.as_str());

    // run() returns the summary once shut down.
    let mut sim = sim;
    sim.shutdown.cancel();
    let summary = (&mut sim.handle).await.unwrap().unwrap();
    assert_eq!(summary.replies.get("x"), Some(&1));
    assert_eq!(summary.refused_replies.get("duplicate-content"), Some(&1));
    assert_eq!((summary.answered, summary.unanswered, summary.repeat_replies), (1, 0, 0));
}

#[tokio::test]
async fn posting_checks_auth_mentions_and_the_body() {
    let cfg = SimConfig {
        x_app_tokens: vec!["app-only".into()],
        x_user_tokens: vec![("jaipur-token".into(), "jaipur_police".into())],
        ..SimConfig::default()
    };
    let sim = spawn_sim(cfg).await;
    let post = inject(sim.addr, json!({"text": "@SP_Balotra help"})).await;
    let body = json!({"text": "hello", "reply": {"in_reply_to_tweet_id": post["id"]}}).to_string();
    let send = |auth: Option<String>, body: String| {
        let addr = sim.addr;
        async move {
            let mut h = vec![("Content-Type", "application/json".to_owned())];
            if let Some(a) = auth {
                h.push(("Authorization", a));
            }
            let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
            http(addr, "POST", "/2/tweets", &h, &body).await
        }
    };
    let r = send(None, body.clone()).await;
    assert_eq!(r.status, 401);
    let r = send(Some(bearer("app-only")), body.clone()).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["title"], "Unsupported Authentication");
    assert_eq!(r.json()["type"], "https://api.twitter.com/2/problems/unsupported-authentication");
    // @jaipur_police is not mentioned by the post.
    let r = send(Some(bearer("jaipur-token")), body.clone()).await;
    assert_eq!(r.status, 403);
    assert!(r.json()["detail"].as_str().unwrap().contains("not been mentioned"), "{}", r.body);
    // OAuth 1.0a user context works too.
    let oauth = r#"OAuth oauth_consumer_key="ck", oauth_token="42-abc", oauth_signature="s""#.to_owned();
    assert_eq!(send(Some(oauth), body.clone()).await.status, 201);
    // Unknown target, unknown field, bad id.
    let r =
        send(Some(bearer(USER_TOKEN)), json!({"text": "x", "reply": {"in_reply_to_tweet_id": "1"}}).to_string()).await;
    assert_eq!(r.status, 403);
    let r = send(Some(bearer(USER_TOKEN)), json!({"text": "x", "colour": "red"}).to_string()).await;
    assert_eq!(r.status, 400);
    assert!(r.json()["type"].as_str().unwrap().ends_with("/invalid-request"));
    let r = send(Some(bearer(USER_TOKEN)), json!({"text": "x", "reply": {"in_reply_to_tweet_id": "12a"}}).to_string())
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn every_response_carries_rate_limit_headers_and_the_limit_gives_429() {
    let cfg = SimConfig { limits: XLimits { post_tweets: 2, ..XLimits::default() }, ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let post = inject(sim.addr, json!({"text": "@SP_Balotra one"})).await;
    let now = chrono::Utc::now().timestamp();
    let mut remaining = Vec::new();
    for i in 0..3 {
        let body = json!({"text": format!("reply {i}"), "reply": {"in_reply_to_tweet_id": post["id"]}});
        let r = post_json(sim.addr, "/2/tweets", &body).await;
        assert_eq!(r.header("x-rate-limit-limit"), "2");
        let reset: i64 = r.header("x-rate-limit-reset").parse().unwrap();
        assert!(reset > now && reset <= now + 901, "reset {reset} is epoch seconds within the window");
        remaining.push((r.status, r.header("x-rate-limit-remaining").to_owned()));
        if i == 2 {
            assert_eq!(r.json()["title"], "Too Many Requests");
            assert!(r.headers.contains_key("x-app-limit-24hour-remaining"));
        }
    }
    assert_eq!(remaining, vec![(201, "1".into()), (201, "0".into()), (429, "0".into())]);
    // Other endpoints have their own window and headers.
    let r = get(sim.addr, "/2/users/900000000000000003/mentions").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-rate-limit-limit"), "300");
}

#[tokio::test]
async fn throttle_bursts_and_server_errors_come_from_the_fault_switches() {
    let sim = spawn_sim(SimConfig::default()).await;
    let path = "/2/users/900000000000000003/mentions";
    let r = post_json(sim.addr, "/sim/faults", &json!({"throttle_next": 2})).await;
    assert_eq!(r.json()["throttle_next"], 2);
    assert_eq!(get(sim.addr, path).await.status, 429);
    assert_eq!(get(sim.addr, path).await.status, 429);
    assert_eq!(get(sim.addr, path).await.status, 200);
    post_json(sim.addr, "/sim/faults", &json!({"error_rate": 1.0})).await;
    let r = get(sim.addr, path).await;
    assert_eq!(r.status, 503);
    assert!(r.headers.contains_key("x-rate-limit-limit"));
    post_json(sim.addr, "/sim/faults", &json!({"error_rate": 0.0, "slow_ms": 300})).await;
    let started = std::time::Instant::now();
    assert_eq!(get(sim.addr, path).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    post_json(sim.addr, "/sim/faults", &json!({"slow_ms": 0, "usage_cap": true})).await;
    let post = inject(sim.addr, json!({"text": "@SP_Balotra x"})).await;
    let r =
        post_json(sim.addr, "/2/tweets", &json!({"text": "t", "reply": {"in_reply_to_tweet_id": post["id"]}})).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["title"], "UsageCapExceeded");
    let r = post_json(sim.addr, "/sim/faults", &json!({"no_such_fault": 1})).await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn users_resolve_by_username_and_me() {
    let cfg = SimConfig { x_user_tokens: vec![("balotra-token".into(), "SP_Balotra".into())], ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let v = get(sim.addr, "/2/users/by/username/SP_Balotra").await.json();
    assert_eq!(v["data"], json!({"id": BALOTRA, "name": "SP Balotra", "username": "SP_Balotra"}));
    let v = get(sim.addr, "/2/users/by/username/nobody_here").await.json();
    assert!(v["errors"][0]["type"].as_str().unwrap().ends_with("/resource-not-found"));
    let r = http(sim.addr, "GET", "/2/users/me", &[("Authorization", "Bearer balotra-token")], "").await;
    assert_eq!(r.json()["data"]["id"], BALOTRA);
}
