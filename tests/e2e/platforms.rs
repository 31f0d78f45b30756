//! The platform adapters against `tvarit-sim`: inbound polling and webhooks,
//! outbound replies at most once.

use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tvarit_e2e::{Running, SETTLE, Service, Sim, TestEnv, account_toml, authed, eventually, free_port, post_raw};
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest};

pub const APP_TOKEN: &str = "app-only-token";
/// Balotra's X user token: reply posts as @SP_Balotra with it.
pub const USER_TOKEN: &str = "balotra-user-token";
const PAGE_ID: &str = "100000000000001";

/// The sim's default X ids for our accounts, and Balotra's Facebook Page.
pub fn accounts() -> String {
    [
        account_toml("x", "@PoliceRajasthan", "hq", "900000000000000001", &["poll", "webhook"]),
        account_toml("x", "@SP_Balotra", "balotra", "900000000000000003", &["poll", "stream", "webhook"]),
        account_toml("x", "@jaipur_police", "jaipur", "900000000000000004", &["poll"]),
        account_toml("facebook", "@BalotraPolicePage", "balotra", PAGE_ID, &["webhook"]),
    ]
    .concat()
}

pub fn x_post(text: &str) -> Value {
    json!({ "text": text, "platform": "x", "author": { "handle": "@citizen_1", "name": "A Citizen" } })
}

pub async fn count(db: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(db).await.unwrap_or(-1)
}

pub async fn wait_count(db: &PgPool, sql: &str, want: i64) {
    eventually(Duration::from_secs(40), &format!("{want} from {sql}"), || async move {
        (count(db, sql).await == want).then_some(())
    })
    .await;
}

/// Every Balotra case, open or not, in docket order (the order they opened).
pub async fn balotra_cases(desk: &DeskClient<tonic::transport::Channel>, token: &str) -> Vec<Case> {
    let req = authed(token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
    let mut cases = desk.clone().list_queue(req).await.unwrap().into_inner().cases;
    cases.sort_by(|a, b| a.docket.cmp(&b.docket));
    cases
}

/// Waits (40 s) until the platform has the case's reply (`sent`).
pub async fn wait_sent(desk: &DeskClient<tonic::transport::Channel>, token: &str, docket: &str) -> Case {
    eventually(Duration::from_secs(40), &format!("{docket}'s reply sent"), || async {
        let c = desk.clone().get_case(authed(token, CaseRef { docket: docket.into() })).await.ok()?.into_inner();
        (c.reply_status == "sent").then_some(c)
    })
    .await
}

pub fn poll_from(env: &TestEnv, sim: &Sim) {
    env.use_accounts(&accounts());
    env.set_env("TVARIT_X_APP_BEARER", APP_TOKEN);
    env.set_env("TVARIT_INGEST_X_API_BASE", sim.url());
    env.set_env("TVARIT_INGEST_X_POLL_SECONDS", "1");
}

/// The sim with X's app token (ingest polls with it) and Balotra's user
/// token (reply posts as @SP_Balotra with it); `extra`: more of its
/// arguments.
pub async fn x_sim(extra: &[&str]) -> Sim {
    let user = format!("{USER_TOKEN}=@SP_Balotra");
    Sim::start(&[&["--x-app-token", APP_TOKEN, "--x-user-token", &user][..], extra].concat()).await
}

/// Reply posts to the sim's X as @SP_Balotra.
pub fn reply_as_balotra(env: &TestEnv, sim: &Sim) {
    env.set_env("TVARIT_X_USER_TOKEN_SP_BALOTRA", USER_TOKEN);
    env.set_env("TVARIT_REPLY_X_API_BASE", sim.url());
}

/// Ingest's webhook listener, on a port chosen before the sim starts so
/// that the sim can deliver X's and Meta's webhooks there, signed with
/// secrets ingest is given too.
pub struct Webhooks {
    port: u16,
    x_url: String,
    meta_url: String,
}

impl Webhooks {
    pub fn on_a_free_port() -> Self {
        let port = free_port();
        let hooks = format!("http://127.0.0.1:{port}");
        Webhooks { port, x_url: format!("{hooks}/webhooks/x"), meta_url: format!("{hooks}/webhooks/meta") }
    }

    /// Where ingest listens.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The sim's arguments that deliver Meta's webhooks here.
    pub fn meta_sim_args(&self) -> [&str; 6] {
        ["--meta-webhook-url", &self.meta_url, "--meta-app-secret", "app-secret", "--meta-verify-token", "verify-token"]
    }

    /// The sim's arguments that deliver X's and Meta's webhooks here.
    pub fn sim_args(&self) -> Vec<&str> {
        [&["--x-webhook-url", &self.x_url, "--x-consumer-secret", "consumer-secret"][..], &self.meta_sim_args()]
            .concat()
    }

    /// Ingest listens here and checks Meta's deliveries with the sim's secrets.
    pub fn listen_meta(&self, env: &TestEnv) {
        env.set_env("TVARIT_INGEST_HTTP_LISTEN", self.addr());
        env.set_env("TVARIT_META_APP_SECRET", "app-secret");
        env.set_env("TVARIT_META_VERIFY_TOKEN", "verify-token");
    }

    /// Ingest listens here and checks X's and Meta's deliveries with the
    /// sim's secrets.
    pub fn listen(&self, env: &TestEnv) {
        self.listen_meta(env);
        env.set_env("TVARIT_X_CONSUMER_SECRET", "consumer-secret");
    }
}

/// Kills reply (`running[2]`, as `start_all` orders them) with SIGKILL
/// while the sim holds a post's answer back, then has the sim answer at
/// once again; the caller starts reply anew.
pub async fn kill9_reply(running: &mut Vec<Running>, sim: &Sim) {
    let reply = running.remove(2);
    assert_eq!(reply.service, Service::Reply);
    reply.kill9();
    sim.faults(json!({ "slow_after_create_ms": 0 })).await;
}

/// Polling starts at the newest mention, resumes from its checkpoint across
/// a restart, and never repeats or skips a post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_polling_resumes_from_its_checkpoint() {
    let env = TestEnv::new().await;
    // Short rate-limit windows, so a 429 resets within the test.
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--x-window-secs", "3"]).await;
    poll_from(&env, &sim);
    for i in 0..2 {
        sim.post(x_post(&format!("@jaipur_police old complaint {i}: chain snatching"))).await;
    }
    let mut running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;

    for i in 0..3 {
        sim.post(x_post(&format!("@jaipur_police my phone was stolen near the station, case {i}"))).await;
    }
    wait_count(&reply_db, "SELECT count(*) FROM cases", 3).await;

    // Down for a while: what arrives meanwhile is fetched on restart.
    let ingest = running.remove(0);
    assert_eq!(ingest.service, Service::Ingest);
    assert!(ingest.terminate().success());
    for i in 0..2 {
        sim.post(x_post(&format!("@jaipur_police noise complaint while you were away {i}"))).await;
    }
    running.insert(0, env.start(Service::Ingest).await);
    wait_count(&reply_db, "SELECT count(*) FROM cases", 5).await;

    // Through 429s and 5xx from X: late, but nothing lost.
    sim.faults(json!({ "throttle_next": 2, "error_rate": 0.5 })).await;
    for i in 0..2 {
        sim.post(x_post(&format!("@jaipur_police posted while X was failing: theft {i}"))).await;
    }
    // Both 429s have been served before X recovers.
    eventually(Duration::from_secs(20), "the 429 burst served", || async {
        (sim.get("/sim/faults").await["throttle_next"] == 0).then_some(())
    })
    .await;
    sim.faults(json!({ "error_rate": 0.0 })).await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 7).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 7, "old mentions are not flooded in");
    assert_eq!(env.stream_messages("INGESTED").await, 7, "nothing published twice");
    let newest: String =
        sim.get("/sim/posts?platform=x").await.as_array().unwrap().last().unwrap()["id"].as_str().unwrap().into();
    let since: String = sqlx::query_scalar("SELECT since_id FROM checkpoints WHERE account = '@jaipur_police'")
        .fetch_one(&ingest_db)
        .await
        .unwrap();
    assert_eq!(since, newest);
    env.cleanup(running).await;
}

/// X and Meta webhooks deliver; a post seen by poll, stream and webhook is
/// one case; forged or broken deliveries publish nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_and_polling_together_make_one_case_per_post() {
    let env = TestEnv::new().await;
    let hooks = Webhooks::on_a_free_port();
    let page = format!("{PAGE_ID}=Balotra Police");
    let sim = Sim::start(&[&["--x-app-token", APP_TOKEN, "--meta-page", &page][..], &hooks.sim_args()].concat()).await;
    poll_from(&env, &sim);
    hooks.listen(&env);
    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;

    let (_, crc) = sim.post_path("/sim/webhooks/x/crc", json!({})).await;
    assert!(crc.contains("true"), "the CRC challenge is answered: {crc}");
    let (_, wrong) = sim.post_path("/sim/webhooks/x/crc", json!({ "secret": "not-ours" })).await;
    assert!(wrong.contains("false"), "a CRC computed with another secret does not match: {wrong}");
    let (_, verify) = sim.post_path("/sim/webhooks/meta/verify", json!({})).await;
    assert!(verify.contains("true"), "{verify}");
    let (_, bad_verify) = sim.post_path("/sim/webhooks/meta/verify", json!({ "verify_token": "nope" })).await;
    assert!(bad_verify.contains("false"), "{bad_verify}");

    for i in 0..3 {
        sim.post(x_post(&format!("@SP_Balotra illegal liquor being sold near the school, report {i}"))).await;
    }
    sim.post(json!({ "text": "बालोतरा बस स्टैंड पर जेबकतरे सक्रिय हैं", "platform": "facebook" })).await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 4).await;
    // Both routes had their chance: polls every second, webhooks at once.
    tokio::time::sleep(SETTLE * 2).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 4);
    let fb: i64 = count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'facebook' AND unit = 'balotra'").await;
    assert_eq!(fb, 1, "the Page comment is a Balotra case");
    let sources: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT source FROM posts ORDER BY 1").fetch_all(&ingest_db).await.unwrap();
    assert!(sources.contains(&"meta-webhook".to_string()), "{sources:?}");

    // Forged and broken deliveries: a clear refusal, nothing published.
    let ingest_addr = hooks.addr().parse().unwrap();
    let body = br#"{"for_user_id":"900000000000000003","tweet_create_events":[]}"#;
    let forged = post_raw(ingest_addr, "/webhooks/x", &[("x-twitter-webhooks-signature", "sha256=AAAA")], body).await;
    assert_eq!(forged.status, 401);
    let sig = sign_x("consumer-secret", b"{\"for_user_id\": ");
    let truncated =
        post_raw(ingest_addr, "/webhooks/x", &[("x-twitter-webhooks-signature", &sig)], b"{\"for_user_id\": ").await;
    assert_eq!(truncated.status, 400);
    let meta_forged = post_raw(ingest_addr, "/webhooks/meta", &[("X-Hub-Signature-256", "sha256=00")], b"{}").await;
    assert_eq!(meta_forged.status, 401);
    assert_eq!(env.stream_messages("INGESTED").await, 4);
    env.cleanup(running).await;
}

fn sign_x(secret: &str, body: &[u8]) -> String {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}
