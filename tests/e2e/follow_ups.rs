use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{TestEnv, authed, desk_client, eventually};
use tvarit_proto::CaseState;
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest};

fn threaded(id: &str, author: &str, conversation: &str, text: &str) -> String {
    json!({
        "id": id, "text": text, "mentions": ["@jaipur_police"], "platform": "x",
        "author": { "id": author, "handle": format!("@{author}"), "name": author },
        "conversation_id": conversation,
    })
    .to_string()
}

/// The same author writing again in a thread joins the case (reopening it
/// if it was closed); someone else in the thread gets a case of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_ups_join_their_case() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let token = env.operator("jaipur-op", "operator", "jaipur");
    let desk = desk_client(&running[2]).await;
    let cases = |want: usize| {
        let (desk, token) = (desk.clone(), token.clone());
        eventually(Duration::from_secs(30), "cases", move || {
            let (mut desk, token) = (desk.clone(), token.clone());
            async move {
                let req = authed(&token, ListQueueRequest { unit: "jaipur".into(), all: true, limit: 0 });
                let cases: Vec<Case> = desk.list_queue(req).await.ok()?.into_inner().cases;
                (cases.len() == want).then_some(cases)
            }
        })
    };
    let replay = |name: &str, lines: Vec<String>| assert!(env.replay(&env.write_file(name, &lines)).status.success());

    replay("a.jsonl", vec![threaded("t1", "u1", "c1", "@jaipur_police my bike was stolen at MI Road")]);
    let first = cases(1).await.remove(0);
    replay(
        "b.jsonl",
        vec![
            threaded("t2", "u1", "c1", "@jaipur_police it is a red Splendor, RJ14 plate"),
            threaded("t3", "u2", "c1", "@jaipur_police same happened to me last week"),
            // A thread that starts and continues within one batch.
            threaded("t4", "u3", "c2", "@jaipur_police loud DJ at the wedding hall"),
            threaded("t5", "u3", "c2", "@jaipur_police still going at 2 am"),
        ],
    );
    let all = cases(3).await;
    let by_post = |id: &str| all.iter().find(|c| c.post.as_ref().unwrap().post_id == id).cloned();
    assert_eq!(by_post("t1").unwrap().follow_ups, 1);
    assert!(by_post("t3").is_some(), "another author in the thread is another case");
    assert_eq!(by_post("t4").unwrap().follow_ups, 1);
    assert!(by_post("t2").is_none() && by_post("t5").is_none());

    let mut d = desk.clone();
    d.close(authed(&token, CaseRef { docket: first.docket.clone() })).await.unwrap();
    replay("c.jsonl", vec![threaded("t6", "u1", "c1", "@jaipur_police no one has called me back")]);
    let reopened = eventually(Duration::from_secs(30), "the case reopened", || {
        let (mut d, token, docket) = (desk.clone(), token.clone(), first.docket.clone());
        async move {
            let c = d.get_case(authed(&token, CaseRef { docket })).await.ok()?.into_inner();
            (c.follow_ups == 2).then_some(c)
        }
    })
    .await;
    assert_eq!(reopened.state(), CaseState::Open);
    assert!(reopened.closed_at.is_none());
    // Replaying the same follow-up again changes nothing.
    replay("d.jsonl", vec![threaded("t6", "u1", "c1", "@jaipur_police no one has called me back")]);
    tokio::time::sleep(tvarit_e2e::SETTLE).await;
    let again = d.get_case(authed(&token, CaseRef { docket: first.docket.clone() })).await.unwrap().into_inner();
    assert_eq!(again.follow_ups, 2);
    assert_eq!(cases(3).await.len(), 3);
    env.cleanup(running).await;
}
