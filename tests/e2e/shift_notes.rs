//! A shift's words that stay inside the unit, through the real services:
//! internal notes on a case (`tvarit-desk note`, `Desk.AddNote`) show in the
//! conversation with author and time, are audited, and never reach a
//! platform, the bus's events or tvarit-metrics; the hand-over
//! (`tvarit-desk handover`) says what is open, held by whom, waiting for a
//! supervisor, breached and which emergencies came in, and carries the
//! outgoing operator's note until the incoming one acknowledges it.

use std::time::Duration;

use prost::Message;
use serde_json::Value;
use tonic::Code;
use tvarit_e2e::{Running, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::Category;
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{
    AddNoteRequest, CaseEvent, CaseEventKind, CaseRef, HandoverNoteRef, HandoverRequest, ListQueueRequest,
    RelabelRequest, ReplyRequest,
};

/// Replays `posts` (id, text) to Balotra and waits for their cases; returns
/// their dockets in the same order.
async fn balotra_cases(env: &TestEnv, reply: &Running, token: &str, posts: &[(&str, &str)]) -> Vec<String> {
    let lines: Vec<String> = posts.iter().map(|(id, t)| post_line(id, t, &["@SP_Balotra"], None)).collect();
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let desk = desk_client(reply).await;
    let cases = eventually(Duration::from_secs(40), "the replayed cases", || {
        let mut desk = desk.clone();
        async move {
            let req = authed(token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == posts.len()).then_some(cases)
        }
    })
    .await;
    let docket = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().docket.clone();
    posts.iter().map(|(id, _)| docket(id)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_notes_stay_with_the_unit() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = &running[2];
    let meena = env.operator("meena", "operator", "balotra");
    let asha = env.operator("asha", "operator", "jaipur");
    let [docket]: [String; 1] =
        balotra_cases(&env, reply, &meena, &[("n1", "my purse was snatched at the railway station this morning")])
            .await
            .try_into()
            .unwrap();
    let words = "caller's brother rang the thana; SHO Kumar is on it";

    let noted = env.desk_json_lines(reply, &meena, &["note", &docket, words]);
    assert_eq!(noted[0]["docket"], docket.as_str());
    let mut client = desk_client(reply).await;
    // Another unit's case is not there for them; a note needs words.
    let theirs = AddNoteRequest { docket: docket.clone(), text: "looking".into() };
    assert_eq!(client.add_note(authed(&asha, theirs)).await.unwrap_err().code(), Code::NotFound);
    let empty = AddNoteRequest { docket: docket.clone(), text: "  ".into() };
    assert_eq!(client.add_note(authed(&meena, empty)).await.unwrap_err().code(), Code::InvalidArgument);

    // In the conversation, with author and time, after the post.
    let thread = client.get_thread(authed(&meena, CaseRef { docket: docket.clone() })).await.unwrap().into_inner();
    let notes: Vec<_> = thread
        .entries
        .iter()
        .filter_map(|e| match &e.entry {
            Some(Entry::Event(ev)) if ev.kind() == CaseEventKind::Noted => Some((e.at, ev.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(notes.len(), 1, "{thread:?}");
    let (at, note) = &notes[0];
    assert_eq!((note.actor.as_str(), note.note.as_str()), ("meena", words));
    assert!(at.is_some());
    let cli = env.desk_json_lines(reply, &meena, &["thread", &docket]);
    assert!(cli.iter().any(|e| e["event"] == "noted" && e["note"] == words), "{cli:?}");

    // Audited: an event on the bus and in the hash-chained log, neither with
    // the words; tvarit-metrics (the reports' source) has the event only.
    let db = env.schema_pool("reply").await;
    let payloads: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT e.payload FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.docket = $1")
            .bind(&docket)
            .fetch_all(&db)
            .await
            .unwrap();
    let events: Vec<CaseEvent> = payloads.iter().map(|p| CaseEvent::decode(p.as_slice()).unwrap()).collect();
    let noted: Vec<&CaseEvent> = events.iter().filter(|e| e.kind() == CaseEventKind::Noted).collect();
    assert_eq!(noted.len(), 1);
    assert_eq!((noted[0].actor.as_str(), noted[0].note.as_str()), ("meena", ""));
    assert!(!payloads.iter().any(|p| String::from_utf8_lossy(p).contains("SHO Kumar")));
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = 'case.note' AND subject = $1")
            .bind(&docket)
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "meena");
    assert!(audit[0].1.contains("chars=") && !audit[0].1.contains("SHO"), "{}", audit[0].1);
    let metrics = env.schema_pool("metrics").await;
    let seen: Vec<String> = eventually(Duration::from_secs(30), "the noted event in tvarit-metrics", || {
        let (metrics, docket) = (metrics.clone(), docket.clone());
        async move {
            let notes: Vec<String> =
                sqlx::query_scalar("SELECT note FROM case_events WHERE docket = $1 AND kind = 'noted'")
                    .bind(&docket)
                    .fetch_all(&metrics)
                    .await
                    .ok()?;
            (!notes.is_empty()).then_some(notes)
        }
    })
    .await;
    assert_eq!(seen, [""], "tvarit-metrics holds no note words");
    // Never a reply: nothing was queued for a platform.
    let replies: i64 =
        sqlx::query_scalar("SELECT count(*) FROM replies r JOIN cases c ON c.id = r.case_id WHERE c.docket = $1")
            .bind(&docket)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(replies, 0);
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_shift_is_told_what_is_open_and_acknowledges_the_note() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = &running[2];
    let meena = env.operator("meena", "operator", "balotra");
    let ravi = env.operator("ravi", "operator", "balotra");
    env.operator("sunil", "supervisor", "balotra");
    let asha = env.operator("asha", "operator", "jaipur");
    let posts = [
        ("h1", "my bike was stolen from the market near the bus stand, please help"),
        ("h2", "firing going on near the bus stand right now, one man shot and lying on the road"),
        ("h3", "streetlight near the school has been broken for a week"),
        ("h4", "my purse was snatched at the railway station this morning"),
    ];
    let dockets = balotra_cases(&env, reply, &meena, &posts).await;
    let [theft, firing, light, purse] = [0, 1, 2, 3].map(|i| dockets[i].clone());
    let mut client = desk_client(reply).await;
    let cref = |d: &str| CaseRef { docket: d.to_owned() };
    // meena holds the theft; ravi the streetlight, whose reply waits for a
    // supervisor once it is sensitive; the purse has breached unanswered.
    client.claim(authed(&meena, cref(&theft))).await.unwrap();
    let sensitive = RelabelRequest { docket: light.clone(), category: Category::Sensitive as i32, urgency: 0 };
    client.relabel(authed(&ravi, sensitive)).await.unwrap();
    let held = ReplyRequest {
        docket: light.clone(),
        text: "We have informed the municipal office.".into(),
        ..Default::default()
    };
    assert_eq!(client.reply(authed(&ravi, held)).await.unwrap().into_inner().reply_status, "awaiting_approval");
    let db = env.schema_pool("reply").await;
    sqlx::query("UPDATE cases SET breach_at = now() - interval '1 minute' WHERE docket = $1")
        .bind(&purse)
        .execute(&db)
        .await
        .unwrap();

    let written = env.desk_json_lines(
        reply,
        &meena,
        &["handover-note", "--unit", "balotra", "the firing case: SHO is on the spot"],
    );
    let id = written[0]["id"].as_i64().unwrap();
    assert!(written[0]["acknowledged_by"].is_null());

    let view = env.desk_json_lines(reply, &ravi, &["handover", "--unit", "balotra"]);
    assert_eq!(view.len(), 1, "{view:?}");
    let u = &view[0];
    let dockets_of = |key: &str| -> Vec<String> {
        u[key].as_array().unwrap().iter().map(|c| c["docket"].as_str().unwrap().to_owned()).collect()
    };
    // Open: the firing and the purse; held: meena 1, ravi 1.
    assert_eq!(u["open"], 2, "{u}");
    let claimed: Vec<(String, u64)> = u["claimed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["operator"].as_str().unwrap().to_owned(), c["cases"].as_u64().unwrap()))
        .collect();
    assert_eq!(claimed, [("meena".to_owned(), 1), ("ravi".to_owned(), 1)]);
    assert_eq!(dockets_of("awaiting_approval"), [light.as_str()]);
    assert_eq!(dockets_of("breached"), [purse.as_str()]);
    assert_eq!(dockets_of("emergencies"), [firing.as_str()]);
    assert_eq!((u["note"]["id"].as_i64(), &u["note"]["author"]), (Some(id), &Value::from("meena")));
    // The shift's emergencies are those opened since its start.
    let later = (chrono::Utc::now() + chrono::Duration::minutes(1)).to_rfc3339();
    let after = env.desk_json_lines(reply, &ravi, &["handover", "--unit", "balotra", "--since", &later]);
    assert!(after[0]["emergencies"].as_array().unwrap().is_empty());

    // Its author cannot acknowledge it; another unit cannot see it; the
    // incoming operator does, once, and both are audited.
    let own = client.acknowledge_handover_note(authed(&meena, HandoverNoteRef { id })).await.unwrap_err();
    assert_eq!(own.code(), Code::FailedPrecondition);
    let other = client.acknowledge_handover_note(authed(&asha, HandoverNoteRef { id })).await.unwrap_err();
    assert_eq!(other.code(), Code::NotFound);
    let read = env.desk_json_lines(reply, &ravi, &["handover-ack", &id.to_string()]);
    assert_eq!(read[0]["acknowledged_by"], "ravi");
    let again = client.acknowledge_handover_note(authed(&ravi, HandoverNoteRef { id })).await.unwrap().into_inner();
    assert_eq!(again.acknowledged_by, "ravi");
    let audited: Vec<(String, String)> =
        sqlx::query_as("SELECT action, actor FROM audit_log WHERE action LIKE 'handover.%' ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    let audited: Vec<(&str, &str)> = audited.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(audited, [("handover.note", "meena"), ("handover.acknowledge", "ravi")]);

    // Without --unit: every unit of the caller, here one; another unit's
    // operator gets theirs, not Balotra's.
    let mine = client.get_handover(authed(&asha, HandoverRequest::default())).await.unwrap().into_inner();
    assert_eq!(mine.units.iter().map(|u| u.unit.as_str()).collect::<Vec<_>>(), ["jaipur"]);
    let refused =
        client.get_handover(authed(&asha, HandoverRequest { unit: "balotra".into(), since: None })).await.unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    env.cleanup(running).await;
}
