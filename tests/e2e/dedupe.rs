use std::time::Duration;

use tvarit_e2e::{Service, TestEnv, eventually, post_line, post_raw, sign};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_post_twice_is_one_case() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let lines: Vec<String> = (0..20)
        .map(|i| {
            post_line(
                &format!("d{i}"),
                &format!("@jaipur_police complaint number {i} about theft"),
                &["@jaipur_police"],
                None,
            )
        })
        .collect();
    let file = env.write_file("posts.jsonl", &lines);
    let first = env.replay(&file);
    assert_eq!(String::from_utf8_lossy(&first.stdout).trim(), "new=20 duplicates=0 rejected=0");
    let again = env.replay(&file);
    assert!(again.status.success());
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "new=0 duplicates=20 rejected=0");

    // The same post through the webhook route is a duplicate too.
    let ingest = running.iter().find(|r| r.service == Service::Ingest).unwrap();
    let body = lines[3].as_bytes();
    let sig = sign(&env.webhook_secret, body);
    let resp = post_raw(ingest.http_addr, "/v1/posts", &[("X-Tvarit-Signature", &sig)], body).await;
    assert_eq!(resp.status, 202, "{}", resp.body);
    assert!(resp.body.contains("\"duplicate\":true"), "{}", resp.body);

    let reply_db = env.schema_pool("reply").await;
    eventually(Duration::from_secs(30), "20 cases", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(&reply_db).await.ok()?;
        (n >= 20).then_some(())
    })
    .await;
    assert_eq!(env.stream_messages("INGESTED").await, 20, "duplicates are never published");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(&reply_db).await.unwrap();
    assert_eq!(n, 20);
    env.cleanup(running).await;
}

/// Concurrent webhook requests share batches (ingest's coalescer): each
/// request must still get its own post's answer, and a post sent twice at
/// once is new exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_webhook_requests_each_get_their_own_answer() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let ingest = running.iter().find(|r| r.service == Service::Ingest).unwrap().http_addr;
    let lines: Vec<String> = (0..40)
        .map(|i| {
            post_line(
                &format!("c{i}"),
                &format!("@jaipur_police complaint {i} about a theft"),
                &["@jaipur_police"],
                None,
            )
        })
        .collect();
    // Posts 0..20 are sent twice, all 60 requests at once.
    let requests = lines.iter().chain(&lines[..20]).map(|line| {
        let sig = sign(&env.webhook_secret, line.as_bytes());
        async move {
            let resp = post_raw(ingest, "/v1/posts", &[("X-Tvarit-Signature", &sig)], line.as_bytes()).await;
            (line.clone(), resp)
        }
    });
    let answers = futures::future::join_all(requests).await;
    let mut new_per_post = std::collections::HashMap::<String, usize>::new();
    for (line, resp) in &answers {
        assert_eq!(resp.status, 202, "{}", resp.body);
        let body: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
        assert_eq!(body["unit"], "jaipur", "{}", resp.body);
        *new_per_post.entry(line.clone()).or_default() += usize::from(body["duplicate"] == false);
    }
    assert_eq!(new_per_post.len(), 40);
    assert!(new_per_post.values().all(|&n| n == 1), "each post is new exactly once: {new_per_post:?}");

    let reply_db = env.schema_pool("reply").await;
    eventually(Duration::from_secs(30), "40 cases", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(&reply_db).await.ok()?;
        (n >= 40).then_some(())
    })
    .await;
    assert_eq!(env.stream_messages("INGESTED").await, 40, "each post is published once");
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(&reply_db).await.unwrap();
    assert_eq!(n, 40);
    env.cleanup(running).await;
}
