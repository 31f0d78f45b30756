//! An operator's whole turn through `tvarit-desk` against the real services
//! and the simulated X: queue → claim → draft → send, and the reply reaches
//! the public once.

use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use tvarit_e2e::{Running, Sim, TestEnv, eventually};

use crate::platforms::{APP_TOKEN, poll_from, wait_count, x_post};

const USER_TOKEN: &str = "balotra-user-token";

fn desk(env: &TestEnv, reply: &Running, token: &str, args: &[&str]) -> Value {
    let out: Output = env
        .command("tvarit-desk")
        .args(["--server", &format!("http://{}", reply.grpc_addr), "--token", token, "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "tvarit-desk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    serde_json::from_str(text.lines().next().unwrap_or("null")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_claims_drafts_and_sends_from_the_command_line() {
    let env = TestEnv::new().await;
    let user = format!("{USER_TOKEN}=@SP_Balotra");
    let sim = Sim::start(&["--x-app-token", APP_TOKEN, "--x-user-token", &user]).await;
    poll_from(&env, &sim);
    env.set_env("TVARIT_X_USER_TOKEN_SP_BALOTRA", USER_TOKEN);
    env.set_env("TVARIT_REPLY_X_API_BASE", sim.url());
    let running = env.start_all().await;
    let reply = &running[2];
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;
    sim.post(x_post("@SP_Balotra मेरी बाइक बालोतरा बस स्टैंड से चोरी हो गई है")).await;
    let token = env.operator("meena", "operator", "balotra");

    let case = eventually(Duration::from_secs(30), "the case in the queue", || {
        let (env, token) = (&env, token.clone());
        async move { Some(desk(env, reply, &token, &["queue", "--unit", "balotra"])).filter(|v| !v.is_null()) }
    })
    .await;
    let docket = case["docket"].as_str().unwrap().to_owned();
    assert_eq!(desk(&env, reply, &token, &["claim", &docket])["claimed_by"], "meena");
    let draft = desk(&env, reply, &token, &["draft", &docket]);
    let text = draft["text"].as_str().unwrap().to_owned();
    assert!(text.contains(&docket), "the draft carries the docket: {text}");
    assert!(text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)), "a Hindi post gets a Hindi draft: {text}");
    let sent = desk(&env, reply, &token, &["reply", &docket, "--text", &text]);
    assert_eq!(sent["reply_status"], "pending");

    let post_id = case["post"]["id"].as_str().unwrap().to_owned();
    let replies = eventually(Duration::from_secs(30), "the reply on X", || {
        let (sim, post_id) = (&sim, post_id.clone());
        async move {
            let r: Vec<Value> = sim.replies().await.into_iter().filter(|r| r["in_reply_to"] == post_id).collect();
            (!r.is_empty()).then_some(r)
        }
    })
    .await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["text"], text);
    let shown = eventually(Duration::from_secs(20), "sent", || {
        let (env, token, docket) = (&env, token.clone(), docket.clone());
        async move { Some(desk(env, reply, &token, &["show", &docket])).filter(|c| c["reply_status"] == "sent") }
    })
    .await;
    assert!(shown["first_reply_at"].is_string());
    env.cleanup(running).await;
}
