//! The alarm against the real services (docs/sla.md "The alarm"): an
//! emergency post through ingest → classify → reply rings on the unit's live
//! queue and reaches the control room's endpoint signed, within about a
//! second; an alert refused and then cut off by `kill -9` of reply is still
//! delivered after restart with the same `alert_id` and body; an unclaimed
//! emergency re-alerts at every step of its ladder, up to HQ; acknowledging
//! silences it and is audited.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_stream::StreamExt;
use tvarit_e2e::{
    AlertReceiver, ReceivedAlert, Service, TestEnv, authed, desk_client, eventually, post_line, registry_with_sla,
};
use tvarit_proto::v1::{CaseRef, WatchQueueRequest};

const SECRET: &str = "control-room-secret";

/// Balotra round the clock, with an emergency ladder of 3, 5 and 7 seconds.
fn ladder() -> String {
    registry_with_sla(&[(
        "balotra",
        "shift = \"24x7\"\nemergency_escalation = [\
         { after_seconds = 3, to = \"shift supervisor\" }, \
         { after_seconds = 5, to = \"nodal officer\" }, \
         { after_seconds = 7, to = \"hq\" }]",
    )])
}

async fn case_of(db: &PgPool, post_id: &str) -> (String, String, DateTime<Utc>) {
    eventually(Duration::from_secs(30), "the case", || async {
        sqlx::query_as("SELECT docket, category, opened_at FROM cases WHERE post_id = $1")
            .bind(post_id)
            .fetch_optional(db)
            .await
            .unwrap()
    })
    .await
}

fn assert_signed(a: &ReceivedAlert) {
    assert!(
        tvarit_platforms_check(&a.body, a.signature.as_deref()),
        "alert {} is not signed with the control room's secret",
        a.json["alert_id"]
    );
}

/// The receiver's own check, as DESIGN.md states it: `sha256=<hex HMAC-SHA256 of the raw body>`.
fn tvarit_platforms_check(body: &[u8], header: Option<&str>) -> bool {
    use hmac::{Hmac, Mac};
    let Some(hex_sig) = header.and_then(|h| h.strip_prefix("sha256=")) else { return false };
    let Ok(sig) = hex::decode(hex_sig) else { return false };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    mac.verify_slice(&sig).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_reaches_the_control_room_signed_at_once_survives_kill9_and_climbs_to_hq() {
    let env = TestEnv::new().await;
    let receiver = AlertReceiver::start().await;
    env.use_registry(&ladder());
    env.set_env("TVARIT_ALERT_WEBHOOK_URL", receiver.url.clone());
    env.set_env("TVARIT_ALERT_WEBHOOK_SECRET", SECRET);
    let mut running = env.start_all().await;
    let db = env.schema_pool("reply").await;
    let token = env.operator("ramesh", "operator", "balotra");
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let mut desk = desk_client(reply).await;
    let mut watch =
        desk.watch_queue(authed(&token, WatchQueueRequest { unit: "balotra".into() })).await.unwrap().into_inner();

    // 1. An emergency opens: the watcher's update rings, the control room hears it.
    let text = "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road";
    let posted = Utc::now();
    assert!(
        env.replay(&env.write_file("a.jsonl", &[post_line("al-1", text, &["@SP_Balotra"], Some(posted))]))
            .status
            .success()
    );
    let (docket, category, opened_at) = case_of(&db, "al-1").await;
    assert_eq!(category, "emergency");
    let rung = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(u)) = watch.next().await {
            if u.case.as_ref().is_some_and(|c| c.docket == docket && c.alarm) {
                return Utc::now();
            }
        }
        panic!("the watch ended");
    })
    .await
    .expect("the watcher's queue rings for the emergency");
    let opened = eventually(Duration::from_secs(10), "the opened alert", || async {
        receiver.accepted(&docket).into_iter().find(|a| a.json["event"] == "opened")
    })
    .await;
    let to_alert = (opened.at - opened_at).num_milliseconds();
    let to_ring = (rung - opened_at).num_milliseconds();
    println!("alarm: case opened → control room {to_alert} ms, → watcher's ring {to_ring} ms");
    // Loosely: the target is under a second; a shared 2-core machine gets slack.
    assert!(to_alert < 3_000, "the control room heard of the emergency {to_alert} ms after it opened");
    assert_signed(&opened);
    for (key, want) in [("unit", "balotra"), ("category", "emergency"), ("urgency", "critical")] {
        assert_eq!(opened.json[key], want, "{key} in {}", opened.json);
    }
    assert_eq!(opened.json["post"]["id"], "al-1");
    assert_eq!(opened.json["post"]["text"], text);
    assert_eq!(opened.json["post"]["platform"], "x");

    // 2. Unclaimed, it climbs every rung, each an alert of its own, up to HQ.
    let climbed = eventually(Duration::from_secs(20), "three unacknowledged alerts", || async {
        let a: Vec<ReceivedAlert> =
            receiver.accepted(&docket).into_iter().filter(|a| a.json["event"] == "unacknowledged").collect();
        (a.len() >= 3).then_some(a)
    })
    .await;
    let targets: Vec<&str> = climbed.iter().map(|a| a.json["target"].as_str().unwrap()).collect();
    assert_eq!(targets, vec!["shift supervisor", "nodal officer", "hq"]);
    for a in &climbed {
        assert_signed(a);
    }
    let ids: std::collections::HashSet<&str> = climbed.iter().map(|a| a.json["alert_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "each rung is its own alert");

    // 3. The control room is down when the next emergency opens; reply is
    // killed before any delivery went through; after restart the same alert
    // arrives, same id, same bytes.
    receiver.answer(503);
    let text2 = "@SP_Balotra a woman is being dragged and beaten on the road outside the temple right now";
    assert!(
        env.replay(&env.write_file("b.jsonl", &[post_line("al-2", text2, &["@SP_Balotra"], None)])).status.success()
    );
    let (docket2, category2, _) = case_of(&db, "al-2").await;
    assert_eq!(category2, "emergency");
    let refused = eventually(Duration::from_secs(10), "a refused attempt", || async {
        receiver.all().into_iter().find(|a| a.json["docket"] == docket2.as_str() && a.json["event"] == "opened")
    })
    .await;
    assert_eq!(refused.status, 503);
    let i = running.iter().position(|r| r.service == Service::Reply).unwrap();
    running.remove(i).kill9();
    receiver.answer(200);
    running.insert(i, env.start(Service::Reply).await);
    let delivered = eventually(Duration::from_secs(30), "the alert after restart", || async {
        receiver.accepted(&docket2).into_iter().find(|a| a.json["event"] == "opened")
    })
    .await;
    assert_eq!(delivered.json["alert_id"], refused.json["alert_id"]);
    assert_eq!(delivered.body, refused.body, "every retry sends the body fixed when the alert was raised");
    assert_signed(&delivered);

    // 4. Acknowledging silences the alarm without claiming, and is audited.
    let reply = &running[i];
    let mut desk = desk_client(reply).await;
    let acked = desk.acknowledge(authed(&token, CaseRef { docket: docket2.clone() })).await.unwrap().into_inner();
    assert!(!acked.alarm);
    assert_eq!(acked.acknowledged_by, "ramesh");
    assert_eq!(acked.claimed_by, "");
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'case.acknowledge' AND subject = $1 AND actor = 'ramesh'",
    )
    .bind(&docket2)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    let deliveries: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'alert.delivered'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(deliveries >= 5, "each delivered alert is audited ({deliveries})");
    env.cleanup(running).await;
}
