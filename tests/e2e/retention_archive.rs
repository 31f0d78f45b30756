//! Retention beyond reply: ingest's raw archive and classify's decisions
//! and training examples lose a post's words and author once the period has
//! passed, and keep its identity (a replayed post is still a duplicate).

use std::time::Duration;

use prost::Message;
use tvarit_e2e::{Service, TestEnv, eventually, post_line};
use tvarit_proto::v1::Post;

const PHONE: &str = "9876543210";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_and_classify_purge_what_is_past_the_period_and_keep_the_rest() {
    let env = TestEnv::new().await;
    let mut running = env.start_all().await;
    let with_author = |line: String| {
        let mut v: serde_json::Value = serde_json::from_str(&line).unwrap();
        v["author"] = serde_json::json!({ "id": "u-9", "handle": "@ramesh_k", "name": "Ramesh Kumar" });
        v.to_string()
    };
    let lines = vec![
        with_author(post_line("a1", &format!("@SP_Balotra chain snatched, call {PHONE}"), &["@SP_Balotra"], None)),
        with_author(post_line("a2", &format!("@SP_Balotra bike stolen, call {PHONE}"), &["@SP_Balotra"], None)),
    ];
    let file = env.write_file("posts.jsonl", &lines);
    assert!(env.replay(&file).status.success());
    let ingest_db = env.schema_pool("ingest").await;
    let classify_db = env.schema_pool("classify").await;
    eventually(Duration::from_secs(30), "both decided", || {
        let db = classify_db.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM decisions").fetch_one(&db).await.ok()?;
            (n == 2).then_some(())
        }
    })
    .await;
    // A year and more passes for a1 only.
    sqlx::query("UPDATE posts SET received_at = now() - interval '400 days' WHERE post_id = 'a1'")
        .execute(&ingest_db)
        .await
        .unwrap();
    sqlx::query("UPDATE decisions SET decided_at = now() - interval '400 days' WHERE post_id = 'a1'")
        .execute(&classify_db)
        .await
        .unwrap();

    let cli = |args: &[&str]| {
        let out = env.command("tvarit-ingest").args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(cli(&["retention", "apply", "--dry-run"]).starts_with("due=1 "), "the dry run counts a1 only");
    let payload = |id: &'static str| {
        let db = ingest_db.clone();
        async move {
            let bytes: Vec<u8> = sqlx::query_scalar("SELECT payload FROM posts WHERE post_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap();
            Post::decode(bytes.as_slice()).unwrap()
        }
    };
    assert!(payload("a1").await.text.contains(PHONE), "a dry run changes nothing");
    assert!(cli(&["retention", "apply"]).starts_with("purged=1 "));
    let (old, new) = (payload("a1").await, payload("a2").await);
    assert!(old.text.is_empty() && old.author.is_none() && old.mentions.is_empty(), "{old:?}");
    assert_eq!((old.platform.as_str(), old.post_id.as_str(), old.unit.as_str()), ("x", "a1", "balotra"));
    assert!(new.text.contains(PHONE) && new.author.is_some(), "a post within the period is kept whole");
    // The identity stays: replayed, the purged post is a duplicate, not a new post.
    let again = env.command("tvarit-ingest").arg("replay").arg(&file).output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("new=0 duplicates=2"), "{again:?}");

    // classify purges at start and daily: its reasons for a1 go, a2's stay.
    let classify = running.remove(1);
    assert_eq!(classify.service, Service::Classify);
    assert!(classify.terminate().success());
    running.insert(1, env.start(Service::Classify).await);
    let reasons = |id: &'static str| {
        let db = classify_db.clone();
        async move {
            sqlx::query_scalar::<_, Vec<String>>("SELECT reasons FROM decisions WHERE post_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    eventually(Duration::from_secs(20), "a1's reasons purged", || {
        let fut = reasons("a1");
        async move { fut.await.is_empty().then_some(()) }
    })
    .await;
    assert!(!reasons("a2").await.is_empty(), "a decision within the period keeps its reasons");
    env.cleanup(running).await;
}
