use std::time::Duration;

use tonic::Code;
use tvarit_e2e::{Service, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::v1::{CaseRef, ListQueueRequest, RelabelRequest, ReplyRequest};
use tvarit_proto::{CaseState, Category};

/// The case state machine as operators meet it: one holder per case, limits
/// on replies, relabelling that puts a wrongly closed post back in the
/// queue, and every action in an intact audit chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_work_cases_under_the_rules() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let lines = vec![
        post_line("a1", "@jaipur_police my scooter was stolen from the market", &["@jaipur_police"], None),
        post_line("a2", "Good morning", &["@jaipur_police"], None),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let asha = env.operator("asha", "operator", "jaipur");
    let vikram = env.operator("vikram", "operator", "jaipur");
    let mut desk = desk_client(reply).await;
    let cases = eventually(Duration::from_secs(30), "two cases", || {
        let (mut desk, asha) = (desk.clone(), asha.clone());
        async move {
            let req = authed(&asha, ListQueueRequest { unit: "jaipur".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 2).then_some(cases)
        }
    })
    .await;
    let by_post = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().docket.clone();
    let (theft, greeting) = (by_post("a1"), by_post("a2"));

    let claimed = desk.claim(authed(&asha, CaseRef { docket: theft.clone() })).await.unwrap().into_inner();
    assert_eq!(claimed.state(), CaseState::InProcess);
    let err = desk.claim(authed(&vikram, CaseRef { docket: theft.clone() })).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert!(err.message().contains("claimed by asha"), "{}", err.message());
    let too_long = ReplyRequest { docket: theft.clone(), text: "क".repeat(281), private: false };
    assert_eq!(desk.reply(authed(&asha, too_long)).await.unwrap_err().code(), Code::InvalidArgument);
    let empty = ReplyRequest { docket: theft.clone(), text: "   ".into(), private: false };
    assert_eq!(desk.reply(authed(&asha, empty)).await.unwrap_err().code(), Code::InvalidArgument);
    let ok = ReplyRequest { docket: theft.clone(), text: "Please share the exact location.".into(), private: false };
    assert!(desk.reply(authed(&asha, ok)).await.unwrap().into_inner().first_reply_at.is_some());
    desk.close(authed(&vikram, CaseRef { docket: theft.clone() })).await.unwrap();
    let again = desk.close(authed(&asha, CaseRef { docket: theft.clone() })).await.unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);

    // Closed by mistake: reopened, back in the queue unclaimed; its first
    // reply still counts.
    let reopened = desk.reopen(authed(&asha, CaseRef { docket: theft.clone() })).await.unwrap().into_inner();
    assert_eq!((reopened.state(), reopened.claimed_by.as_str()), (CaseState::Open, ""));
    assert!(reopened.first_reply_at.is_some());
    let twice = desk.reopen(authed(&asha, CaseRef { docket: theft.clone() })).await.unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition);
    // Going off shift: only the holder (or a supervisor) gives a claim back.
    desk.claim(authed(&vikram, CaseRef { docket: theft.clone() })).await.unwrap();
    let not_hers = desk.release(authed(&asha, CaseRef { docket: theft.clone() })).await.unwrap_err();
    assert_eq!(not_hers.code(), Code::PermissionDenied);
    let released = desk.release(authed(&vikram, CaseRef { docket: theft.clone() })).await.unwrap().into_inner();
    assert_eq!((released.state(), released.claimed_by.as_str()), (CaseState::Open, ""));
    desk.close(authed(&vikram, CaseRef { docket: theft.clone() })).await.unwrap();

    // A post the classifier closed as not actionable, put back by an operator.
    let relabel = RelabelRequest { docket: greeting.clone(), category: Category::Complaint as i32, urgency: 0 };
    let case = desk.relabel(authed(&vikram, relabel)).await.unwrap().into_inner();
    assert_eq!((case.category(), case.state()), (Category::Complaint, CaseState::Open));
    assert!(case.closed_at.is_none());
    let queue = desk.list_queue(authed(&asha, ListQueueRequest { unit: "jaipur".into(), all: false, limit: 0 })).await;
    let live: Vec<String> = queue.unwrap().into_inner().cases.into_iter().map(|c| c.docket).collect();
    assert_eq!(live, std::slice::from_ref(&greeting));

    // Relabelled sensitive, the post is kept as evidence with its hash, as intake does.
    let to_sensitive = RelabelRequest { docket: theft.clone(), category: Category::Sensitive as i32, urgency: 0 };
    desk.relabel(authed(&vikram, to_sensitive)).await.unwrap();
    let db = env.schema_pool("reply").await;
    let kept: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM evidence e JOIN cases c ON c.id = e.case_id WHERE c.docket = $1 AND e.sha256 = sha256(c.post)",
    )
    .bind(&theft)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(kept, 1, "a case relabelled sensitive keeps its post as evidence");

    // Someone outside the unit learns nothing about the case.
    let outsider = env.operator("kota-op", "operator", "kota");
    let err = desk.claim(authed(&outsider, CaseRef { docket: greeting.clone() })).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let verify = env.command("tvarit-reply").args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    // Three operators added, then claim, reply, close, reopen, claim,
    // release, close and two relabels.
    assert_eq!(String::from_utf8_lossy(&verify.stdout).trim(), "audit log intact: 12 entries");

    // Tampering with any entry breaks the chain.
    sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE action = 'case.reply'").execute(&db).await.unwrap();
    let verify = env.command("tvarit-reply").args(["audit", "verify"]).output().unwrap();
    assert!(!verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stderr).contains("audit log broken at entry"));
    env.cleanup(running).await;
}
