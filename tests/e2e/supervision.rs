//! People and trust: one holder per case, leases that expire, supervisors
//! who reassign and approve, sensitive posts kept as evidence, and no view
//! into another unit.

use std::time::Duration;

use tokio_stream::StreamExt;
use tonic::Code;
use tvarit_e2e::{TestEnv, authed, desk_client, eventually, post_line, registry_with_sla};
use tvarit_proto::v1::{
    ApproveRequest, Case, CaseRef, ListQueueRequest, ReassignRequest, RecordActionRequest, ReplyRequest,
    WatchQueueRequest,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_reassign_and_approve_and_claims_are_leases() {
    let env = TestEnv::new().await;
    // Jaipur staffed round the clock: at night its cases would be handed to
    // HQ, and a hand escalation would then climb HQ's ladder (`hq/...`).
    env.use_registry(&registry_with_sla(&[("jaipur", "shift = \"24x7\"")]));
    env.set_env("TVARIT_REPLY_CLAIM_LEASE_SECONDS", "2");
    let running = env.start_all().await;
    let lines = vec![
        post_line("s1", "@jaipur_police my purse was snatched near the railway station", &["@jaipur_police"], None),
        post_line(
            "s2",
            "@jaipur_police एक समाज विशेष के खिलाफ जातिसूचक शब्दों वाला भड़काऊ वीडियो फैलाया जा रहा है, दंगा भड़काने की कोशिश",
            &["@jaipur_police"],
            None,
        ),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let (a, b) = (env.operator("anita", "operator", "jaipur"), env.operator("bharat", "operator", "jaipur"));
    let sup = env.operator("sup", "supervisor", "jaipur");
    let kota = env.operator("kota-op", "operator", "kota");
    let desk = desk_client(&running[2]).await;
    let cases: Vec<Case> = eventually(Duration::from_secs(30), "two cases", || {
        let (mut desk, a) = (desk.clone(), a.clone());
        async move {
            let req = authed(&a, ListQueueRequest { unit: "jaipur".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 2).then_some(cases)
        }
    })
    .await;
    let find = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().clone();
    let (theft, hate) = (find("s1"), find("s2"));
    assert_eq!(hate.category().slug(), "sensitive", "the classifier flags communal content");

    // Two operators claim at once: exactly one wins.
    let (mut d1, mut d2) = (desk.clone(), desk.clone());
    let (r1, r2) = tokio::join!(
        d1.claim(authed(&a, CaseRef { docket: theft.docket.clone() })),
        d2.claim(authed(&b, CaseRef { docket: theft.docket.clone() }))
    );
    assert_eq!([r1.is_ok(), r2.is_ok()].iter().filter(|ok| **ok).count(), 1, "{r1:?} {r2:?}");
    let (holder, other) = if r1.is_ok() { (&a, &b) } else { (&b, &a) };
    // The claim is a lease: idle past it, another operator may take the case.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let mut d = desk.clone();
    let taken = d.claim(authed(other, CaseRef { docket: theft.docket.clone() })).await.unwrap().into_inner();
    assert_ne!(taken.claimed_by, "", "taken over");
    let back = d.claim(authed(holder, CaseRef { docket: theft.docket.clone() })).await.unwrap_err();
    assert_eq!(back.code(), Code::FailedPrecondition);

    // Only supervisors reassign.
    let by_op = ReassignRequest { docket: theft.docket.clone(), operator: "anita".into() };
    assert_eq!(d.reassign(authed(&b, by_op.clone())).await.unwrap_err().code(), Code::PermissionDenied);
    let moved = d.reassign(authed(&sup, by_op)).await.unwrap().into_inner();
    assert_eq!(moved.claimed_by, "anita");

    // Another unit sees nothing: not the queue, the case or the stream.
    let q = ListQueueRequest { unit: "jaipur".into(), all: true, limit: 0 };
    assert_eq!(d.list_queue(authed(&kota, q)).await.unwrap_err().code(), Code::PermissionDenied);
    assert_eq!(
        d.get_case(authed(&kota, CaseRef { docket: hate.docket.clone() })).await.unwrap_err().code(),
        Code::NotFound
    );
    let watch = d.watch_queue(authed(&kota, WatchQueueRequest { unit: "jaipur".into() })).await;
    assert_eq!(watch.unwrap_err().code(), Code::PermissionDenied);

    // A sensitive case: the post is kept with its hash; an operator's reply
    // waits for a supervisor; the action taken is recorded.
    let mut jaipur_watch =
        d.watch_queue(authed(&sup, WatchQueueRequest { unit: "jaipur".into() })).await.unwrap().into_inner();
    let reply = ReplyRequest {
        docket: hate.docket.clone(),
        text: "Jaipur Police is taking strict action.".into(),
        private: false,
    };
    let waiting = d.reply(authed(&b, reply)).await.unwrap().into_inner();
    assert_eq!(waiting.reply_status, "awaiting_approval");
    assert!(waiting.first_reply_at.is_none());
    let requested = async {
        while let Some(Ok(u)) = jaipur_watch.next().await {
            if u.kind().as_str_name() == "CASE_EVENT_KIND_APPROVAL_REQUESTED" {
                return u.case.unwrap();
            }
        }
        panic!("the supervisor's stream ended");
    };
    let seen = tokio::time::timeout(Duration::from_secs(10), requested)
        .await
        .expect("approval request reaches the supervisor live");
    assert_eq!(seen.docket, hate.docket);
    let approve = ApproveRequest { docket: hate.docket.clone(), approve: true, note: "ok".into() };
    assert_eq!(d.approve(authed(&b, approve.clone())).await.unwrap_err().code(), Code::PermissionDenied);
    let approved = d.approve(authed(&sup, approve)).await.unwrap().into_inner();
    assert_eq!(approved.reply_status, "manual");
    assert!(approved.first_reply_at.is_some());
    let action = RecordActionRequest {
        docket: hate.docket.clone(),
        legal_sections: vec!["BNS 196".into(), "IT Act 67".into()],
        takedown_requested: true,
        note: "takedown requested from the platform".into(),
    };
    d.record_action(authed(&sup, action)).await.unwrap();
    // Raised by hand: one step up the unit's ladder.
    let esc = tvarit_proto::v1::EscalateRequest { docket: hate.docket.clone(), reason: "viral, needs the SP".into() };
    let raised = d.escalate(authed(&b, esc)).await.unwrap().into_inner();
    assert_eq!((raised.escalation_level, raised.escalated_to.as_str()), (1, "shift supervisor"));

    let db = env.schema_pool("reply").await;
    let (hash_ok,): (bool,) = sqlx::query_as(
        "SELECT e.sha256 = sha256(c.post) FROM evidence e JOIN cases c ON c.id = e.case_id WHERE c.docket = $1",
    )
    .bind(&hate.docket)
    .fetch_one(&db)
    .await
    .unwrap();
    assert!(hash_ok, "the post is preserved with its hash");
    let evidence: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence").fetch_one(&db).await.unwrap();
    assert_eq!(evidence, 1, "only the sensitive case is preserved");
    let sections: Vec<String> =
        sqlx::query_scalar("SELECT unnest(legal_sections) FROM case_actions").fetch_all(&db).await.unwrap();
    assert_eq!(sections, ["BNS 196", "IT Act 67"]);
    let verify = env.command("tvarit-reply").args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success());
    env.cleanup(running).await;
}
