//! Scripted case events with known times, published straight onto the test
//! namespace's case subjects: every figure is exact (percentiles, shares,
//! exclusions, shifts, operators, SLA counts, rank change), and replaying
//! every event again changes none of them.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use prost::Message;
use tvarit_e2e::{Running, Service, TestEnv, eventually, metrics_client};
use tvarit_proto::time::{from_datetime, from_millis};
use tvarit_proto::v1::{
    Case, CaseEvent, CaseEventKind as K, CaseTimelineRequest, CoverageRequest, LeaderboardRequest, LeaderboardRow,
    Post, StatsGroup, StatsRequest, StatsResponse,
};
use tvarit_proto::{CaseState, Category};

/// IST wall time → UTC.
pub(crate) fn ist(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(19800).unwrap().with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap().with_timezone(&Utc)
}

/// One scripted case: its events, in order.
struct Script {
    docket: &'static str,
    unit: &'static str,
    posted: DateTime<Utc>,
    frt_s: Option<i64>,
    operator: &'static str,
    state: CaseState,
    untagged: bool,
    sla: bool,
}

fn events(s: &Script, next_id: &mut i64) -> Vec<CaseEvent> {
    let ts = |t: DateTime<Utc>| Some(from_datetime(t));
    let post = Post {
        platform: "x".into(),
        post_id: s.docket.into(),
        account: if s.untagged { String::new() } else { format!("@acct_{}", s.unit) },
        unit: s.unit.into(),
        created_at: ts(s.posted),
        received_at: ts(s.posted + chrono::Duration::seconds(2)),
        untagged: s.untagged,
        ..Default::default()
    };
    let mut case = Case {
        docket: s.docket.into(),
        unit: s.unit.into(),
        category: Category::Complaint as i32,
        state: s.state as i32,
        post: Some(post),
        opened_at: ts(s.posted + chrono::Duration::seconds(3)),
        ..Default::default()
    };
    let mut out = Vec::new();
    let mut push = |kind: K, at: DateTime<Utc>, actor: &str, case: &Case| {
        *next_id += 1;
        out.push(CaseEvent {
            event_id: *next_id,
            kind: kind as i32,
            at: ts(at),
            actor: actor.into(),
            case: Some(case.clone()),
            ..Default::default()
        });
    };
    push(K::Opened, s.posted + chrono::Duration::seconds(3), "system", &case);
    if s.sla {
        push(K::SlaGoalMissed, s.posted + chrono::Duration::seconds(120), "system", &case);
        push(K::SlaBreached, s.posted + chrono::Duration::seconds(300), "system", &case);
        case.escalation_level = 1;
        push(K::Escalated, s.posted + chrono::Duration::seconds(301), "system", &case);
    }
    if let Some(frt) = s.frt_s {
        let at = s.posted + chrono::Duration::seconds(frt);
        case.first_reply_at = ts(at);
        if s.state != CaseState::NotActionable {
            case.state = CaseState::InProcess as i32;
        }
        push(K::Replied, at, s.operator, &case);
    }
    out
}

fn script() -> Vec<Script> {
    let c = |docket, unit, posted, frt_s, operator| Script {
        docket,
        unit,
        posted,
        frt_s,
        operator,
        state: CaseState::Open,
        untagged: false,
        sla: false,
    };
    let sep = |h, m| ist(2026, 9, 10, h, m);
    vec![
        c("BLT-1", "balotra", sep(10, 0), Some(30), "ramesh"),
        c("BLT-2", "balotra", sep(10, 1), Some(60), "ramesh"),
        c("BLT-3", "balotra", sep(10, 2), Some(90), "suresh"),
        c("BLT-4", "balotra", sep(10, 3), Some(150), "suresh"),
        c("BLT-5", "balotra", sep(10, 4), None, ""),
        Script { state: CaseState::NotActionable, ..c("BLT-6", "balotra", sep(10, 5), Some(5), "ramesh") },
        Script { untagged: true, ..c("BLT-7", "balotra", sep(10, 6), Some(1), "ramesh") },
        c("JPR-1", "jaipur", sep(12, 0), Some(100), "anita"),
        Script { sla: true, ..c("JPR-2", "jaipur", sep(23, 0), Some(400), "anita") },
        c("HQ-1", "hq", sep(3, 0), Some(20), "hq-desk"),
        // The month before: jaipur ranked first, balotra second.
        c("JPR-0", "jaipur", ist(2026, 8, 5, 11, 0), Some(10), "anita"),
        c("BLT-0", "balotra", ist(2026, 8, 5, 11, 0), Some(50), "ramesh"),
        // Now: an open case in barmer and an operator who just claimed it.
        c("BMR-1", "barmer", Utc::now() - chrono::Duration::seconds(60), None, ""),
    ]
}

pub(crate) async fn publish(env: &TestEnv, all: &[CaseEvent]) {
    let js = env.jetstream().await;
    for e in all {
        let kind = e.kind().slug();
        let subject = format!("{}.case.{kind}.{}", env.ns, e.case.as_ref().unwrap().unit);
        js.publish(subject, e.encode_to_vec().into()).await.unwrap().await.unwrap();
    }
}

pub(crate) async fn settled(env: &TestEnv) {
    let js = env.jetstream().await;
    let stream = js.get_stream(format!("{}_CASES", env.ns.to_uppercase())).await.unwrap();
    eventually(Duration::from_secs(30), "the metrics consumer caught up", || {
        let stream = stream.clone();
        async move {
            let mut c: async_nats::jetstream::consumer::PullConsumer =
                stream.get_consumer("metrics-cases").await.ok()?;
            let info = c.info().await.ok()?;
            (info.num_pending == 0 && info.num_ack_pending == 0).then_some(())
        }
    })
    .await;
}

type Figures = (Vec<LeaderboardRow>, StatsResponse, StatsResponse);

async fn figures(metrics: &Running, token: &str) -> Figures {
    let mut client = metrics_client(metrics, token).await;
    let board = client.leaderboard(LeaderboardRequest { month: "2026-09".into() }).await.unwrap().into_inner().rows;
    let stats = |unit: &str, group: StatsGroup| StatsRequest {
        unit: unit.into(),
        from: Some(from_millis(ist(2026, 9, 1, 0, 0).timestamp_millis())),
        to: Some(from_millis(ist(2026, 10, 1, 0, 0).timestamp_millis())),
        group_by: group as i32,
    };
    let ops = client.stats(stats("balotra", StatsGroup::Operator)).await.unwrap().into_inner();
    let shifts = client.stats(stats("", StatsGroup::Shift)).await.unwrap().into_inner();
    (board, ops, shifts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_figures_are_exact_and_replays_change_nothing() {
    let env = TestEnv::new().await;
    let metrics = env.start(Service::Metrics).await;
    let token = env.operator("meena", "hq", "*");
    let mut id = 0;
    let mut all: Vec<CaseEvent> = script().iter().flat_map(|s| events(s, &mut id)).collect();
    // The barmer operator claims the open case now.
    let mut claim = all.iter().rev().find(|e| e.case.as_ref().unwrap().docket == "BMR-1").unwrap().clone();
    (claim.event_id, claim.kind, claim.actor) = (id + 1, K::Claimed as i32, "mohan".into());
    claim.at = Some(from_millis(Utc::now().timestamp_millis()));
    all.push(claim);
    publish(&env, &all).await;
    settled(&env).await;

    let (board, ops, shifts) = figures(&metrics, &token).await;
    let units: Vec<(&str, u32, Option<i32>)> = board.iter().map(|r| (r.unit.as_str(), r.rank, r.rank_change)).collect();
    assert_eq!(units, [("hq", 1, None), ("balotra", 2, Some(0)), ("jaipur", 3, Some(-2))], "{board:#?}");
    let b = &board[1];
    assert_eq!((b.cases, b.answered, b.unanswered), (5, 4, 1), "not-actionable and untagged are not counted");
    assert_eq!(
        (b.median_frt_s, b.mean_frt_s, b.p90_frt_s, b.max_frt_s),
        (Some(75.0), Some(82.5), Some(132.0), Some(150.0))
    );
    assert_eq!((b.within_goal_share, b.within_breach_share), (0.6, 0.8));
    let j = &board[2];
    assert_eq!(
        (j.median_frt_s, j.p90_frt_s, j.within_goal_share, j.within_breach_share),
        (Some(250.0), Some(370.0), 0.5, 0.5)
    );
    assert_eq!((j.sla_breaches, j.escalations), (1, 1));

    let op: Vec<(&str, u64, Option<f64>)> =
        ops.rows.iter().map(|r| (r.key.as_str(), r.cases, r.median_frt_s)).collect();
    assert_eq!(op, [("", 1, None), ("ramesh", 2, Some(45.0)), ("suresh", 2, Some(120.0))]);
    assert_eq!(ops.rows[1].mean_ingest_lag_s, Some(2.0));
    let sh: Vec<(&str, u64, Option<f64>, u64)> =
        shifts.rows.iter().map(|r| (r.key.as_str(), r.cases, r.median_frt_s, r.sla_breaches)).collect();
    assert_eq!(sh, [("24x7", 1, Some(20.0), 0), ("day", 6, Some(90.0), 0), ("night", 1, Some(400.0), 1)]);

    let mut client = metrics_client(&metrics, &token).await;
    let t = client.case_timeline(CaseTimelineRequest { docket: "JPR-2".into() }).await.unwrap().into_inner();
    let kinds: Vec<&str> = t.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["opened", "sla_goal_missed", "sla_breached", "escalated", "replied"]);
    assert_eq!((t.frt_s, t.replied_by.as_str()), (Some(400.0), "anita"));
    let cov = client.coverage(CoverageRequest { window_minutes: 10 }).await.unwrap().into_inner();
    let barmer = cov.units.iter().find(|u| u.unit == "barmer").unwrap();
    assert_eq!((barmer.open_cases, barmer.oldest_waiting_docket.as_str()), (1, "BMR-1"));
    assert_eq!(barmer.operators_on_shift, ["mohan"]);
    assert!(cov.units_uncovered.contains(&"balotra".to_string()) && !cov.units_uncovered.contains(&"barmer".into()));

    let report =
        env.command("tvarit-metrics").args(["report", "--month", "2026-09", "--format", "csv"]).output().unwrap();
    let csv = String::from_utf8(report.stdout).unwrap();
    assert!(csv.contains("\n2026-09,2,0,balotra,5,4,1,75.0,82.5,132.0,150.0,0.6000,0.8000,0,0\n"), "{csv}");

    let html =
        env.command("tvarit-metrics").args(["report", "--month", "2026-09", "--format", "html"]).output().unwrap();
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.matches("<svg").count() == 3, "one chart per unit");
    let desk = |args: &[&str]| {
        let out = env
            .command("tvarit-desk")
            .args(["--metrics-server", &format!("http://{}", metrics.grpc_addr), "--token", &token, "--json"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<serde_json::Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        rows
    };
    let rows = desk(&["leaderboard", "--month", "2026-09"]);
    let changes: Vec<_> = rows.iter().map(|r| r["rank_change"].clone()).collect();
    assert_eq!(changes, [serde_json::Value::Null, 0.into(), (-2).into()]);
    let rows = desk(&["stats", "--unit", "balotra", "--from", "2026-09-01", "--to", "2026-10-01", "--by", "operator"]);
    assert_eq!(rows[2]["key"], "suresh");
    assert_eq!(rows[2]["median_frt_s"], 120.0);
    assert_eq!(rows[2]["p90_frt_s"], 144.0);

    // Every event again: no figure moves, no counter counts twice.
    publish(&env, &all).await;
    settled(&env).await;
    assert_eq!(figures(&metrics, &token).await, (board, ops, shifts));
    let (_, body) = crate::metrics_http::get(metrics.http_addr, "/metrics").await;
    assert!(body.contains("tvarit_sla_breaches_total{unit=\"jaipur\"} 1\n"), "{body}");
    env.cleanup(vec![metrics]).await;
}
