//! Retention: `tvarit-reply retention apply [--dry-run]` purges the text,
//! author and personal data of finished cases posted before the retention
//! period, everywhere reply keeps a copy; a case under legal hold stays
//! until released; each purge is audited; the month's figures do not move.

use std::time::Duration;

use chrono::{Datelike, Utc};
use prost::Message;
use tvarit_e2e::{Running, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::Category;
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::{
    AddNoteRequest, CaseRef, HandoverNoteRequest, LeaderboardRequest, LeaderboardResponse, ListQueueRequest, Post,
    RelabelRequest, ReplyRequest,
};

const PHONE: &str = "9876543210";

fn reply_cli(env: &TestEnv, args: &[&str]) -> (bool, String, String) {
    let out = env.command("tvarit-reply").args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

async fn board(metrics: &Running, token: &str, month: &str) -> LeaderboardResponse {
    let mut client = MetricsClient::connect(format!("http://{}", metrics.grpc_addr)).await.unwrap();
    client.leaderboard(authed(token, LeaderboardRequest { month: month.into() })).await.unwrap().into_inner()
}

/// Where a case's words can still be found in reply's tables.
async fn copies_of(db: &sqlx::PgPool, docket: &str, words: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM cases c WHERE c.docket = $1 AND position(convert_to($2, 'UTF8') IN c.post) > 0)
              + (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
                 WHERE c.docket = $1 AND position(convert_to($2, 'UTF8') IN e.payload) > 0)",
    )
    .bind(docket)
    .bind(words)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_purges_old_personal_data_keeps_held_cases_and_figures() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let (reply, metrics) = (&running[2], &running[3]);
    let old = Utc::now() - chrono::Duration::days(400);
    let month = old.with_timezone(&chrono::FixedOffset::east_opt(19800).unwrap());
    let month = format!("{:04}-{:02}", month.year(), month.month());
    let author = |line: String, handle: &str| {
        let mut v: serde_json::Value = serde_json::from_str(&line).unwrap();
        v["author"] = serde_json::json!({ "id": "u-77", "handle": handle, "name": "Ramesh Kumar" });
        v.to_string()
    };
    let lines = vec![
        author(
            post_line(
                "o1",
                &format!("@SP_Balotra my bike was stolen, call me on {PHONE}"),
                &["@SP_Balotra"],
                Some(old),
            ),
            "@ramesh_k",
        ),
        author(post_line("o2", "@SP_Balotra Good morning", &["@SP_Balotra"], Some(old)), "@ramesh_k"),
        author(
            post_line("o3", &format!("@SP_Balotra threats to my family, {PHONE}"), &["@SP_Balotra"], Some(old)),
            "@ramesh_k",
        ),
        author(
            post_line("n1", &format!("@SP_Balotra mobile stolen, call {PHONE}"), &["@SP_Balotra"], Some(Utc::now())),
            "@ramesh_k",
        ),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let token = env.operator("hq-desk", "hq", "*");
    let mut desk = desk_client(reply).await;
    let cases = eventually(Duration::from_secs(30), "four cases", || {
        let (mut desk, token) = (desk.clone(), token.clone());
        async move {
            let req = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 4).then_some(cases)
        }
    })
    .await;
    let docket = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().docket.clone();
    let (o1, o2, o3, n1) = (docket("o1"), docket("o2"), docket("o3"), docket("n1"));
    for d in [&o1, &o3, &n1] {
        let text = ReplyRequest { docket: d.clone(), text: "Action is being taken.".into(), private: false };
        desk.reply(authed(&token, text)).await.unwrap();
    }
    // o3 is sensitive: its post is preserved as evidence, a legal hold.
    let sensitive = RelabelRequest { docket: o3.clone(), category: Category::Sensitive as i32, urgency: 0 };
    desk.relabel(authed(&token, sensitive)).await.unwrap();
    for d in [&o1, &o3, &n1] {
        desk.close(authed(&token, CaseRef { docket: d.clone() })).await.unwrap();
    }
    let before = eventually(Duration::from_secs(30), "the old month's figures", || {
        let (token, month) = (token.clone(), month.clone());
        async move {
            let b = board(metrics, &token, &month).await;
            (b.rows.iter().map(|r| r.answered).sum::<u64>() == 2).then_some(b)
        }
    })
    .await;
    // Internal notes go with their case's personal data; hand-over notes
    // past the period go too, the others stay.
    for d in [&o1, &n1] {
        let note = AddNoteRequest { docket: d.clone(), text: "the caller's brother came to the thana".into() };
        desk.add_note(authed(&token, note)).await.unwrap();
    }
    let shift_note = HandoverNoteRequest { unit: "balotra".into(), text: "SHO on leave; call the ASP".into() };
    desk.write_handover_note(authed(&token, shift_note)).await.unwrap();
    let db = env.schema_pool("reply").await;
    sqlx::query("INSERT INTO handover_notes (unit, author, text, written_at) VALUES ('balotra', 'x', 'old', now() - interval '400 days')")
        .execute(&db)
        .await
        .unwrap();
    let purged = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM cases WHERE purged_at IS NOT NULL")
            .fetch_one(&db)
            .await
            .unwrap()
    };

    // A dry run lists what is due and changes nothing.
    let (ok, out, err) = reply_cli(&env, &["retention", "apply", "--dry-run", "--json"]);
    assert!(ok, "{err}");
    let listed: Vec<(String, String)> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| (v["docket"].as_str().unwrap().to_owned(), v["action"].as_str().unwrap().to_owned()))
        .collect();
    let mut want = vec![(o1.clone(), "purge".to_owned()), (o2.clone(), "purge".into()), (o3.clone(), "held".into())];
    want.sort();
    let mut listed = listed;
    listed.sort();
    assert_eq!(listed, want, "the new case is not due");
    assert_eq!(purged().await, 0);
    assert!(copies_of(&db, &o1, PHONE).await > 1, "the post and every event's copy of the case hold it");

    let (ok, out, err) = reply_cli(&env, &["retention", "apply"]);
    assert!(ok && out.starts_with("purged 2 cases") && out.contains(", 1 hand-over notes"), "{out}{err}");
    let notes: Vec<String> =
        sqlx::query_scalar("SELECT c.docket FROM case_notes n JOIN cases c ON c.id = n.case_id ORDER BY c.docket")
            .fetch_all(&db)
            .await
            .unwrap();
    assert_eq!(notes, std::slice::from_ref(&n1), "the purged case's note is gone, the live one's stays");
    let shift_notes: Vec<String> = sqlx::query_scalar("SELECT text FROM handover_notes").fetch_all(&db).await.unwrap();
    assert_eq!(shift_notes, ["SHO on leave; call the ASP"]);
    for (d, words) in [(&o1, PHONE), (&o1, "ramesh"), (&o1, "Ramesh Kumar"), (&o2, "Good morning")] {
        assert_eq!(copies_of(&db, d, words).await, 0, "{d} still holds {words:?}");
    }
    assert!(copies_of(&db, &o3, PHONE).await > 0, "a case under legal hold stays whole");
    assert!(copies_of(&db, &n1, PHONE).await > 0, "a case within the period stays whole");
    let post: Vec<u8> =
        sqlx::query_scalar("SELECT post FROM cases WHERE docket = $1").bind(&o1).fetch_one(&db).await.unwrap();
    let post = Post::decode(post.as_slice()).unwrap();
    assert_eq!((post.platform.as_str(), post.post_id.as_str(), post.account.as_str()), ("x", "o1", "@SP_Balotra"));
    assert!(post.text.is_empty() && post.author.is_none() && post.created_at.is_some());
    let audited: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'retention.purge'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        audited.starts_with("2 cases posted before") && audited.contains(&o1) && audited.contains(&o2),
        "{audited}"
    );
    let (ok, _, err) = reply_cli(&env, &["audit", "verify"]);
    assert!(ok, "{err}");

    // The figures of the month stand as they were.
    let after = board(metrics, &token, &month).await;
    assert_eq!((&after.rows, &after.accounts), (&before.rows, &before.accounts));

    // Nothing left to do; then the hold is released and the case goes too.
    let (ok, out, _) = reply_cli(&env, &["retention", "apply"]);
    assert!(ok && out.starts_with("purged 0 cases"), "{out}");
    let (ok, _, err) = reply_cli(&env, &["retention", "release", &n1]);
    assert!(!ok && err.contains("not under legal hold"), "{err}");
    let (ok, _, err) = reply_cli(&env, &["retention", "release", &o3]);
    assert!(ok, "{err}");
    let (ok, out, _) = reply_cli(&env, &["retention", "apply"]);
    assert!(ok && out.starts_with("purged 1 cases"), "{out}");
    assert_eq!(copies_of(&db, &o3, PHONE).await, 0);
    let evidence: i64 = sqlx::query_scalar("SELECT count(*) FROM evidence").fetch_one(&db).await.unwrap();
    assert_eq!(evidence, 0);
    env.cleanup(running).await;
}
