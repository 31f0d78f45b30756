//! The binary: the ready line, the corpus player, and the summary on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn prints_ready_plays_the_corpus_and_summarises_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tvarit-sim"))
        .args(["--listen", "127.0.0.1:0", "--rate", "50", "--burst", "2", "--count", "3", "--seed", "7"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let ready: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(ready["message"], "ready");
    let addr: std::net::SocketAddr = ready["http_addr"].as_str().unwrap().parse().unwrap();
    assert_ne!(addr.port(), 0);

    let mut posts = Value::Null;
    for _ in 0..100 {
        posts = get(addr, "/sim/posts").await.json();
        if posts.as_array().unwrap().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let posts = posts.as_array().unwrap().clone();
    assert_eq!(posts.len(), 3, "--count 3 plays three corpus posts");
    assert_eq!(posts[0]["corpus_id"], "demo-0001");
    assert_eq!(posts[0]["mentions"], json!(["PoliceRajasthan"]));
    let target = posts[0]["id"].as_str().unwrap();
    let reply = json!({"text": "कृपया नजदीकी थाने में संपर्क करें", "reply": {"in_reply_to_tweet_id": target}});
    assert_eq!(post_json(addr, "/2/tweets", &reply).await.status, 201);

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let summary = tokio::task::spawn_blocking(move || {
        let line = out.lines().map(Result::unwrap).find(|l| l.contains("\"summary\"")).expect("a summary line");
        let status = child.wait().unwrap();
        (line, status)
    })
    .await
    .unwrap();
    assert!(summary.1.success(), "exit status {:?}", summary.1);
    let s: Value = serde_json::from_str(&summary.0).unwrap();
    assert_eq!(s["published"]["x"], 3);
    assert_eq!(s["replies"]["x"], 1);
    assert_eq!((s["answered"].as_u64(), s["unanswered"].as_u64()), (Some(1), Some(2)));
    assert!(s["first_response_ms"]["median"].as_i64().unwrap() >= 0);
}
