//! Credentials that last (docs/platforms.md "How tokens are renewed"): an X
//! account connected through OAuth 2.0 with PKCE keeps replying across
//! three access-token expiries and a `kill -9` of reply right after a
//! renewal was stored (each reply posted once); a refresh token used twice
//! is refused by X, and the account shows "reconnect needed" in `accounts
//! list`, in the waiting reply's error, in `/metrics` and in an `account`
//! alert to the control room, until it is connected again and the reply
//! goes out.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tvarit_e2e::{AlertReceiver, Service, Sim, TestEnv, authed, desk_client, eventually, get_redirect};
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest, ReplyRequest};

use crate::platforms::{APP_TOKEN, count, poll_from, wait_count, x_post};

const CLIENT_ID: &str = "tvarit-client";
const CLIENT_SECRET: &str = "tvarit-client-secret";
const ALERT_SECRET: &str = "control-room-secret";
const REDIRECT: &str = "http://127.0.0.1/callback";
const WAITING: &str = "account @SP_Balotra needs reconnecting: run tvarit-reply accounts connect @SP_Balotra";

/// The consent page, where the sim says yes as @SP_Balotra; returns the
/// address the browser is sent back to.
async fn consent(sim: &Sim, url: &str) -> String {
    let path = url.trim().strip_prefix(&sim.url()).unwrap_or_else(|| panic!("not the sim's consent page: {url}"));
    let (status, location) = get_redirect(sim.addr, &format!("{path}&sim_account=%40SP_Balotra")).await;
    let location = location.unwrap_or_default();
    assert!(status == 302 && location.starts_with(REDIRECT) && location.contains("code="), "{status} {location}");
    location
}

/// `accounts connect @SP_Balotra`, the redirect address pasted on stdin.
async fn connect_on_stdin(env: &TestEnv, sim: &Sim) {
    let mut child = env
        .command("tvarit-reply")
        .args(["accounts", "connect", "@SP_Balotra"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (url, mut stdout) = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        (line, stdout)
    })
    .await
    .unwrap();
    assert!(url.contains("code_challenge_method=S256") && url.contains("offline.access"), "{url}");
    let location = consent(sim, &url).await;
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{location}").unwrap();
    drop(stdin);
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap()).await.unwrap();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(status.success() && rest.contains("connected @SP_Balotra on x"), "{status}: {rest}");
}

/// The same in two runs: the consent address, then `--code`.
async fn connect_with_code(env: &TestEnv, sim: &Sim) {
    let first =
        env.command("tvarit-reply").args(["accounts", "connect", "@SP_Balotra"]).stdin(Stdio::null()).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let location = consent(sim, String::from_utf8_lossy(&first.stdout).lines().next().unwrap()).await;
    let second =
        env.command("tvarit-reply").args(["accounts", "connect", "@SP_Balotra", "--code", &location]).output().unwrap();
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(
        second.status.success() && out.contains("connected @SP_Balotra"),
        "{out} {}",
        String::from_utf8_lossy(&second.stderr)
    );
}

/// @SP_Balotra's line of `accounts list --json`.
fn listed(env: &TestEnv) -> Value {
    let out = env.command("tvarit-reply").args(["accounts", "list", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["account"] == "@SP_Balotra")
        .expect("@SP_Balotra is listed")
}

async fn generation(db: &PgPool) -> i64 {
    count(db, "SELECT generation FROM account_credentials WHERE account = '@sp_balotra'").await
}

/// Waits until a renewal after `g` was committed.
async fn renewed_after(db: &PgPool, g: i64) -> i64 {
    eventually(Duration::from_secs(30), "a renewal ahead of expiry", || async move {
        Some(generation(db).await).filter(|n| *n > g)
    })
    .await
}

async fn replies_to(sim: &Sim, case: &Case) -> usize {
    let id = &case.post.as_ref().unwrap().post_id;
    sim.replies().await.iter().filter(|r| r["in_reply_to"] == id.as_str()).count()
}

struct Desk {
    client: DeskClient<tonic::transport::Channel>,
    token: String,
}

impl Desk {
    async fn reply(&self, case: &Case, text: &str) {
        let req = ReplyRequest { docket: case.docket.clone(), text: text.into(), private: false };
        self.client.clone().reply(authed(&self.token, req)).await.unwrap();
    }

    async fn wait(&self, case: &Case, what: &str, check: impl Fn(&Case) -> bool) -> Case {
        eventually(Duration::from_secs(40), what, || async {
            let req = authed(&self.token, CaseRef { docket: case.docket.clone() });
            Some(self.client.clone().get_case(req).await.ok()?.into_inner()).filter(|c| check(c))
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_x_account_keeps_replying_across_expiries_a_crash_and_a_reconnect() {
    let env = TestEnv::new().await;
    let receiver = AlertReceiver::start().await;
    let client = format!("{CLIENT_ID}:{CLIENT_SECRET}");
    // 20-second access tokens renewed 10 s before their end: a renewal every ~10 s.
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--x-oauth-client", &client, "--x-token-ttl-secs", "20"]).await;
    poll_from(&env, &sim);
    let key = env.dir.path().join("credentials.key");
    std::fs::write(&key, hex::encode([0x5a; 32])).unwrap();
    for (k, v) in [
        ("TVARIT_X_CLIENT_ID", CLIENT_ID.to_owned()),
        ("TVARIT_X_CLIENT_SECRET", CLIENT_SECRET.to_owned()),
        ("TVARIT_REPLY_X_API_BASE", sim.url()),
        ("TVARIT_REPLY_X_AUTHORIZE_URL", format!("{}/i/oauth2/authorize", sim.url())),
        ("TVARIT_REPLY_X_REDIRECT_URI", REDIRECT.to_owned()),
        ("TVARIT_REPLY_TOKEN_REFRESH_MARGIN_SECONDS", "10".to_owned()),
        ("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2".to_owned()),
        ("TVARIT_ALERT_WEBHOOK_URL", receiver.url.clone()),
        ("TVARIT_ALERT_WEBHOOK_SECRET", ALERT_SECRET.to_owned()),
    ] {
        env.set_env(k, v);
    }
    // No key, nothing stored.
    let keyless = env.command("tvarit-reply").args(["accounts", "connect", "@SP_Balotra"]).output().unwrap();
    assert!(
        !keyless.status.success() && String::from_utf8_lossy(&keyless.stderr).contains("TVARIT_CREDENTIALS_KEY_FILE")
    );
    env.set_env("TVARIT_CREDENTIALS_KEY_FILE", key.to_string_lossy());
    assert_eq!(listed(&env)["status"], "not connected");
    connect_on_stdin(&env, &sim).await;
    let view = listed(&env);
    assert_eq!(
        (view["source"].as_str(), view["auth"].as_str(), view["status"].as_str()),
        (Some("stored"), Some("oauth2"), Some("ok"))
    );

    let mut running = env.start_all().await;
    wait_count(&env.schema_pool("ingest").await, "SELECT count(*) FROM checkpoints", 3).await;
    for i in 0..5 {
        sim.post(x_post(&format!("@SP_Balotra my phone was snatched near the station, please help ({i})"))).await;
    }
    let db = env.schema_pool("reply").await;
    wait_count(&db, "SELECT count(*) FROM cases", 5).await;
    let token = env.operator("balotra-op", "operator", "balotra");
    let mut desk = Desk { client: desk_client(&running[2]).await, token };
    let req = authed(&desk.token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
    let mut cases = desk.client.list_queue(req).await.unwrap().into_inner().cases;
    cases.sort_by(|a, b| a.docket.cmp(&b.docket));
    let sent = |c: &Case| c.reply_status == "sent";

    // 1. Three expiries: each reply is sent with a renewed token, once.
    let g0 = generation(&db).await;
    for (i, case) in cases[..3].iter().enumerate() {
        sim.post_path("/sim/x/expire_tokens", json!({})).await;
        desk.reply(case, &format!("Balotra Police: an officer will call you ({i}).")).await;
        desk.wait(case, "the reply sent", sent).await;
        assert_eq!(replies_to(&sim, case).await, 1);
    }
    assert!(generation(&db).await >= g0 + 3, "every expiry was renewed");

    // 2. kill -9 right after a renewal was stored: the rotated refresh token survives it.
    renewed_after(&db, generation(&db).await).await;
    let reply = running.remove(2);
    assert_eq!(reply.service, Service::Reply);
    reply.kill9();
    running.insert(2, env.start(Service::Reply).await);
    desk.client = desk_client(&running[2]).await;
    sim.post_path("/sim/x/expire_tokens", json!({})).await;
    desk.reply(&cases[3], "Balotra Police: your complaint is registered.").await;
    desk.wait(&cases[3], "the reply sent after the crash", sent).await;
    assert_eq!(replies_to(&sim, &cases[3]).await, 1);

    // 3. A refresh token used twice (a database restored from before a
    // renewal): X refuses it, and the account waits for a person.
    let old: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM account_credentials").fetch_one(&db).await.unwrap();
    renewed_after(&db, generation(&db).await).await;
    sqlx::query("UPDATE account_credentials SET sealed = $1").bind(&old).execute(&db).await.unwrap();
    sim.post_path("/sim/x/expire_tokens", json!({})).await;
    desk.reply(&cases[4], "Balotra Police: please visit the station with your bill.").await;
    let waiting = desk.wait(&cases[4], "the reply waiting for a reconnection", |c| c.reply_error == WAITING).await;
    assert_eq!(waiting.reply_status, "retrying");
    assert_eq!(count(&db, "SELECT count(*) FROM replies WHERE status = 'pending'").await, 1);
    let view = listed(&env);
    assert_eq!(view["status"], "reconnect needed");
    assert!(view["last_error"].as_str().unwrap_or_default().contains("token was invalid"), "{view}");
    let alert = eventually(Duration::from_secs(20), "the account alert", || async {
        receiver.all().into_iter().find(|a| a.status < 300 && a.json["event"] == "account")
    })
    .await;
    assert_eq!((alert.json["account"].as_str(), alert.json["platform"].as_str()), (Some("@SP_Balotra"), Some("x")));
    let expected = tvarit_e2e::sign(ALERT_SECRET, &alert.body);
    assert_eq!(alert.signature.as_deref(), Some(expected.as_str()), "signed for the control room");
    let metrics = running[2].http_addr;
    eventually(Duration::from_secs(20), "the token gauge at 0", || async move {
        let (_, body) = crate::metrics_http::get(metrics, "/metrics").await;
        body.contains("tvarit_account_token_ok{account=\"@SP_Balotra\"} 0").then_some(())
    })
    .await;
    assert_eq!(replies_to(&sim, &cases[4]).await, 0);

    // 4. Connected again: the waiting reply goes out at once, once.
    connect_with_code(&env, &sim).await;
    desk.wait(&cases[4], "the waiting reply sent", sent).await;
    assert_eq!(replies_to(&sim, &cases[4]).await, 1);
    assert_eq!(listed(&env)["status"], "ok");
    env.cleanup(running).await;
}
