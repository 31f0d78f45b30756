use std::collections::HashSet;
use std::time::Duration;

use sqlx::PgPool;
use tvarit_e2e::{Service, TestEnv, eventually, post_line};

async fn cases(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(db).await.unwrap_or(0)
}

pub(crate) async fn wait_for_cases(db: &PgPool, at_least: i64) {
    eventually(Duration::from_secs(60), &format!("{at_least} cases"), || async move {
        (cases(db).await >= at_least).then_some(())
    })
    .await;
}

/// `kill -9` of classify, then of reply, in the middle of a 2,000-post
/// replay: after restart every post is classified and queued exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_stream_loses_nothing_and_doubles_nothing() {
    const POSTS: usize = 2_000;
    let env = TestEnv::new().await;
    let mut running = env.start_all().await;
    let file = env.write_file("posts.jsonl", &complaints(POSTS));
    let mut replay = env.command("tvarit-ingest").arg("replay").arg(&file).args(["--rate", "400"]).spawn().unwrap();

    let reply_db = env.schema_pool("reply").await;
    wait_for_cases(&reply_db, 150).await;
    let classify = running.remove(1);
    assert_eq!(classify.service, Service::Classify);
    classify.kill9();
    running.insert(1, env.start(Service::Classify).await);

    wait_for_cases(&reply_db, 900).await;
    let reply = running.remove(2);
    assert_eq!(reply.service, Service::Reply);
    reply.kill9();
    running.insert(2, env.start(Service::Reply).await);

    let status = tokio::task::spawn_blocking(move || replay.wait().unwrap()).await.unwrap();
    assert!(status.success(), "replay must finish once all posts are acknowledged");
    assert_each_post_once(&env, POSTS).await;
    env.cleanup(running).await;
}

/// `posts` complaints `k00000`, `k00001`, … spread over three units' accounts.
pub(crate) fn complaints(posts: usize) -> Vec<String> {
    let handles = ["@SP_Balotra", "@jaipur_police", "@PoliceRajasthan"];
    (0..posts)
        .map(|i| {
            let handle = handles[i % handles.len()];
            post_line(&format!("k{i:05}"), &format!("{handle} complaint {i}: my mobile was stolen"), &[handle], None)
        })
        .collect()
}

/// Every one of the `complaints(posts)` ends as exactly one case, one
/// decision, one stored message, one `opened` event and one metrics fact.
pub(crate) async fn assert_each_post_once(env: &TestEnv, posts: usize) {
    let reply_db = env.schema_pool("reply").await;
    wait_for_cases(&reply_db, posts as i64).await;
    let ids: Vec<String> = sqlx::query_scalar("SELECT post_id FROM cases").fetch_all(&reply_db).await.unwrap();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), posts, "one case per post");
    assert_eq!(unique.len(), posts);
    for i in 0..posts {
        assert!(unique.contains(&format!("k{i:05}")), "post k{i:05} lost");
    }
    let classify_db = env.schema_pool("classify").await;
    let decided: i64 = sqlx::query_scalar("SELECT count(*) FROM decisions").fetch_one(&classify_db).await.unwrap();
    assert_eq!(decided, posts as i64, "every post classified once");
    assert_eq!(env.stream_messages("INGESTED").await, posts as u64);

    // Every opened event reached metrics once: one fact per case.
    let metrics_db = env.schema_pool("metrics").await;
    eventually(Duration::from_secs(60), "a fact per case", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM case_facts").fetch_one(&metrics_db).await.ok()?;
        (n == posts as i64).then_some(())
    })
    .await;
    let js = env.jetstream().await;
    let cases_stream = js.get_stream(format!("{}_CASES", env.ns.to_uppercase())).await.unwrap();
    // Only `opened` events: SLA timers may add others (e.g. a night-time handoff to HQ).
    let mut subjects = cases_stream.info_with_subjects(format!("{}.case.opened.>", env.ns)).await.unwrap();
    let mut opened = 0;
    while let Some(entry) = tokio_stream::StreamExt::next(&mut subjects).await {
        opened += entry.unwrap().1;
    }
    assert_eq!(opened, posts, "one opened event per case, none published twice");
}
