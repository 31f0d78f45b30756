//! The YouTube Data API: comment threads newest first with page tokens,
//! replies recorded once, Google's error bodies, and the daily quota.

use serde_json::{Value, json};
use tvarit_sim::SimConfig;
use tvarit_sim::config::Channel;

use crate::support::*;

const CHANNEL: &str = "UCrajpolice000000000001";
const KEY: &str = "AIzaSimKey";

fn threads_path(extra: &str) -> String {
    format!(
        "/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={CHANNEL}&order=time&textFormat=plainText&key={KEY}{extra}"
    )
}

async fn get_keyed(addr: std::net::SocketAddr, path: &str) -> Resp {
    http(addr, "GET", path, &[], "").await
}

async fn reply(addr: std::net::SocketAddr, token: Option<&str>, parent: &str, text: &str) -> Resp {
    let body = json!({"snippet": {"parentId": parent, "textOriginal": text}}).to_string();
    let auth = token.map(bearer);
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    http(addr, "POST", "/youtube/v3/comments?part=snippet", &headers, &body).await
}

fn reason(r: &Resp) -> (u64, String, String) {
    let v = r.json();
    let e = &v["error"];
    assert_eq!(e["code"], r.status, "{}", r.body);
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{}", r.body);
    (
        e["code"].as_u64().unwrap(),
        e["errors"][0]["reason"].as_str().unwrap().into(),
        e["errors"][0]["domain"].as_str().unwrap().into(),
    )
}

fn yt_comment(text: &str) -> Value {
    json!({"platform": "youtube", "text": text, "author": {"handle": "@asha", "id": "u7"}})
}

#[tokio::test]
async fn threads_come_newest_first_in_pages_with_the_documented_fields() {
    let sim = spawn_sim(SimConfig::default()).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let p = inject(sim.addr, yt_comment(&format!("थाने के बाहर जाम {i}"))).await;
        assert_eq!(p["platform"], "youtube");
        ids.push(p["id"].as_str().unwrap().to_owned());
    }
    inject(sim.addr, json!({"text": "@SP_Balotra an X post, not a comment"})).await;

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let extra = match &token {
            Some(t) => format!("&maxResults=2&pageToken={t}"),
            None => "&maxResults=2".into(),
        };
        let r = get_keyed(sim.addr, &threads_path(&extra)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.header("content-type").starts_with("application/json"));
        let v = r.json();
        assert_eq!(v["kind"], "youtube#commentThreadListResponse");
        for item in v["items"].as_array().unwrap() {
            assert_eq!(item["kind"], "youtube#commentThread");
            let s = &item["snippet"];
            let top = &s["topLevelComment"];
            assert_eq!(item["id"], top["id"], "a thread is named by its top-level comment");
            assert_eq!(s["channelId"], CHANNEL);
            assert_eq!(s["totalReplyCount"], 0);
            let c = &top["snippet"];
            assert_eq!(c["videoId"], s["videoId"]);
            assert_eq!(s["videoId"].as_str().unwrap().len(), 11);
            assert!(c["textOriginal"].as_str().unwrap().starts_with("थाने के बाहर जाम"));
            assert_eq!(c["textDisplay"], c["textOriginal"], "plainText asked");
            assert_eq!(c["authorDisplayName"], "@asha");
            assert!(c["authorChannelId"]["value"].as_str().unwrap().starts_with("UC"));
            let at = c["publishedAt"].as_str().unwrap();
            assert!(at.len() == 20 && at.ends_with('Z'), "whole seconds: {at}");
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match v["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    ids.reverse();
    assert_eq!(seen, ids);

    // A new comment between pages does not shift the pages already asked for.
    let first = get_keyed(sim.addr, &threads_path("&maxResults=2")).await.json();
    let t = first["nextPageToken"].as_str().unwrap().to_owned();
    inject(sim.addr, yt_comment("a newer one")).await;
    let second = get_keyed(sim.addr, &threads_path(&format!("&maxResults=2&pageToken={t}"))).await.json();
    assert_eq!(second["items"][0]["id"], ids[2].as_str());

    // Held for review: not listed until it is visible.
    inject(sim.addr, json!({"platform": "youtube", "text": "held", "late_ms": 60_000})).await;
    let all = get_keyed(sim.addr, &threads_path("&maxResults=100")).await.json();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn a_reply_is_recorded_listed_and_counted_in_its_thread() {
    let sim = spawn_sim(SimConfig::default()).await;
    let p = inject(sim.addr, json!({"id": "c1", "platform": "youtube", "text": "मेरा फोन चोरी हो गया"})).await;
    let parent = p["id"].as_str().unwrap().to_owned();

    let r = reply(sim.addr, Some("ya29.channel-token"), &parent, "कृपया नज़दीकी थाने में रिपोर्ट करें।").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = r.json();
    assert_eq!(c["kind"], "youtube#comment");
    let id = c["id"].as_str().unwrap();
    assert!(id.starts_with(&format!("{parent}.")), "{id}");
    assert_eq!(c["snippet"]["parentId"], parent.as_str());
    assert_eq!(c["snippet"]["authorChannelId"]["value"], CHANNEL);
    assert_eq!(c["snippet"]["authorDisplayName"], "@PoliceRajasthan");
    assert!(c["snippet"]["publishedAt"].as_str().unwrap().ends_with('Z'));

    let replies = get(sim.addr, "/sim/replies?platform=youtube").await.json();
    let replies = replies.as_array().unwrap();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["in_reply_to"], parent.as_str());
    assert_eq!(replies[0]["in_reply_to_corpus_id"], "c1");
    assert_eq!(replies[0]["platform"], "youtube");
    assert_eq!(replies[0]["reply_id"], id);

    let listed = get_keyed(sim.addr, &format!("/youtube/v3/comments?part=snippet&parentId={parent}&key={KEY}")).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed = listed.json();
    assert_eq!(listed["kind"], "youtube#commentListResponse");
    assert_eq!(listed["items"][0]["id"], id);
    assert_eq!(listed["items"][0]["snippet"]["textOriginal"], "कृपया नज़दीकी थाने में रिपोर्ट करें।");
    let threads = get_keyed(sim.addr, &threads_path("")).await.json();
    assert_eq!(threads["items"][0]["snippet"]["totalReplyCount"], 1);
    // Our reply is no thread of its own.
    assert_eq!(threads["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn refusals_have_googles_shape() {
    let cfg = SimConfig { youtube_api_key: Some(KEY.into()), ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let p = inject(sim.addr, yt_comment("hello")).await;
    let parent = p["id"].as_str().unwrap().to_owned();

    let r = reply(sim.addr, None, &parent, "hi").await;
    assert_eq!((r.status, reason(&r).1.as_str()), (401, "required"));
    let r = reply(sim.addr, Some("t"), "UgzNoSuchComment", "hi").await;
    assert_eq!(reason(&r), (404, "parentCommentNotFound".into(), "youtube.comment".into()));
    let r = reply(sim.addr, Some("t"), &parent, "  ").await;
    assert_eq!(reason(&r).1, "commentTextRequired");
    let nested = reply(sim.addr, Some("t"), &parent, "first").await.json();
    let r = reply(sim.addr, Some("t"), nested["id"].as_str().unwrap(), "to a reply").await;
    assert_eq!(reason(&r).1, "operationNotSupported");

    let no_key = format!("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={CHANNEL}");
    let r = get_keyed(sim.addr, &no_key).await;
    assert_eq!(reason(&r), (403, "forbidden".into(), "global".into()));
    let r = get_keyed(sim.addr, &format!("{no_key}&key=wrong")).await;
    assert_eq!(reason(&r).0, 400);
    let r =
        get_keyed(sim.addr, &format!("/youtube/v3/commentThreads?allThreadsRelatedToChannelId={CHANNEL}&key={KEY}"))
            .await;
    assert_eq!(reason(&r).1, "required");
    let r = get_keyed(
        sim.addr,
        &format!("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=UCnobody&key={KEY}"),
    )
    .await;
    assert_eq!(reason(&r), (404, "channelNotFound".into(), "youtube.commentThread".into()));
    let r = get_keyed(sim.addr, &threads_path("&maxResults=101")).await;
    assert_eq!(reason(&r).0, 400);
    let r = get_keyed(sim.addr, &threads_path("&pageToken=garbage!")).await;
    assert_eq!(reason(&r).1, "invalidPageToken");

    // Faults: throttling and 5xx in Google's words.
    post_json(sim.addr, "/sim/faults", &json!({"throttle_next": 1})).await;
    let r = get_keyed(sim.addr, &threads_path("")).await;
    assert_eq!(reason(&r).1, "rateLimitExceeded");
    post_json(sim.addr, "/sim/faults", &json!({"error_rate": 1.0})).await;
    let r = get_keyed(sim.addr, &threads_path("")).await;
    assert_eq!(reason(&r), (503, "backendError".into(), "global".into()));
}

#[tokio::test]
async fn the_daily_quota_is_counted_in_units_and_then_refused() {
    let cfg = SimConfig { youtube_daily_quota: 53, ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let p = inject(sim.addr, yt_comment("quota test")).await;
    let parent = p["id"].as_str().unwrap().to_owned();
    for _ in 0..3 {
        assert_eq!(get_keyed(sim.addr, &threads_path("")).await.status, 200);
    }
    let r = reply(sim.addr, Some("t"), &parent, "one reply: 50 units").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let q = get(sim.addr, "/sim/youtube/quota").await.json();
    assert_eq!((q["used"].as_u64(), q["limit"].as_u64()), (Some(53), Some(53)));
    assert!(q["resets_at"].as_str().unwrap().ends_with(":00:00Z"), "resets at a Pacific midnight: {q}");

    let r = get_keyed(sim.addr, &threads_path("")).await;
    assert_eq!(reason(&r), (403, "quotaExceeded".into(), "youtube.quota".into()));
    let r = reply(sim.addr, Some("t"), &parent, "another").await;
    assert_eq!(reason(&r).1, "quotaExceeded");
    let created: Vec<Value> = get(sim.addr, "/sim/replies?platform=youtube").await.json().as_array().unwrap().clone();
    assert_eq!(created.len(), 1, "a refused reply is not posted");
}

#[tokio::test]
async fn a_refused_call_costs_a_unit_unless_no_project_can_be_charged() {
    let cfg = SimConfig { youtube_api_key: Some(KEY.into()), ..SimConfig::default() };
    let sim = spawn_sim(cfg).await;
    let used = || async { get(sim.addr, "/sim/youtube/quota").await.json()["used"].as_u64().unwrap() };
    let p = inject(sim.addr, yt_comment("a comment")).await;
    let parent = p["id"].as_str().unwrap().to_owned();

    // Refused after the caller is known: 1 unit each (a refused insert too, not 50).
    let r = get_keyed(sim.addr, &threads_path("&maxResults=0")).await;
    assert_eq!(reason(&r).0, 400);
    let r = get_keyed(sim.addr, &format!("/youtube/v3/commentThreads?part=snippet&key={KEY}")).await;
    assert_eq!(reason(&r).1, "missingRequiredParameter");
    let r = reply(sim.addr, Some("t"), "UgzNoSuchComment", "hi").await;
    assert_eq!(reason(&r).1, "parentCommentNotFound");
    assert_eq!(used().await, 3);

    // No credentials, or bad ones: nobody to charge.
    let no_key = format!("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={CHANNEL}");
    assert_eq!(reason(&get_keyed(sim.addr, &no_key).await).0, 403);
    assert_eq!(reason(&get_keyed(sim.addr, &format!("{no_key}&key=wrong")).await).0, 400);
    assert_eq!(reason(&reply(sim.addr, None, &parent, "hi").await).0, 401);
    assert_eq!(used().await, 3);

    // A call that works costs what its method costs.
    assert_eq!(get_keyed(sim.addr, &threads_path("")).await.status, 200);
    assert_eq!(reply(sim.addr, Some("t"), &parent, "on our way").await.status, 200);
    assert_eq!(used().await, 3 + 1 + 50);
}

#[tokio::test]
async fn comments_go_to_the_channel_they_name_and_tokens_bind_channels() {
    let balotra = "UCbalotra0000000000000001";
    let cfg = SimConfig {
        youtube_channels: vec![
            Channel { id: CHANNEL.into(), handle: "@PoliceRajasthan".into() },
            Channel { id: balotra.into(), handle: "@BalotraPoliceYT".into() },
        ],
        youtube_tokens: vec![("balotra-token".into(), balotra.into())],
        ..SimConfig::default()
    };
    let sim = spawn_sim(cfg).await;
    let p = inject(sim.addr, json!({"platform": "youtube", "text": "चोरी", "mentions": ["@BalotraPoliceYT"]})).await;
    assert_eq!(p["page_id"], balotra);
    let q =
        inject(sim.addr, json!({"platform": "youtube", "text": "x", "channel_id": CHANNEL, "video_id": "abcdefghijk"}))
            .await;
    assert_eq!(q["conversation_id"], "abcdefghijk");
    let path = format!("/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={balotra}&key=k");
    let v = get_keyed(sim.addr, &path).await.json();
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let by_video =
        get_keyed(sim.addr, "/youtube/v3/commentThreads?part=snippet&videoId=abcdefghijk&key=k").await.json();
    assert_eq!(by_video["items"][0]["id"], q["id"]);

    let r = reply(sim.addr, Some("unknown-token"), p["id"].as_str().unwrap(), "hi").await;
    assert_eq!(reason(&r), (401, "authError".into(), "global".into()));
    let r = reply(sim.addr, Some("balotra-token"), p["id"].as_str().unwrap(), "hi").await;
    assert_eq!(r.json()["snippet"]["authorChannelId"]["value"], balotra);
    let bad = http(
        sim.addr,
        "POST",
        "/sim/posts",
        &[("Content-Type", "application/json")],
        &json!({"platform": "youtube", "text": "t", "channel_id": "UCnotours"}).to_string(),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}
