use std::time::Duration;

use tonic::Code;
use tonic::transport::Channel;
use tvarit_e2e::{Running, Service, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::library_client::LibraryClient;
use tvarit_proto::v1::{
    Case, CaseRef, CheckReplyRequest, DraftRequest, ListQueueRequest, PublishRebuttalRequest, TemplateRef,
    UpsertTemplateRequest,
};

async fn library_client(reply: &Running) -> LibraryClient<Channel> {
    LibraryClient::connect(format!("http://{}", reply.grpc_addr)).await.unwrap()
}

/// The unit's open cases once there are `n`, keyed by the post id.
async fn cases(desk: &DeskClient<Channel>, token: &str, unit: &str, n: usize) -> Vec<Case> {
    eventually(Duration::from_secs(30), &format!("{n} cases in {unit}"), || {
        let (mut desk, token) = (desk.clone(), token.to_owned());
        let unit = unit.to_owned();
        async move {
            let req = authed(&token, ListQueueRequest { unit, all: false, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == n).then_some(cases)
        }
    })
    .await
}

fn docket_of(cases: &[Case], post_id: &str) -> String {
    cases.iter().find(|c| c.post.as_ref().unwrap().post_id == post_id).unwrap().docket.clone()
}

/// Drafts in the post's language from templates and the rebuttal library,
/// template edits by role with every version kept, the guard, and
/// `tvarit-desk draft`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_get_drafts_from_the_library() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let theft_hi = "@SP_Balotra मेरी बाइक बस स्टैंड के पास से चोरी हो गई, मेरा नंबर 9829012345 है";
    let lines = vec![
        post_line("t1", theft_hi, &["@SP_Balotra"], None),
        post_line("t2", "@SP_Balotra my bike was stolen from the market near the bus stand", &["@SP_Balotra"], None),
        post_line(
            "r1",
            "@SP_Balotra is this true? bachcha chor giroh ghoom raha hai bachchon ko akela na chhode, forwarded",
            &["@SP_Balotra"],
            None,
        ),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let op = env.operator("asha", "operator", "balotra");
    let sup = env.operator("meena", "supervisor", "balotra");
    let desk = desk_client(reply).await;
    let mut lib = library_client(reply).await;
    let all = cases(&desk, &op, "balotra", 3).await;
    let (hi, en, rumour) = (docket_of(&all, "t1"), docket_of(&all, "t2"), docket_of(&all, "r1"));

    // A complaint: the theft template, in the post's language, docket filled.
    let d = lib.draft(authed(&op, DraftRequest { docket: hi.clone() })).await.unwrap().into_inner();
    assert_eq!((d.source.as_str(), d.language.as_str()), ("template:complaint/theft@1", "hi"));
    assert!(d.text.contains(&hi) && d.text.contains("थानाधिकारी") && d.text.contains("बालोतरा पुलिस"), "{}", d.text);
    assert!(d.guard.unwrap().allowed);
    let d = lib.draft(authed(&op, DraftRequest { docket: en.clone() })).await.unwrap().into_inner();
    assert_eq!((d.source.as_str(), d.language.as_str()), ("template:complaint/theft@1", "en"));
    assert!(d.text.starts_with("Your complaint has been received (docket BLT-") && d.text.contains(&en), "{}", d.text);
    // A known rumour: its rebuttal, in the post's script (Hinglish, typed in
    // Latin letters, is answered in English, not Devanagari).
    let d = lib.draft(authed(&op, DraftRequest { docket: rumour.clone() })).await.unwrap().into_inner();
    assert_eq!((d.source.as_str(), d.language.as_str()), ("rebuttal:claim-0001", "en"));
    assert!(d.text.starts_with("No child-lifting gang is active"), "{}", d.text);
    assert!(!d.text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c)), "no Devanagari: {}", d.text);
    // The draft is kept on the case.
    let mut desk2 = desk.clone();
    let case = desk2.get_case(authed(&op, CaseRef { docket: rumour.clone() })).await.unwrap().into_inner();
    assert_eq!((case.draft_text.as_str(), case.draft_source.as_str()), (d.text.as_str(), "rebuttal:claim-0001"));

    // The guard: the post's phone number, re-spaced, is refused, and says why.
    let check = CheckReplyRequest {
        docket: hi.clone(), text: "हम आपसे 98290 12345 पर संपर्क करेंगे".into()
    };
    let v = lib.check_reply(authed(&op, check)).await.unwrap().into_inner();
    assert!(!v.allowed);
    assert_eq!(v.code, "personal_data");
    assert!(v.reason.contains("phone number from the post"), "{}", v.reason);
    let check = CheckReplyRequest {
        docket: hi.clone(), text: "कृपया अपना नंबर DM करें।".into()
    };
    assert!(lib.check_reply(authed(&op, check)).await.unwrap().into_inner().allowed);
    // And the reply itself is refused, not sent, and says why.
    let leak = tvarit_proto::v1::ReplyRequest {
        docket: hi.clone(),
        text: "हम आपसे 9829012345 पर संपर्क करेंगे".into(),
        private: false,
    };
    let refused = desk2.reply(authed(&op, leak)).await.unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(refused.message().contains("phone number from the post"), "{}", refused.message());

    // Templates: an operator may not edit; a supervisor may, and v1 is kept.
    let text = "शिकायत दर्ज (डॉकेट {docket})। थानाधिकारी को निर्देशित किया गया है। कृपया स्थान DM करें। — {unit_name_hi}";
    let edit = || UpsertTemplateRequest { key: "complaint/theft".into(), lang: "hi".into(), text: text.into() };
    assert_eq!(lib.upsert_template(authed(&op, edit())).await.unwrap_err().code(), Code::PermissionDenied);
    let saved = lib.upsert_template(authed(&sup, edit())).await.unwrap().into_inner();
    assert_eq!((saved.version, saved.edited_by.as_str()), (2, "meena"));
    let bad = UpsertTemplateRequest { key: "complaint/theft".into(), lang: "hi".into(), text: "{dockett}".into() };
    assert_eq!(lib.upsert_template(authed(&sup, bad)).await.unwrap_err().code(), Code::InvalidArgument);
    let history = lib
        .template_history(authed(&op, TemplateRef { key: "complaint/theft".into(), lang: "hi".into() }))
        .await
        .unwrap()
        .into_inner()
        .templates;
    assert_eq!(history.iter().map(|t| t.version).collect::<Vec<_>>(), [2, 1]);
    assert_eq!(history[1].edited_by, "system");
    let d = lib.draft(authed(&op, DraftRequest { docket: hi.clone() })).await.unwrap().into_inner();
    assert_eq!(d.source, "template:complaint/theft@2");
    assert_eq!(
        d.text,
        format!("शिकायत दर्ज (डॉकेट {hi})। थानाधिकारी को निर्देशित किया गया है। कृपया स्थान DM करें। — बालोतरा पुलिस")
    );

    // A case opened after the edit gets the new version at intake (reply
    // keeps the library between batches and must notice the edit).
    let later = post_line("t3", "@SP_Balotra मेरा मोबाइल बाजार में चोरी हो गया", &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file("later.jsonl", &[later])).status.success());
    let all = cases(&desk, &op, "balotra", 4).await;
    let case = desk2.get_case(authed(&op, CaseRef { docket: docket_of(&all, "t3") })).await.unwrap().into_inner();
    assert_eq!(case.draft_source, "template:complaint/theft@2", "{}", case.draft_text);

    // Someone outside the unit learns nothing.
    let outsider = env.operator("kota-op", "operator", "kota");
    let err = lib.draft(authed(&outsider, DraftRequest { docket: hi.clone() })).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    // tvarit-desk draft prints it.
    let server = format!("http://{}", reply.grpc_addr);
    let out = env.command("tvarit-desk").args(["draft", &en, "--server", &server, "--token", &op]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("template:complaint/theft@1") && stdout.contains("Your complaint has been received"),
        "{stdout}"
    );
    let args = ["draft", &rumour, "--json", "--server", &server, "--token", &op];
    let out = env.command("tvarit-desk").args(args).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["source"].as_str(), v["guard"]["allowed"].as_bool()), (Some("rebuttal:claim-0001"), Some(true)));
    env.cleanup(running).await;
}

/// HQ publishes a rebuttal for a new claim: every open case repeating it,
/// in every district, gets it as its draft; nobody else may publish.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_rebuttal_drafts_matching_cases_in_every_district() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let lines = vec![
        post_line(
            "p1",
            "@SP_Balotra is it true that all petrol pumps in Rajasthan will stay closed for five days from tomorrow?",
            &["@SP_Balotra"],
            None,
        ),
        post_line(
            "p2",
            "@jaipur_police Viral message: petrol pumps closed for five days from tomorrow across Rajasthan, fill tanks today",
            &["@jaipur_police"],
            None,
        ),
        post_line("q1", "@jaipur_police passport verification kab hoga? 2 mahine ho gaye", &["@jaipur_police"], None),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let hq = env.operator("dgp-cell", "hq", "*");
    let sup = env.operator("meena", "supervisor", "balotra,jaipur");
    let desk = desk_client(reply).await;
    let mut lib = library_client(reply).await;
    let balotra = cases(&desk, &hq, "balotra", 1).await;
    let jaipur = cases(&desk, &hq, "jaipur", 2).await;
    let (p1, p2, q1) = (docket_of(&balotra, "p1"), docket_of(&jaipur, "p2"), docket_of(&jaipur, "q1"));

    let publish = || PublishRebuttalRequest {
        claim_id: String::new(),
        claim: "All petrol pumps in Rajasthan will stay closed for five days from tomorrow".into(),
        verdict: "false".into(),
        text_hi: "पेट्रोल पंप बंद रहने की खबर झूठी है; सभी पंप सामान्य रूप से खुले हैं।".into(),
        text_en: "The news of petrol pumps closing is false; all pumps are open as usual.".into(),
        evidence_url: "https://home.rajasthan.gov.in".into(),
        variants: vec![],
    };
    assert_eq!(lib.publish_rebuttal(authed(&sup, publish())).await.unwrap_err().code(), Code::PermissionDenied);
    let done = lib.publish_rebuttal(authed(&hq, publish())).await.unwrap().into_inner();
    let claim = done.rebuttal.unwrap().claim_id;
    assert_eq!(claim, "claim-0013");
    let mut drafted = done.dockets.clone();
    drafted.sort();
    let mut expected = vec![p1.clone(), p2.clone()];
    expected.sort();
    assert_eq!((done.cases_drafted, drafted), (2, expected));

    let mut desk = desk;
    for docket in [&p1, &p2] {
        let case = desk.get_case(authed(&sup, CaseRef { docket: docket.clone() })).await.unwrap().into_inner();
        assert_eq!(case.draft_source, format!("rebuttal:{claim}"));
        assert!(case.draft_text.starts_with("The news of petrol pumps closing is false"), "{}", case.draft_text);
        assert!(case.draft_text.contains("Details: https://home.rajasthan.gov.in"), "{}", case.draft_text);
    }
    let case = desk.get_case(authed(&sup, CaseRef { docket: p1.clone() })).await.unwrap().into_inner();
    assert!(case.draft_text.ends_with("— Balotra Police"), "{}", case.draft_text);
    let other = desk.get_case(authed(&sup, CaseRef { docket: q1.clone() })).await.unwrap().into_inner();
    assert!(other.draft_source.is_empty() || other.draft_source.starts_with("template:"), "{}", other.draft_source);
    // The Draft RPC agrees with what was published.
    let d = lib.draft(authed(&sup, DraftRequest { docket: p2.clone() })).await.unwrap().into_inner();
    assert_eq!(d.source, format!("rebuttal:{claim}"));
    // A new version with the same text changes no draft.
    let again = PublishRebuttalRequest { claim_id: claim.clone(), ..publish() };
    let done = lib.publish_rebuttal(authed(&hq, again)).await.unwrap().into_inner();
    assert_eq!((done.rebuttal.unwrap().version, done.cases_drafted), (2, 0));

    let verify = env.command("tvarit-reply").args(["audit", "verify"]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));
    env.cleanup(running).await;
}
