//! A case carries the police station its post names, through the real
//! services: classify finds the thana in the post (`station:` reason), reply
//! fills `{police_station}` in the draft and exposes `Case.police_station`,
//! and `tvarit-desk forward` sends the case to the control room's webhook
//! as a signed `forwarded` alert naming the station, audited. A case that
//! names no station, or another unit's case, is refused.

use std::process::Output;
use std::time::Duration;

use tonic::Code;
use tvarit_e2e::{AlertReceiver, Running, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{CaseEventKind, CaseRef, ListQueueRequest};

fn desk(env: &TestEnv, reply: &Running, token: &str, args: &[&str]) -> Output {
    env.desk_cli(reply, token).arg("--json").args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_names_its_police_station_and_is_forwarded_there() {
    let env = TestEnv::new().await;
    let receiver = AlertReceiver::start().await;
    env.set_env("TVARIT_ALERT_WEBHOOK_URL", receiver.url.clone());
    env.set_env("TVARIT_ALERT_WEBHOOK_SECRET", "control-room-secret");
    let running = env.start_all().await;
    let reply = &running[2];
    let kiran = env.operator("kiran", "operator", "jaipur");
    let meena = env.operator("meena", "operator", "balotra");
    let lines = [
        post_line(
            "ps1",
            "@jaipur_police my bike was stolen near Moti Dungari thana last night",
            &["@jaipur_police"],
            None,
        ),
        post_line("ps2", "@jaipur_police my phone was stolen near the bus stand", &["@jaipur_police"], None),
    ];
    assert!(env.replay(&env.write_file("ps.jsonl", &lines)).status.success());
    let client = desk_client(reply).await;
    let cases = eventually(Duration::from_secs(40), "both cases", || {
        let (mut client, kiran) = (client.clone(), kiran.clone());
        async move {
            let req = authed(&kiran, ListQueueRequest { unit: "jaipur".into(), all: true, limit: 0 });
            let cases = client.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 2).then_some(cases)
        }
    })
    .await;
    let by_post = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().clone();
    let (named, unnamed) = (by_post("ps1"), by_post("ps2"));
    assert_eq!(named.police_station, "Moti Dungari", "{:?}", named.classification);
    assert!(
        named.draft_text.contains("SHO Moti Dungari"),
        "the template's {{police_station}} filled: {}",
        named.draft_text
    );
    assert_eq!(unnamed.police_station, "");

    // Forwarded from the command line: one signed alert to the control room, naming the station.
    let out = desk(&env, reply, &kiran, &["forward", &named.docket]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["police_station"], "Moti Dungari");
    let alert = eventually(Duration::from_secs(10), "the forwarded alert", || async {
        receiver.accepted(&named.docket).into_iter().find(|a| a.json["event"] == "forwarded")
    })
    .await;
    assert_eq!(alert.json["target"], "police station Moti Dungari");
    assert_eq!((&alert.json["police_station"], &alert.json["unit"]), (&"Moti Dungari".into(), &"jaipur".into()));
    assert!(alert.signature.as_deref().is_some_and(|s| s.starts_with("sha256=")), "signed");

    // Refused: no station to send to; another unit's case.
    let out = desk(&env, reply, &kiran, &["forward", &unnamed.docket]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("names no police station"));
    let mut c = client.clone();
    let theirs = c.forward(authed(&meena, CaseRef { docket: named.docket.clone() })).await.unwrap_err();
    assert_eq!(theirs.code(), Code::NotFound);

    // Audited: the event in the case's thread and the audit log with the station.
    let thread = c.get_thread(authed(&kiran, CaseRef { docket: named.docket.clone() })).await.unwrap().into_inner();
    let forwarded = thread.entries.iter().filter(
        |e| matches!(&e.entry, Some(Entry::Event(ev)) if ev.kind() == CaseEventKind::Forwarded && ev.actor == "kiran"),
    );
    assert_eq!(forwarded.count(), 1);
    let db = env.schema_pool("reply").await;
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'case.forward' AND subject = $1")
            .bind(&named.docket)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(detail, "station=Moti Dungari");
    let forwards = receiver.all().into_iter().filter(|a| a.json["event"] == "forwarded").count();
    assert_eq!(forwards, 1, "the refused forwards sent nothing");
    env.cleanup(running).await;
}
