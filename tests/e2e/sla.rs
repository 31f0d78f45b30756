//! SLA clocks against the real services: goal, escalation and breach fire
//! once each, within a second of their deadlines, reach a supervisor's live
//! watch, survive `kill -9` of tvarit-reply, and spare an answered case; a
//! district case out of its shift is handed to HQ at once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Timelike, Utc};
use prost::Message;
use sqlx::PgPool;
use tokio_stream::StreamExt;
use tvarit_e2e::{Service, TestEnv, authed, desk_client, eventually, post_line, registry_with_sla};
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::{CaseEvent, CaseEventKind, ListQueueRequest, QueueUpdate, ReplyRequest, WatchQueueRequest};

const GOAL: i64 = 3;
const ESCALATE: i64 = 4;
const BREACH: i64 = 6;
/// How late a mark may be recorded after its deadline.
const TOLERANCE: chrono::Duration = chrono::Duration::seconds(1);

fn policy(shift: &str) -> String {
    format!(
        "goal_seconds = {GOAL}\nbreach_seconds = {BREACH}\n\
         escalation = [{{ after_seconds = {ESCALATE}, to = \"shift supervisor\" }}]\nshift = \"{shift}\""
    )
}

/// A one-hour shift starting two hours from now (IST): now is out of it.
fn shift_not_now() -> String {
    let ist = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(19_800).unwrap());
    let start = (ist.hour() + 2) % 24;
    format!("{start:02}:00-{:02}:00", (start + 1) % 24)
}

/// A watch update and when it arrived.
type Watched = (QueueUpdate, DateTime<Utc>);

struct Recorded {
    kind: CaseEventKind,
    at: DateTime<Utc>,
    escalated_to: String,
}

fn time(ts: Option<&tvarit_proto::time::Timestamp>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(to_millis(ts.expect("a timestamp"))).unwrap()
}

/// The case's SLA events, from the outbox, oldest first.
async fn sla_events(db: &PgPool, docket: &str) -> Vec<Recorded> {
    let rows: Vec<Vec<u8>> = sqlx::query_scalar(
        "SELECT e.payload FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE c.docket = $1 AND e.kind IN ('sla_goal_missed', 'sla_breached', 'escalated') ORDER BY e.id",
    )
    .bind(docket)
    .fetch_all(db)
    .await
    .unwrap();
    rows.iter()
        .map(|p| {
            let e = CaseEvent::decode(p.as_slice()).unwrap();
            let kind = e.kind();
            Recorded { kind, at: time(e.at.as_ref()), escalated_to: e.case.unwrap().escalated_to }
        })
        .collect()
}

/// (post time, goal_at, breach_at) of the case.
async fn deadlines(db: &PgPool, docket: &str) -> (DateTime<Utc>, DateTime<Utc>, DateTime<Utc>) {
    sqlx::query_as("SELECT post_created_at, goal_at, breach_at FROM cases WHERE docket = $1")
        .bind(docket)
        .fetch_one(db)
        .await
        .unwrap()
}

async fn docket_of(db: &PgPool, post_id: &str) -> String {
    eventually(Duration::from_secs(30), "the case", || async {
        sqlx::query_scalar("SELECT docket FROM cases WHERE post_id = $1")
            .bind(post_id)
            .fetch_optional(db)
            .await
            .unwrap()
    })
    .await
}

/// Asserts one event of `kind`, recorded in `[due, max(due, up) + 1 s]`
/// (`up`: when a process was there to record it).
fn assert_once(events: &[Recorded], kind: CaseEventKind, due: DateTime<Utc>, up: DateTime<Utc>) {
    let of: Vec<&Recorded> = events.iter().filter(|e| e.kind == kind).collect();
    assert_eq!(of.len(), 1, "{kind:?} fires once");
    let at = of[0].at;
    assert!(at >= due, "{kind:?} at {at} is before its deadline {due}");
    assert!(at <= due.max(up) + TOLERANCE, "{kind:?} at {at} is more than 1 s after its deadline {due}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_clocks_fire_on_time_once_live_and_after_kill9() {
    let env = TestEnv::new().await;
    let off = shift_not_now();
    env.use_registry(&registry_with_sla(&[("balotra", &policy("24x7")), ("jaipur", &policy(&off))]));
    let mut running = env.start_all().await;
    let db = env.schema_pool("reply").await;
    let token = env.operator("sup", "supervisor", "balotra,jaipur");
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let mut desk = desk_client(reply).await;

    // A supervisor's live watch of the unit.
    let mut watch =
        desk.watch_queue(authed(&token, WatchQueueRequest { unit: "balotra".into() })).await.unwrap().into_inner();
    let seen: Arc<Mutex<Vec<Watched>>> = Arc::default();
    let sink = seen.clone();
    let watcher = tokio::spawn(async move {
        while let Some(Ok(u)) = watch.next().await {
            sink.lock().unwrap().push((u, Utc::now()));
        }
    });

    let lines = vec![
        post_line(
            "sla-a",
            "@SP_Balotra my motorcycle was stolen from the bus stand",
            &["@SP_Balotra"],
            Some(Utc::now()),
        ),
        post_line(
            "sla-c",
            "@SP_Balotra chain snatching near the market, please help",
            &["@SP_Balotra"],
            Some(Utc::now()),
        ),
        post_line("sla-j", "@jaipur_police my phone was stolen in the metro", &["@jaipur_police"], Some(Utc::now())),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let (a, c, j) = (docket_of(&db, "sla-a").await, docket_of(&db, "sla-c").await, docket_of(&db, "sla-j").await);

    // Case C is answered at once.
    let replied = desk
        .reply(authed(
            &token,
            ReplyRequest { docket: c.clone(), text: "Please share the exact location.".into(), private: false },
        ))
        .await
        .unwrap()
        .into_inner();
    let answered_at = time(replied.first_reply_at.as_ref());
    assert!(replied.goal_at.is_none() && replied.breach_at.is_none(), "an answered case's clock is stopped");

    let (start, goal_at, breach_at) = deadlines(&db, &a).await;
    assert_eq!(goal_at - start, chrono::Duration::seconds(GOAL));
    assert_eq!(breach_at - start, chrono::Duration::seconds(BREACH));
    let escalate_at = start + chrono::Duration::seconds(ESCALATE);
    let listed =
        desk.list_queue(authed(&token, ListQueueRequest { unit: "balotra".into(), all: false, limit: 0 })).await;
    let listed = listed.unwrap().into_inner().cases.into_iter().find(|x| x.docket == a).unwrap();
    assert_eq!((time(listed.goal_at.as_ref()), time(listed.breach_at.as_ref())), (goal_at, breach_at));

    let (_, _, last) = deadlines(&db, &c).await;
    let until = breach_at.max(last) + chrono::Duration::seconds(2);
    tokio::time::sleep((until - Utc::now()).to_std().unwrap_or_default()).await;

    let events = sla_events(&db, &a).await;
    assert_eq!(events.len(), 3, "goal, escalation and breach once each");
    let up = start; // the service ran throughout
    assert_once(&events, CaseEventKind::SlaGoalMissed, goal_at, up);
    assert_once(&events, CaseEventKind::Escalated, escalate_at, up);
    assert_once(&events, CaseEventKind::SlaBreached, breach_at, up);
    let case =
        desk.get_case(authed(&token, tvarit_proto::v1::CaseRef { docket: a.clone() })).await.unwrap().into_inner();
    assert_eq!((case.escalation_level, case.escalated_to.as_str()), (1, "shift supervisor"));

    // The watch saw each of them live, within a second or so of its deadline.
    let live: Vec<Watched> = seen.lock().unwrap().clone();
    for (kind, due) in [
        (CaseEventKind::SlaGoalMissed, goal_at),
        (CaseEventKind::Escalated, escalate_at),
        (CaseEventKind::SlaBreached, breach_at),
    ] {
        let got: Vec<_> = live
            .iter()
            .filter(|(u, _)| !u.snapshot && u.kind() == kind && u.case.as_ref().is_some_and(|x| x.docket == a))
            .collect();
        assert_eq!(got.len(), 1, "the watch gets {kind:?} once");
        assert!(got[0].1 <= due + chrono::Duration::milliseconds(1500), "{kind:?} reached the watch late");
    }
    watcher.abort();

    // The answered case: no breach, and no goal missed if answered in time.
    let answered = sla_events(&db, &c).await;
    assert!(!answered.iter().any(|e| e.kind == CaseEventKind::SlaBreached), "an answered case is never breached");
    let (_, c_goal, _) = deadlines(&db, &c).await;
    if answered_at < c_goal {
        assert!(answered.is_empty(), "answered before its goal, so no SLA event at all");
    }

    // The Jaipur case came in out of its shift: handed to HQ at once.
    let handed = sla_events(&db, &j).await;
    let (j_start, _, _) = deadlines(&db, &j).await;
    let handoff = handed.first().expect("a handoff");
    assert_eq!((handoff.kind, handoff.escalated_to.as_str()), (CaseEventKind::Escalated, "hq"));
    assert!(handoff.at <= Utc::now());
    let marks: Vec<String> = sqlx::query_scalar(
        "SELECT m.kind FROM sla_marks m JOIN cases c ON c.id = m.case_id WHERE c.docket = $1 ORDER BY m.kind",
    )
    .bind(&j)
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(marks, ["breach", "escalation:1", "goal", "handoff"]);
    let j_case: (i32, String) = sqlx::query_as("SELECT escalation_level, escalated_to FROM cases WHERE docket = $1")
        .bind(&j)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(j_case, (1, "hq/shift supervisor".to_owned()), "after the handoff the ladder climbs at HQ");
    assert!(handoff.at >= j_start);

    // kill -9 before the deadlines of a new case; the restarted service still fires them.
    let line =
        post_line("sla-b", "@SP_Balotra my purse was snatched near the station", &["@SP_Balotra"], Some(Utc::now()));
    assert!(env.replay(&env.write_file("b.jsonl", &[line])).status.success());
    let b = docket_of(&db, "sla-b").await;
    let idx = running.iter().position(|r| r.service == Service::Reply).unwrap();
    running.remove(idx).kill9();
    let (b_start, b_goal, b_breach) = deadlines(&db, &b).await;
    // Down across the goal deadline, so that one fires late (at restart), the rest on time.
    let down_until = b_goal + chrono::Duration::milliseconds(500);
    tokio::time::sleep((down_until - Utc::now()).to_std().unwrap_or_default()).await;
    let started = Instant::now();
    running.push(env.start(Service::Reply).await);
    let up = Utc::now();
    assert!(started.elapsed() < Duration::from_secs(30));
    let until = b_breach + chrono::Duration::seconds(2);
    tokio::time::sleep((until - Utc::now()).to_std().unwrap_or_default()).await;
    let events = sla_events(&db, &b).await;
    assert_eq!(events.len(), 3, "each mark once across the restart");
    assert_once(&events, CaseEventKind::SlaGoalMissed, b_goal, up);
    assert_once(&events, CaseEventKind::Escalated, b_start + chrono::Duration::seconds(ESCALATE), up);
    assert_once(&events, CaseEventKind::SlaBreached, b_breach, up);

    // And nothing fired twice for the first cases either.
    assert_eq!(sla_events(&db, &a).await.len(), 3);
    env.cleanup(running).await;
}
