//! An operator's whole turn through `tvarit-desk` against the real services
//! and the simulated X: queue → claim → draft → send, and the reply reaches
//! the public once. And the alarm in the terminal: `watch` rings the bell
//! for an emergency and shows its escalation, `ack` silences it.

use std::io::Read;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tvarit_e2e::{Running, TestEnv, eventually, post_line, registry_with_sla};

use crate::platforms::{poll_from, reply_as_balotra, wait_count, x_post, x_sim};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_claims_drafts_and_sends_from_the_command_line() {
    let env = TestEnv::new().await;
    let sim = x_sim(&[]).await;
    poll_from(&env, &sim);
    reply_as_balotra(&env, &sim);
    let running = env.start_all().await;
    let reply = &running[2];
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;
    sim.post(x_post("@SP_Balotra मेरी बाइक बालोतरा बस स्टैंड से चोरी हो गई है")).await;
    let token = env.operator("meena", "operator", "balotra");

    let case = eventually(Duration::from_secs(30), "the case in the queue", || {
        let (env, token) = (&env, token.clone());
        async move { Some(env.desk_json(reply, &token, &["queue", "--unit", "balotra"])).filter(|v| !v.is_null()) }
    })
    .await;
    let docket = case["docket"].as_str().unwrap().to_owned();
    assert_eq!(env.desk_json(reply, &token, &["claim", &docket])["claimed_by"], "meena");
    let draft = env.desk_json(reply, &token, &["draft", &docket]);
    let text = draft["text"].as_str().unwrap().to_owned();
    assert!(text.contains(&docket), "the draft carries the docket: {text}");
    assert!(text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)), "a Hindi post gets a Hindi draft: {text}");
    let sent = env.desk_json(reply, &token, &["reply", &docket, "--text", &text]);
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
        async move { Some(env.desk_json(reply, &token, &["show", &docket])).filter(|c| c["reply_status"] == "sent") }
    })
    .await;
    assert!(shown["first_reply_at"].is_string());
    env.cleanup(running).await;
}

/// `tvarit-desk watch`'s output so far, read by a thread as it comes.
fn watch(env: &TestEnv, reply: &Running, token: &str, unit: &str) -> (std::process::Child, Arc<Mutex<String>>) {
    let mut child = env
        .desk_cli(reply, token)
        .args(["watch", "--unit", unit])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let seen = Arc::new(Mutex::new(String::new()));
    let into = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    (child, seen)
}

/// The screen `watch` drew last (it clears the terminal before each).
fn last_frame(seen: &Mutex<String>) -> String {
    let all = seen.lock().unwrap();
    all.rsplit("\x1b[2J\x1b[H").next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_rings_the_bell_for_an_emergency_and_ack_silences_it() {
    let env = TestEnv::new().await;
    env.use_registry(&registry_with_sla(&[(
        "balotra",
        "shift = \"24x7\"\nemergency_escalation = [{ after_seconds = 3, to = \"shift supervisor\" }]",
    )]));
    let running = env.start_all().await;
    let reply = &running[2];
    let token = env.operator("meena", "operator", "balotra");
    let (mut child, seen) = watch(&env, reply, &token, "balotra");
    eventually(Duration::from_secs(10), "the watch drawn", || async {
        last_frame(&seen).contains("balotra: 0 open case(s)").then_some(())
    })
    .await;

    let text = "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road";
    let line = post_line("bell-1", text, &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file("bell.jsonl", &[line])).status.success());
    let case = eventually(Duration::from_secs(30), "the emergency in the queue", || {
        let (env, token) = (&env, token.clone());
        async move { Some(env.desk_json(reply, &token, &["queue", "--unit", "balotra"])).filter(|v| !v.is_null()) }
    })
    .await;
    let docket = case["docket"].as_str().unwrap().to_owned();
    assert_eq!((&case["category"], &case["alarm"]), (&Value::from("emergency"), &Value::Bool(true)));
    let ringing = format!("⚠ EMERGENCY {docket} balotra: @SP_Balotra firing going on");
    eventually(Duration::from_secs(10), "the bell and the line on top", || async {
        let all = seen.lock().unwrap().clone();
        (all.contains('\x07') && last_frame(&seen).starts_with(&ringing)).then_some(())
    })
    .await;
    let escalated = format!("↑ {docket} escalated to shift supervisor (level 1)");
    eventually(Duration::from_secs(20), "the escalation step", || async {
        last_frame(&seen).contains(&escalated).then_some(())
    })
    .await;

    let acked = env.desk_json(reply, &token, &["ack", &docket]);
    assert_eq!(acked["alarm"], false);
    assert_eq!(acked["acknowledged_by"], "meena");
    assert!(acked["acknowledged_at"].is_string() && acked["claimed_by"].is_null(), "silenced, not claimed: {acked}");
    eventually(Duration::from_secs(10), "the alarm line gone", || async {
        let frame = last_frame(&seen);
        (!frame.contains("⚠ EMERGENCY") && frame.contains(&escalated)).then_some(())
    })
    .await;
    assert_eq!(seen.lock().unwrap().matches('\x07').count(), 1, "the bell rang once");
    let shown = env.desk_cli(reply, &token).args(["show", &docket]).output().unwrap();
    assert!(String::from_utf8_lossy(&shown.stdout).contains("acknowledged by meena at "));

    child.kill().unwrap();
    child.wait().unwrap();
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_thread_from_the_command_line() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = &running[2];
    let token = env.operator("meena", "operator", "balotra");
    let lines = [
        crate::search::authored("q1", "asha", "k1", "@SP_Balotra", "मेरा मोबाइल बस में चोरी हो गया"),
        crate::search::authored("q2", "vikram", "k2", "@SP_Balotra", "streetlight near the school is broken"),
    ];
    assert!(env.replay(&env.write_file("q.jsonl", &lines)).status.success());
    let found = eventually(Duration::from_secs(30), "the case found by a Hindi word", || {
        let (env, token) = (&env, token.clone());
        async move {
            Some(env.desk_json_lines(reply, &token, &["search", "--text", "मोबाइल"])).filter(|v| !v.is_empty())
        }
    })
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!((&found[0]["unit"], &found[0]["post"]["author"]), (&Value::from("balotra"), &Value::from("@asha")));
    let docket = found[0]["docket"].as_str().unwrap().to_owned();
    let today = (chrono::Utc::now() + chrono::Duration::minutes(330)).format("%Y-%m-%d").to_string(); // IST
    let by = |args: &[&str]| -> Vec<String> {
        env.desk_json_lines(reply, &token, args).iter().map(|c| c["docket"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(by(&["search", "--author", "vikram", "--since", &today, "--until", &today]).len(), 1);
    assert!(by(&["search", "--until", "2020-01-01"]).is_empty());
    assert_eq!(by(&["search", "--unit", "balotra", "--limit", "1"]).len(), 1, "--limit caps the cases");
    assert_eq!(by(&["search", "--docket", &docket]), vec![docket.clone()]);

    env.desk_json(reply, &token, &["reply", &docket, "--text", "कृपया अपना मोबाइल का IMEI नंबर DM करें।"]);
    let thread = env.desk_json_lines(reply, &token, &["thread", &docket]);
    let kinds: Vec<&str> = thread.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["post", "event", "event", "reply"], "{thread:?}");
    assert_eq!((&thread[0]["author"], &thread[0]["docket"]), (&Value::from("@asha"), &Value::from(docket.clone())));
    assert_eq!((&thread[3]["operator"], &thread[3]["status"]), (&Value::from("meena"), &Value::from("manual")));
    assert!(thread.iter().all(|e| e["at"].is_string()));

    let refused = env.desk_cli(reply, &token).args(["search", "--state", "done"]).output().unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown state \"done\""));
    env.cleanup(running).await;
}
