//! Replies go out through the platform once: retried through 429s and
//! 5xx, refused in the platform's words, never posted twice even when
//! `tvarit-reply` is killed between the call and the record, and a second
//! Send of the same words (double click, retry, second client) sends nothing.

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{SETTLE, Service, Sim, TestEnv, authed, desk_client, eventually};
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest, ReplyRequest};

use crate::platforms::{count, kill9_reply, poll_from, reply_as_balotra, wait_count, x_post, x_sim};

async fn replies_to(sim: &Sim, post_id: &str) -> usize {
    sim.replies().await.iter().filter(|r| r["in_reply_to"] == post_id).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_posted_once_through_faults_and_crashes() {
    let env = TestEnv::new().await;
    // Short rate-limit windows, so a 429 resets within the test; and X
    // refuses the same words from one account anywhere, as X itself does.
    let sim = x_sim(&["--x-window-secs", "3", "--duplicate-scope", "account"]).await;
    poll_from(&env, &sim);
    reply_as_balotra(&env, &sim);
    env.set_env("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2");
    let mut running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints", 3).await;
    for i in 0..3 {
        sim.post(x_post(&format!("@SP_Balotra my bike was stolen from the market, please help ({i})"))).await;
    }
    let reply_db = env.schema_pool("reply").await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 3).await;

    let token = env.operator("balotra-op", "operator", "balotra");
    let desk = desk_client(&running[2]).await;
    let list = |mut desk: tvarit_proto::v1::desk_client::DeskClient<_>, token: String| async move {
        let req = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
        desk.list_queue(req).await.unwrap().into_inner().cases
    };
    let mut cases: Vec<Case> = list(desk.clone(), token.clone()).await;
    cases.sort_by(|a, b| a.docket.cmp(&b.docket));
    let post_id = |c: &Case| c.post.as_ref().unwrap().post_id.clone();
    let reply = |docket: &str, text: &str| {
        let (mut desk, token) = (desk.clone(), token.clone());
        let req = ReplyRequest { docket: docket.into(), text: text.into(), private: false };
        async move { desk.reply(authed(&token, req)).await.unwrap().into_inner() }
    };
    let state_of = |docket: String| {
        let (mut desk, token) = (desk.clone(), token.clone());
        async move { desk.get_case(authed(&token, CaseRef { docket })).await.unwrap().into_inner() }
    };
    let wait_status = |docket: String, status: &'static str| {
        let state_of = &state_of;
        eventually(Duration::from_secs(40), "reply status", move || {
            let fut = state_of(docket.clone());
            async move { Some(fut.await).filter(|c| c.reply_status == status) }
        })
    };

    // 1. A plain reply: posted once, the first reply time is the platform's.
    let queued = reply(&cases[0].docket, "Balotra Police: please share the exact location.").await;
    assert_eq!(queued.reply_status, "pending");
    assert!(queued.first_reply_at.is_none(), "not a reply until the platform has it");
    let sent = wait_status(cases[0].docket.clone(), "sent").await;
    assert!(sent.first_reply_at.is_some());
    assert_eq!(replies_to(&sim, &post_id(&cases[0])).await, 1);

    // 2. Through a burst of 429s and a 5xx: delivered once, later.
    sim.faults(json!({ "throttle_next": 2 })).await;
    reply(&cases[1].docket, "Balotra Police: an officer has been informed.").await;
    wait_status(cases[1].docket.clone(), "sent").await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(replies_to(&sim, &post_id(&cases[1])).await, 1);

    // 3. The same words again, twice at once and once more: nothing is
    // sent, the case stays as the first Send left it.
    let text = "Balotra Police: please share the exact location.";
    let (a, b) = tokio::join!(reply(&cases[0].docket, text), reply(&cases[0].docket, text));
    let again = reply(&cases[0].docket, &format!("  {text} ")).await;
    for c in [&a, &b, &again] {
        assert_eq!(c.reply_status, "sent", "a repeat leaves the case as it was");
    }
    tokio::time::sleep(SETTLE).await;
    assert_eq!(replies_to(&sim, &post_id(&cases[0])).await, 1, "the same reply reaches the public once");
    assert_eq!(count(&reply_db, "SELECT count(*) FROM replies").await, 2);

    // 4. A refusal is shown in X's words and the case stays open: the same
    // words to another post are duplicate content to X.
    reply(&cases[0].docket, "Balotra Police: an officer has been informed.").await;
    let failed = wait_status(cases[0].docket.clone(), "failed").await;
    assert!(failed.reply_error.to_lowercase().contains("duplicate"), "{}", failed.reply_error);
    assert_eq!(failed.state(), tvarit_proto::CaseState::InProcess);

    // 5. Killed after X posted the reply but before it was recorded.
    sim.faults(json!({ "slow_after_create_ms": 4000 })).await;
    reply(&cases[2].docket, "Balotra Police: we are on our way.").await;
    let target = post_id(&cases[2]);
    eventually(Duration::from_secs(20), "the reply on X", || {
        let (sim, target) = (&sim, target.clone());
        async move { (replies_to(sim, &target).await == 1).then_some(()) }
    })
    .await;
    kill9_reply(&mut running, &sim).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM replies WHERE status = 'sending'").await, 1);
    running.insert(2, env.start(Service::Reply).await);
    let desk = desk_client(&running[2]).await;
    let docket = cases[2].docket.clone();
    eventually(Duration::from_secs(40), "the interrupted reply recorded", || {
        let (mut desk, token, docket) = (desk.clone(), token.clone(), docket.clone());
        async move {
            let c = desk.get_case(authed(&token, CaseRef { docket })).await.ok()?.into_inner();
            (c.reply_status == "sent").then_some(c)
        }
    })
    .await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(replies_to(&sim, &target).await, 1, "posted once, not again after the crash");
    env.cleanup(running).await;
}
