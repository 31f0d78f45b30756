//! Writes the seed corpus, `fuzz/seeds/<target>/`, from the repository's
//! own examples (the demo feed, the labelled test split, the registry, the
//! shapes the platform tests use). `fuzz/run.sh --seed` runs it and
//! minimises the result into `fuzz/corpus/`; it is not needed otherwise.
//!
//!     cargo run --manifest-path fuzz/Cargo.toml -p tvarit-fuzz-checks --bin seeds

use std::path::{Path, PathBuf};

use prost::Message;
use serde_json::json;
use tvarit_proto::v1::{Author, Case, CaseEvent, Classification, ClassifiedPost, PiiSpan, Post};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Seeds {
    dir: PathBuf,
    n: usize,
}

impl Seeds {
    fn new(target: &str) -> Self {
        let dir = repo().join("fuzz/seeds").join(target);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Seeds { dir, n: 0 }
    }

    fn add(&mut self, bytes: impl AsRef<[u8]>) {
        self.n += 1;
        std::fs::write(self.dir.join(format!("seed-{:04}", self.n)), bytes).unwrap();
    }

    fn with(&mut self, prefix: &[u8], body: impl AsRef<[u8]>) {
        let mut v = prefix.to_vec();
        v.extend_from_slice(body.as_ref());
        self.add(v);
    }
}

fn lines(path: &str) -> Vec<String> {
    std::fs::read_to_string(repo().join(path)).unwrap().lines().map(str::to_owned).collect()
}

fn main() {
    let demo = lines("deploy/local/demo-posts.jsonl");
    let test = lines("data/corpus/test.jsonl");
    let texts: Vec<(String, Vec<String>)> = test
        .iter()
        .step_by(test.len() / 60 + 1)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mentions = v["mentions"]
                .as_array()
                .map_or(Vec::new(), |m| m.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect());
            (v["text"].as_str().unwrap().to_owned(), mentions)
        })
        .collect();

    let mut s = Seeds::new("fuzz_post_json");
    for l in demo.iter().step_by(demo.len() / 12 + 1) {
        s.add(format!("sha256=00\n{l}"));
    }
    s.add("\n{\"id\":\"1\",\"text\":\"chori\",\"mentions\":[\"@PoliceRajasthan\",\"@sp_balotra\"],\"platform\":\"x\",\"created_at\":\"2026-03-31T19:00:00+05:30\",\"conversation_id\":\"9\"}");
    s.add("\n{\"id\":\"1\",\"text\":\"t\",\"mentions\":[\"@jaipur_police\"],\"platform\":\"x\",\"author\":\"@asha\"}");

    let mut s = Seeds::new("fuzz_jsonl_replay");
    for chunk in demo.chunks(demo.len() / 6 + 1).take(3) {
        s.add(chunk[..chunk.len().min(4)].join("\n"));
    }
    s.add(b"{\"id\":\"a\",\"text\":\"x\xff\xfe\"}\r\n\n   \n{\"id\":\"b\",\"text\":\"Jaipur me chori\",\"mentions\":[\"@jaipur_police\"],\"platform\":\"x\"}\n{\"id\":\"c\",\"text\":null}\n".to_vec());

    let mut s = Seeds::new("fuzz_webhook_x");
    let tweet = |id: &str, text: &str, user: &str, mention: Option<&str>| {
        let mut t = json!({"id_str": id, "text": text, "created_at": "Wed Oct 10 20:19:24 +0000 2018",
            "user": {"id_str": "77", "screen_name": user, "name": "Asha"}});
        if let Some(m) = mention {
            t["entities"] = json!({"user_mentions": [{"screen_name": m}]});
        }
        t
    };
    s.add(format!(
        "sha256=oRimJrTZrI4uVjsQH57pPKpqjT4OqxThx4oyH5FVI5I=\n{}",
        json!({"for_user_id": "1", "tweet_create_events": [tweet("1850000000000000001", "@SP_Balotra bike chori ho gayi", "asha", Some("SP_Balotra"))]})
    ));
    s.add(format!(
        "\n{}",
        json!({"for_user_id": "1", "tweet_create_events": [
            tweet("2", "@PoliceRajasthan जयपुर में चोरी", "ravi", None),
            tweet("3", "thanks", "SP_Balotra", None),
            {"id_str": "4", "text": "short", "extended_tweet": {"full_text": "@jaipur_police long text"}, "user": {"id_str": "8", "screen_name": "x"}}
        ]})
    ));
    s.add("\n{\"for_user_id\":\"1\"}");

    let mut s = Seeds::new("fuzz_webhook_meta");
    let change = |v: serde_json::Value| json!({"object": "page", "entry": [{"id": "1001", "time": 1, "changes": [{"field": "feed", "value": v}]}]});
    s.add(format!(
        "sha256=5da47c9c7409e70d7a1851f0cfd9bc27786bd99587a9bf1dd5b51e23a2de03cf\n{}",
        change(json!({"from": {"id": "77", "name": "Asha"}, "item": "comment", "verb": "add", "post_id": "1001_5", "comment_id": "5_9", "created_time": 1764300000, "message": "chain snatching at the market"}))
    ));
    s.add(format!(
        "t\n{}",
        json!({"object": "page", "entry": [{"id": "2002", "changes": [{"field": "mention", "value": {"sender_id": "88", "sender_name": "Ravi", "item": "post", "verb": "add", "post_id": "88_3", "message": "bike stolen"}}]}, {"id": "9999", "changes": []}]})
    ));
    s.add(format!(
        "\n{}",
        change(json!({"from": {"id": "1001"}, "item": "comment", "verb": "edited", "comment_id": "5_10"}))
    ));

    let mut s = Seeds::new("fuzz_stream_frames");
    let line = |text: &str, user: &str, tag: &str| {
        json!({"data": {"id": "1850000000000000002", "text": text, "author_id": "42", "created_at": "2026-11-03T10:15:42.000Z", "conversation_id": "1850000000000000002", "edit_history_tweet_ids": ["1850000000000000002"]},
            "includes": {"users": [{"id": "42", "username": user, "name": "N"}]},
            "matching_rules": [{"id": "1", "tag": tag}]})
        .to_string()
    };
    s.add(format!(
        "\x05\r\n{}\r\n\r\n{}\r\n{{\"data\":",
        line("@SP_Barmer chori", "asha", "sp_barmer"),
        line("Balotra police help", "ravi", "watch:balotra")
    ));
    s.add(format!(
        "\x01{}\r\n",
        json!({"errors": [{"title": "operational-disconnect", "disconnect_type": "OperationalDisconnect", "detail": "This stream has been disconnected upstream for operational reasons."}]})
    ));
    s.add(format!("\x0b{}\r\n\n\r\r\n", line("hello", "SP_Barmer", "sp_barmer")));

    let mut s = Seeds::new("fuzz_poll_pages");
    s.with(
        b"\x00",
        json!({"data": [{"id": "10", "text": "@jaipur_police help", "author_id": "5", "created_at": "2026-11-03T10:15:42.000Z", "conversation_id": "10"},
                         {"id": "11", "text": "@SP_Balotra ok", "author_id": "6", "edit_history_post_ids": ["11"]}],
               "includes": {"users": [{"id": "5", "username": "asha", "name": "Asha"}]},
               "meta": {"newest_id": "11", "oldest_id": "10", "result_count": 2, "next_token": "b26v89c19zqg8o3fo7gesq314yb9l4vt6fgp8u9khglsd"}})
        .to_string(),
    );
    let thread = |id: &str, at: &str, text: &str, replies: u64| {
        json!({"kind": "youtube#commentThread", "id": id, "snippet": {"channelId": "UCrajpolice000000000001", "videoId": "dQw4w9WgXcQ", "totalReplyCount": replies,
            "topLevelComment": {"id": id, "snippet": {"textOriginal": text, "textDisplay": text, "authorDisplayName": "@asha", "authorChannelId": {"value": "UCasha"}, "publishedAt": at}}}})
    };
    s.with(
        b"\x01",
        json!({"kind": "youtube#commentThreadListResponse", "nextPageToken": "QURT",
               "items": [thread("Ugz1", "2026-11-03T10:15:42Z", "बाड़मेर में चोरी", 0), thread("Ugz2", "2026-11-03T10:15:42Z", "help", 2), thread("Ugz3", "bad time", "x", 0)]})
        .to_string(),
    );

    let mut s = Seeds::new("fuzz_config_toml");
    s.add("namespace = \"tvarit\"\nnats_url = \"nats://127.0.0.1:4222\"\ningest_x_poll_seconds = 15.0\ningest_x_watch_terms = false\n");
    s.add("stream_replicas = 3\ningest_max_post_bytes = 65536\ningest_youtube_daily_quota = 10000\ningest_x_stream_stall_seconds = 21.5\n");
    s.add("registry_file = \"/nonexistent/registry.toml\"\ningest_http_listen = \"0.0.0.0:8080\"\n");

    let mut s = Seeds::new("fuzz_platform_responses");
    s.with(b"\x00\x00", json!({"data": [{"id": "1", "text": "t", "author_id": "2"}], "includes": {"users": [{"id": "2", "username": "u"}]}, "meta": {"result_count": 1}}).to_string());
    s.with(b"\x01\x00", r#"{"data":{"id":"1","username":"SP_Balotra","name":"SP"}}"#);
    s.with(b"\x02\x1d", r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","status":429}"#);
    s.with(b"\x02\x03", r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#);
    s.with(b"\x03\x00", r#"{"error":{"message":"(#4) Application request limit reached","type":"OAuthException","code":4,"fbtrace_id":"x"}}"#);
    s.with(b"\x04\x03", r#"{"error":{"code":403,"message":"The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.","errors":[{"message":"quota","domain":"youtube.quota","reason":"quotaExceeded"}]}}"#);
    s.with(
        b"\x05\x00",
        json!({"items": [thread("Ugz1", "2026-11-03T10:15:42Z", "text", 0)], "nextPageToken": "QURT"}).to_string(),
    );
    s.with(b"\x06\x00", "1790000060");
    s.with(b"\x07\x00", "sha256=b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    s.with(
        b"\x08\x00",
        r#"[{"id":"5","text":"text","in_reply_to_user_id":"1","referenced_tweets":[{"type":"replied_to","id":"1"}]}]"#,
    );
    s.with(b"\x09\x00", 1_790_000_000u64.to_le_bytes());

    let mut s = Seeds::new("fuzz_classifier");
    for (text, mentions) in &texts {
        s.add(format!("{}\n{text}", mentions.join(" ")));
    }
    s.add("@SP_Balotra\nmera number 98290 12345 hai, aadhaar 2345 6789 0124, gaadi RJ 14 CA 1234, upi ramesh@okaxis, a@b.com");
    s.add(b"{\"id\":\"a\",\"text\":\"x\xff\"}\n{\"id\":\"b\",\"text\":\"Jaipur me chori\"}\n".to_vec());

    let mut s = Seeds::new("fuzz_model_file");
    let mut m = tvarit_classify::linear::Model::zeros("fuzz-v0");
    s.add(m.to_bytes());
    for (i, w) in m.weights.iter_mut().enumerate().step_by(40_000) {
        w[i % 7] = 0.5;
    }
    s.add(m.to_bytes());

    let mut s = Seeds::new("fuzz_registry_toml");
    s.add(tvarit_registry::RAJASTHAN_TOML);
    s.add(
        "time_zone = \"Asia/Kolkata\"\n[sla]\ngoal_seconds = 60\n\n[[units]]\nslug = \"hq\"\nname = \"HQ\"\ncode = \"HQ\"\nkind = \"state\"\n\n\
         [[units]]\nslug = \"balotra\"\nname = \"Balotra\"\nname_hi = \"बालोतरा\"\ncode = \"BLT\"\nkind = \"district\"\naliases = [\"Balotara\"]\n\
         [units.sla]\nshift = \"22:00-06:00\"\nescalation = [{ after_seconds = 30, to = \"sho\" }]\n\n\
         [[accounts]]\nplatform = \"facebook\"\nhandle = \"@BalotraPolicePage\"\nunit = \"balotra\"\nplatform_id = \"1001\"\nsources = [\"webhook\"]\n",
    );

    let mut s = Seeds::new("fuzz_bus_decode");
    let ts = |s: i64| Some(prost_types::Timestamp { seconds: s, nanos: 5_000_000 });
    let post = Post {
        platform: "x".into(),
        post_id: "1850000000000000001".into(),
        text: texts[0].0.clone(),
        mentions: vec!["@SP_Balotra".into()],
        author: Some(Author { id: "77".into(), handle: "@asha".into(), name: "Asha".into() }),
        created_at: ts(1_790_000_000),
        received_at: ts(1_790_000_001),
        account: "@SP_Balotra".into(),
        unit: "balotra".into(),
        conversation_id: "1850000000000000001".into(),
        source: "x-mentions".into(),
        untagged: false,
    };
    s.with(b"\x00", post.encode_to_vec());
    let classification = Classification {
        category: 2,
        urgency: 3,
        language: "hi".into(),
        unit: "balotra".into(),
        district: "balotra".into(),
        confidence: 0.8,
        reasons: vec!["account:@SP_Balotra→balotra".into()],
        model: "tvarit-linear".into(),
        pii: vec![PiiSpan { kind: "phone".into(), start: 3, end: 13 }],
        ..Default::default()
    };
    s.with(
        b"\x01",
        ClassifiedPost { post: Some(post.clone()), classification: Some(classification.clone()) }.encode_to_vec(),
    );
    let case = Case {
        docket: "BLT-2611-00042".into(),
        unit: "balotra".into(),
        post: Some(post),
        classification: Some(classification),
        opened_at: ts(1_790_000_002),
        ..Default::default()
    };
    s.with(
        b"\x02",
        CaseEvent {
            event_id: 7,
            kind: 2,
            case: Some(case),
            at: ts(1_790_000_003),
            actor: "ramesh".into(),
            ..Default::default()
        }
        .encode_to_vec(),
    );
    println!("seeds written under fuzz/seeds/");
}
