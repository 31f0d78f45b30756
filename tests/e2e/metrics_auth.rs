//! No query without a token: Metrics verifies the same operator tokens and
//! roles as reply. An operator sees figures and case timelines of their own
//! units and the leaderboard of all; figures by operator are for
//! supervisors and HQ.

use std::time::Duration;

use tonic::Code;
use tvarit_e2e::{TestEnv, authed, desk_client, eventually, metrics_client, post_line};
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::{
    CaseTimelineRequest, CoverageRequest, LeaderboardRequest, ListQueueRequest, StatsGroup, StatsRequest,
};

fn stats(unit: &str, group: StatsGroup) -> StatsRequest {
    let now = chrono::Utc::now().timestamp_millis();
    StatsRequest {
        unit: unit.into(),
        from: Some(from_millis(now - 86_400_000)),
        to: Some(from_millis(now + 60_000)),
        group_by: group as i32,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_answers_only_with_a_token_and_only_of_the_callers_units() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let (reply, metrics) = (&running[2], &running[3]);
    let balotra = env.operator("bhanu", "operator", "balotra");
    let jodhpur = env.operator("jaswant", "operator", "jodhpur");
    let supervisor = env.operator("sunita", "supervisor", "balotra");
    let hq = env.operator("meena", "hq", "*");
    let post = post_line("m1", "@SP_Balotra my motorcycle was stolen from the market", &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file("posts.jsonl", &[post])).status.success());
    let desk = desk_client(reply).await;
    let docket = eventually(Duration::from_secs(30), "the case opened in balotra", || {
        let (mut desk, token) = (desk.clone(), balotra.clone());
        async move {
            let req = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
            desk.list_queue(req).await.ok()?.into_inner().cases.first().map(|c| c.docket.clone())
        }
    })
    .await;
    let mut mine = metrics_client(metrics, &balotra).await;
    let timeline = eventually(Duration::from_secs(30), "metrics knows the case", || {
        let (mut mine, docket) = (mine.clone(), docket.clone());
        async move { mine.case_timeline(CaseTimelineRequest { docket }).await.ok() }
    })
    .await
    .into_inner();
    assert_eq!(timeline.unit, "balotra");

    // No token, or one nobody holds: UNAUTHENTICATED on every call.
    let mut anonymous = MetricsClient::connect(format!("http://{}", metrics.grpc_addr)).await.unwrap();
    let month = LeaderboardRequest { month: "2026-11".into() };
    let codes = [
        anonymous.leaderboard(month.clone()).await.unwrap_err().code(),
        anonymous.stats(stats("balotra", StatsGroup::Unit)).await.unwrap_err().code(),
        anonymous.case_timeline(CaseTimelineRequest { docket: docket.clone() }).await.unwrap_err().code(),
        anonymous.coverage(CoverageRequest { window_minutes: 0 }).await.unwrap_err().code(),
    ];
    assert_eq!(codes, [Code::Unauthenticated; 4]);
    let forged = anonymous.leaderboard(authed("tvt_not_issued", month.clone())).await.unwrap_err();
    assert_eq!(forged.code(), Code::Unauthenticated);

    // Another unit's operator: the leaderboard of all, not this case.
    let mut theirs = metrics_client(metrics, &jodhpur).await;
    theirs.leaderboard(month.clone()).await.expect("every unit sees the leaderboard");
    let denied = theirs.case_timeline(CaseTimelineRequest { docket: docket.clone() }).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied, "{denied:?}");
    let denied = theirs.stats(stats("balotra", StatsGroup::Unit)).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let cover = theirs.coverage(CoverageRequest { window_minutes: 0 }).await.unwrap().into_inner();
    assert!(cover.units.iter().all(|u| u.unit == "jodhpur") && cover.units.len() == 1, "{cover:?}");

    // Figures by operator: supervisors and HQ only.
    let denied = mine.stats(stats("balotra", StatsGroup::Operator)).await.unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let mut sup = metrics_client(metrics, &supervisor).await;
    let by_operator = sup.stats(stats("balotra", StatsGroup::Operator)).await.unwrap().into_inner();
    assert_eq!(by_operator.rows.iter().map(|r| r.cases).sum::<u64>(), 1);
    // "All units" for a district is its own units; for HQ every unit.
    let own = mine.stats(stats("", StatsGroup::Unit)).await.unwrap().into_inner();
    assert!(own.rows.iter().all(|r| r.key == "balotra") && !own.rows.is_empty(), "{own:?}");
    let mut all = metrics_client(metrics, &hq).await;
    all.stats(stats("", StatsGroup::Category)).await.expect("HQ sees figures across every unit");
    all.case_timeline(CaseTimelineRequest { docket: docket.clone() }).await.expect("HQ sees every unit's case");

    // tvarit-desk sends the token it is given, and says why it was refused.
    let desk_cli = |token: Option<&str>| {
        let mut cmd = env.command("tvarit-desk");
        cmd.args(["--metrics-server", &format!("http://{}", metrics.grpc_addr), "timeline", &docket]);
        if let Some(t) = token {
            cmd.args(["--token", t]);
        }
        cmd.output().unwrap()
    };
    assert!(desk_cli(Some(&balotra)).status.success());
    let out = desk_cli(None);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Unauthenticated"));

    env.cleanup(running).await;
}
