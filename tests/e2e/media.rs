//! Photos and videos: X's `attachments.media_keys` expansion reaches the
//! case (`post.media`); a sensitive case's evidence keeps the files' bytes
//! with their SHA-256; the console shows them through itself.

use std::time::Duration;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tvarit_e2e::{Browser, Sim, TestEnv, authed, desk_client, eventually};
use tvarit_proto::Category;
use tvarit_proto::v1::{ListQueueRequest, RelabelRequest};

use crate::console::{console_url, sign_in};
use crate::platforms::{APP_TOKEN, count, poll_from, wait_count};

async fn file_sha256(url: &str) -> Vec<u8> {
    // The services' client: with the workspace's features reqwest needs its TLS provider installed.
    let bytes = tvarit_platforms::http_client().get(url).send().await.unwrap().bytes().await.unwrap();
    Sha256::digest(&bytes).to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_reaches_the_case_its_evidence_and_the_console() {
    Box::pin(photo_journey()).await;
}

async fn photo_journey() {
    let env = TestEnv::new().await;
    let sim = Sim::start(&["--x-app-token", APP_TOKEN]).await;
    poll_from(&env, &sim);
    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;
    let posted: Value = sim
        .post(json!({
            "text": "@SP_Balotra यह वीडियो देखिए, मंदिर के बाहर भीड़ को भड़काया जा रहा है",
            "platform": "x",
            "author": { "handle": "@witness_1", "name": "A Witness" },
            "media": [{ "type": "photo", "alt_text": "a crowd at the temple gate" }, { "type": "video" }],
        }))
        .await;
    let photo_url = posted["media"][0]["url"].as_str().unwrap().to_owned();
    let still_url = posted["media"][1]["preview_url"].as_str().unwrap().to_owned();
    let reply_db = env.schema_pool("reply").await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 1).await;

    // 1. The case carries the attachments as X listed them.
    let supervisor = env.operator("meena", "supervisor", "balotra");
    let desk = desk_client(&running[2]).await;
    let queue = authed(&supervisor, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
    let case = desk.clone().list_queue(queue).await.unwrap().into_inner().cases.remove(0);
    let media = case.post.as_ref().unwrap().media.clone();
    assert_eq!(media.len(), 2, "{media:?}");
    assert_eq!((media[0].r#type.as_str(), media[0].url.as_str()), ("photo", photo_url.as_str()));
    assert_eq!(media[0].alt_text, "a crowd at the temple gate");
    assert_eq!(
        (media[1].r#type.as_str(), media[1].url.as_str(), media[1].preview_url.as_str()),
        ("video", "", still_url.as_str())
    );

    // 2. Sensitive: the evidence keeps each file's bytes, hashed as served.
    let relabel = RelabelRequest { docket: case.docket.clone(), category: Category::Sensitive as i32, urgency: 0 };
    desk.clone().relabel(authed(&supervisor, relabel)).await.unwrap();
    wait_count(&reply_db, "SELECT count(*) FROM evidence_media WHERE status = 'stored'", 2).await;
    let stored: Vec<(String, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT url, sha256, sha256(bytes) FROM evidence_media ORDER BY position")
            .fetch_all(&reply_db)
            .await
            .unwrap();
    assert_eq!((stored[0].0.as_str(), stored[1].0.as_str()), (photo_url.as_str(), still_url.as_str()));
    for (url, sha, of_bytes) in &stored {
        assert_eq!(sha, of_bytes, "the recorded hash is the stored bytes'");
        assert_eq!(sha, &file_sha256(url).await, "the stored bytes are the platform's file");
    }
    assert_eq!(count(&reply_db, "SELECT count(*) FROM evidence_media").await, 2, "each file fetched once");

    // 3. The console shows both through itself, for a person of the unit only.
    let console = env.start_console(&running[2], &running[3]).await;
    let browser = Browser::start().await;
    sign_in(&browser, &console, &supervisor, "en").await;
    browser.goto(&console_url(&console, &format!("/cases/{}", case.docket))).await;
    browser.wait_for("ul.media img", Duration::from_secs(5)).await;
    let drawn = eventually(Duration::from_secs(10), "the previews drawn", || {
        let browser = &browser;
        async move {
            let widths = browser
                .execute("return [...document.querySelectorAll('ul.media img')].map(i => i.naturalWidth);", json!([]))
                .await;
            (widths == json!([1, 1])).then_some(widths)
        }
    })
    .await;
    assert_eq!(drawn, json!([1, 1]));
    let alt = browser.execute("return document.querySelector('ul.media img').alt;", json!([])).await;
    assert_eq!(alt, json!("a crowd at the temple gate"));
    let outsider = env.operator("kota-op", "operator", "kota");
    let other = Browser::start().await;
    sign_in(&other, &console, &outsider, "en").await;
    assert_eq!(other.fetch_status(&format!("/cases/{}/media/0", case.docket)).await, 404);
    env.cleanup(running).await;
}
