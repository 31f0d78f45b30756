//! YouTube comment threads against `tvarit-sim`: comments on our channels'
//! videos become cases in the channel's unit (none of the old ones, none of
//! our own), and an operator's answer is posted in the thread once.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_e2e::{SETTLE, Sim, TestEnv, account_toml, authed, desk_client, eventually};
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest, ReplyRequest};

use crate::platforms::{count, wait_count};

pub const API_KEY: &str = "AIzaSimKey";
const HQ_CHANNEL: &str = "UCrajpolice000000000001";
const BALOTRA_CHANNEL: &str = "UCbalotra0000000000000001";
const BALOTRA_TOKEN: &str = "balotra-yt-token";

/// HQ's and Balotra's channels. The registry keys accounts by handle
/// alone, so a channel's handle must differ from the X handles of the same
/// unit.
pub fn youtube_accounts() -> String {
    account_toml("youtube", "@PoliceRajasthanYT", "hq", HQ_CHANNEL, &["poll"])
        + &account_toml("youtube", "@BalotraPoliceYT", "balotra", BALOTRA_CHANNEL, &["poll"])
}

/// The sim with HQ's and Balotra's channels and the Data API's key;
/// `extra`: more of its arguments.
pub async fn youtube_sim(extra: &[&str]) -> Sim {
    let hq = format!("{HQ_CHANNEL}=@PoliceRajasthanYT");
    let balotra = format!("{BALOTRA_CHANNEL}=@BalotraPoliceYT");
    let channels = ["--youtube-channel", &hq, "--youtube-channel", &balotra, "--youtube-api-key", API_KEY];
    Sim::start(&[&channels[..], extra].concat()).await
}

/// The sim, with Balotra's channel token for replies.
async fn start_sim() -> Sim {
    youtube_sim(&["--youtube-token", &format!("{BALOTRA_TOKEN}={BALOTRA_CHANNEL}")]).await
}

/// Ingest polls the sim's Data API every second (the quota is set high
/// enough for that); reply answers through it.
pub fn youtube_from(env: &TestEnv, sim: &Sim) {
    env.use_accounts(&youtube_accounts());
    let base = format!("{}/youtube/v3", sim.url());
    env.set_env("TVARIT_YOUTUBE_API_KEY", API_KEY);
    env.set_env("TVARIT_INGEST_YOUTUBE_API_BASE", &base);
    env.set_env("TVARIT_INGEST_YOUTUBE_DAILY_QUOTA", "10000000");
    env.set_env("TVARIT_INGEST_YOUTUBE_POLL_SECONDS", "1");
    env.set_env("TVARIT_YOUTUBE_TOKEN_BALOTRAPOLICEYT", BALOTRA_TOKEN);
    env.set_env("TVARIT_REPLY_YOUTUBE_API_BASE", &base);
}

fn comment(channel: &str, text: &str) -> Value {
    json!({ "platform": "youtube", "channel_id": channel, "text": text,
            "author": { "handle": "@citizen_yt", "name": "A Citizen" } })
}

const CHECKPOINTS: &str = "SELECT count(*) FROM checkpoints WHERE source = 'youtube-comments'";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn youtube_comments_become_one_case_each_in_the_channels_unit() {
    let env = TestEnv::new().await;
    let sim = start_sim().await;
    youtube_from(&env, &sim);
    for i in 0..2 {
        sim.post(comment(BALOTRA_CHANNEL, &format!("old comment {i}: before Tvarit started"))).await;
    }
    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&ingest_db, CHECKPOINTS, 2).await;

    let balotra = sim.post(comment(BALOTRA_CHANNEL, "बालोतरा बस स्टैंड पर मेरा पर्स चोरी हो गया")).await;
    sim.post(comment(HQ_CHANNEL, "Please stop the loudspeakers playing all night near our house")).await;
    // Our own channel's comment (a pinned note) is not the public's.
    sim.post(json!({ "platform": "youtube", "channel_id": BALOTRA_CHANNEL, "text": "Helpline: 112",
                     "author": { "id": BALOTRA_CHANNEL, "handle": "@BalotraPoliceYT" } }))
        .await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 2).await;
    tokio::time::sleep(SETTLE * 2).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 2, "no old comments, none of ours");
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'youtube' AND unit = 'balotra'").await, 1);
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'youtube' AND unit = 'hq'").await, 1);
    assert_eq!(env.stream_messages("INGESTED").await, 2, "nothing published twice");
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT post_id, source FROM posts WHERE platform = 'youtube' ORDER BY post_id")
            .fetch_all(&ingest_db)
            .await
            .unwrap();
    assert!(stored.iter().any(|(id, _)| id == balotra["id"].as_str().unwrap()), "{stored:?}");
    assert!(stored.iter().all(|(_, source)| source == "youtube-comments"), "{stored:?}");
    let quota = sim.get("/sim/youtube/quota").await;
    assert!(quota["used"].as_u64().unwrap() > 0, "{quota}");
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_answer_is_posted_in_the_thread_once() {
    let env = TestEnv::new().await;
    let sim = start_sim().await;
    youtube_from(&env, &sim);
    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&ingest_db, CHECKPOINTS, 2).await;
    let posted = sim.post(comment(BALOTRA_CHANNEL, "My bike was stolen outside the Balotra market")).await;
    let comment_id = posted["id"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases", 1).await;

    let token = env.operator("balotra-yt-op", "operator", "balotra");
    let mut desk = desk_client(&running[2]).await;
    let req = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
    let cases: Vec<Case> = desk.list_queue(req).await.unwrap().into_inner().cases;
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].post.as_ref().unwrap().post_id, comment_id);
    let docket = cases[0].docket.clone();
    let text = "Balotra Police: please share the exact location and time.";
    let queued = desk
        .reply(authed(&token, ReplyRequest { docket: docket.clone(), text: text.into(), private: false }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(queued.reply_status, "pending");
    let sent = eventually(Duration::from_secs(40), "the youtube reply sent", || {
        let (mut desk, token, docket) = (desk.clone(), token.clone(), docket.clone());
        async move {
            let c = desk.get_case(authed(&token, CaseRef { docket })).await.ok()?.into_inner();
            (c.reply_status == "sent").then_some(c)
        }
    })
    .await;
    assert!(sent.first_reply_at.is_some());

    tokio::time::sleep(SETTLE).await;
    let replies: Vec<Value> = sim
        .replies()
        .await
        .into_iter()
        .filter(|r| r["platform"] == "youtube" && r["in_reply_to"] == comment_id.as_str())
        .collect();
    assert_eq!(replies.len(), 1, "posted once: {replies:?}");
    assert_eq!(replies[0]["text"], text);
    assert_eq!(replies[0]["account"], BALOTRA_CHANNEL);
    // Our reply sits in the thread; it is no new comment thread, so no new case.
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 1);
    env.cleanup(running).await;
}
