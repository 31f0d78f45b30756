use std::collections::HashSet;
use std::time::Duration;

use sqlx::PgPool;
use tvarit_e2e::{Service, TestEnv, eventually, post_line};

async fn cases(db: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases").fetch_one(db).await.unwrap_or(0)
}

async fn wait_for_cases(db: &PgPool, at_least: i64) {
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
    let units = [("@SP_Balotra", "balotra"), ("@jaipur_police", "jaipur"), ("@PoliceRajasthan", "hq")];
    let lines: Vec<String> = (0..POSTS)
        .map(|i| {
            let (handle, _) = units[i % units.len()];
            post_line(&format!("k{i:05}"), &format!("{handle} complaint {i}: my mobile was stolen"), &[handle], None)
        })
        .collect();
    let file = env.write_file("posts.jsonl", &lines);
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
    wait_for_cases(&reply_db, POSTS as i64).await;

    let ids: Vec<String> = sqlx::query_scalar("SELECT post_id FROM cases").fetch_all(&reply_db).await.unwrap();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), POSTS, "one case per post");
    assert_eq!(unique.len(), POSTS);
    for i in 0..POSTS {
        assert!(unique.contains(&format!("k{i:05}")), "post k{i:05} lost");
    }
    let classify_db = env.schema_pool("classify").await;
    let decided: i64 = sqlx::query_scalar("SELECT count(*) FROM decisions").fetch_one(&classify_db).await.unwrap();
    assert_eq!(decided, POSTS as i64, "every post classified once");
    assert_eq!(env.stream_messages("INGESTED").await, POSTS as u64);

    // Every opened event reached metrics once: one fact per case.
    let metrics_db = env.schema_pool("metrics").await;
    eventually(Duration::from_secs(60), "a fact per case", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM case_facts").fetch_one(&metrics_db).await.ok()?;
        (n == POSTS as i64).then_some(())
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
    assert_eq!(opened, POSTS, "one opened event per case, none published twice");
    env.cleanup(running).await;
}
