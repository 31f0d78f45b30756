//! HQ's ranking on scripted months (issue 20): mean first, median and p90
//! beside it, per unit and per account; a district case handed to HQ counts
//! for HQ; each case's SLA targets are those of its unit when it was
//! opened, across a target change mid-month; months cut at IST midnight;
//! `TVARIT_METRICS_RANK_BY=median` reorders; a replay changes nothing.

use chrono::{DateTime, Duration, Utc};
use tvarit_e2e::{Running, Service, TestEnv, authed, registry_with_sla};
use tvarit_proto::time::{from_datetime, from_millis};
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::{
    Case, CaseEvent, CaseEventKind as K, LeaderboardRequest, LeaderboardResponse, LeaderboardRow, Post, StatsGroup,
    StatsRequest,
};
use tvarit_proto::{CaseState, Category};

use crate::leaderboard::json_lines;
use crate::metrics_figures::{ist, publish, settled};

/// One scripted case: answered `frt_s` after its post by `by`; `handoff`:
/// the district's shift handed it to HQ a second after it opened;
/// `goal_at`: the reply clock's own deadlines (goal, breach) after the post.
struct Scripted {
    docket: &'static str,
    unit: &'static str,
    account: &'static str,
    posted: DateTime<Utc>,
    frt_s: i64,
    handoff: bool,
    deadlines: Option<(i64, i64)>,
}

fn case(
    docket: &'static str,
    unit: &'static str,
    account: &'static str,
    posted: DateTime<Utc>,
    frt_s: i64,
) -> Scripted {
    Scripted { docket, unit, account, posted, frt_s, handoff: false, deadlines: None }
}

/// The case's events; a handed-off case's are published newest first, so
/// the reply is recorded before the handoff that precedes it.
fn events(s: &Scripted, id: &mut i64) -> Vec<CaseEvent> {
    let ts = |t: DateTime<Utc>| Some(from_datetime(t));
    let mut c = Case {
        docket: s.docket.into(),
        unit: s.unit.into(),
        category: Category::Complaint as i32,
        state: CaseState::Open as i32,
        post: Some(Post {
            platform: "x".into(),
            post_id: s.docket.into(),
            account: s.account.into(),
            unit: s.unit.into(),
            created_at: ts(s.posted),
            received_at: ts(s.posted),
            ..Default::default()
        }),
        opened_at: ts(s.posted + Duration::seconds(1)),
        ..Default::default()
    };
    if let Some((goal, breach)) = s.deadlines {
        (c.goal_at, c.breach_at) = (ts(s.posted + Duration::seconds(goal)), ts(s.posted + Duration::seconds(breach)));
    }
    let mut out = Vec::new();
    let mut push = |kind: K, at: DateTime<Utc>, actor: &str, c: &Case| {
        *id += 1;
        let at = ts(at);
        out.push(CaseEvent {
            event_id: *id,
            kind: kind as i32,
            at,
            actor: actor.into(),
            case: Some(c.clone()),
            ..Default::default()
        });
    };
    push(K::Opened, s.posted + Duration::seconds(1), "system", &c);
    if s.handoff {
        c.escalated_to = "hq".into();
        push(K::Escalated, s.posted + Duration::seconds(2), "system", &c);
    }
    // Answered: the clock's deadlines are no longer on the case.
    (c.goal_at, c.breach_at, c.state) = (None, None, CaseState::InProcess as i32);
    c.first_reply_at = ts(s.posted + Duration::seconds(s.frt_s));
    push(K::Replied, s.posted + Duration::seconds(s.frt_s), if s.handoff { "hq-desk" } else { "officer" }, &c);
    if s.handoff {
        out.reverse();
    }
    out
}

/// Balotra's targets change on 15 October: goal 60 s / breach 90 s before,
/// 200 s / 400 s after; Jaipur keeps the defaults (120 s / 300 s).
fn before_change() -> Vec<Scripted> {
    let oct = |d, h, m| ist(2026, 10, d, h, m);
    vec![
        case("BLT-1", "balotra", "@SP_Balotra", oct(5, 10, 0), 50),
        case("BLT-2", "balotra", "@SP_Balotra", oct(6, 10, 0), 95),
        case("BLT-3", "balotra", "@SP_Balotra", oct(7, 10, 0), 10),
        // 23:30 IST, outside balotra's 08:00-22:00 shift: handed to HQ, answered there.
        Scripted { handoff: true, ..case("BLT-6", "balotra", "@SP_Balotra", oct(8, 23, 30), 40) },
        case("JPR-1", "jaipur", "@jaipur_police", oct(5, 11, 0), 20),
        // The reply clock ran with goal 25 s and breach 28 s for this case.
        Scripted { deadlines: Some((25, 28)), ..case("JPR-2", "jaipur", "@jaipur_police", oct(5, 12, 0), 30) },
        case("JPR-3", "jaipur", "@jaipur_police", oct(5, 13, 0), 400),
        case("HQ-1", "hq", "@PoliceRajasthan", oct(10, 3, 0), 60),
        // 23:59 IST on 30 September: September's; 00:30 IST on 1 November: November's.
        case("JPR-0", "jaipur", "@jaipur_police", ist(2026, 9, 30, 23, 59), 1000),
        case("JPR-4", "jaipur", "@jaipur_police", ist(2026, 11, 1, 0, 30), 5),
    ]
}

fn after_change() -> Vec<Scripted> {
    let oct = |d, h, m| ist(2026, 10, d, h, m);
    vec![
        case("BLT-4", "balotra", "@SP_Balotra", oct(20, 10, 0), 150),
        case("BLT-5", "balotra", "@SP_Balotra", oct(21, 10, 0), 180),
    ]
}

fn registry(goal: u32, breach: u32) -> String {
    registry_with_sla(&[("balotra", &format!("goal_seconds = {goal}\nbreach_seconds = {breach}"))])
}

async fn board(metrics: &Running, token: &str, month: &str) -> LeaderboardResponse {
    let mut client = MetricsClient::connect(format!("http://{}", metrics.grpc_addr)).await.unwrap();
    client.leaderboard(authed(token, LeaderboardRequest { month: month.into() })).await.unwrap().into_inner()
}

type Figures = (&'static str, u64, Option<f64>, Option<f64>, Option<f64>, f64, f64);

fn figures(r: &LeaderboardRow) -> (String, u64, Option<f64>, Option<f64>, Option<f64>, f64, f64) {
    let name = if r.account.is_empty() { r.unit.clone() } else { r.account.clone() };
    (name, r.cases, r.mean_frt_s, r.median_frt_s, r.p90_frt_s, r.within_goal_share, r.within_breach_share)
}

fn expect(rows: &[LeaderboardRow], want: &[Figures]) {
    let got: Vec<_> = rows.iter().map(figures).collect();
    let want: Vec<_> = want.iter().map(|w| (w.0.to_string(), w.1, w.2, w.3, w.4, w.5, w.6)).collect();
    assert_eq!(got, want, "{rows:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_ranks_by_mean_per_unit_and_account_with_each_cases_targets() {
    let env = TestEnv::new().await;
    let mut id = 0;
    let first: Vec<CaseEvent> = before_change().iter().flat_map(|s| events(s, &mut id)).collect();
    let second: Vec<CaseEvent> = after_change().iter().flat_map(|s| events(s, &mut id)).collect();

    let token = env.operator("hq-analyst", "hq", "*");
    env.use_registry(&registry(60, 90));
    let metrics = env.start(Service::Metrics).await;
    publish(&env, &first).await;
    settled(&env).await;
    assert!(metrics.terminate().success());
    // Mid-month, balotra's targets change; the cases already seen keep theirs.
    env.use_registry(&registry(200, 400));
    let metrics = env.start(Service::Metrics).await;
    publish(&env, &second).await;
    settled(&env).await;

    let oct = board(&metrics, &token, "2026-10").await;
    assert_eq!(oct.rank_by, "mean");
    assert!(oct.rule.starts_with("rows with answered cases first, by mean FRT"), "{}", oct.rule);
    assert!(oct.rows.iter().chain(&oct.accounts).all(|r| r.rank_by == "mean"));
    // balotra: 10, 50, 95 (goal 60/breach 90) and 150, 180 (200/400); BLT-6 went to HQ.
    // jaipur: 20, 30 (its clock: 25/28), 400 (120/300). hq: its own 60 and BLT-6's 40.
    expect(
        &oct.rows,
        &[
            ("hq", 2, Some(50.0), Some(50.0), Some(58.0), 1.0, 1.0),
            ("balotra", 5, Some(97.0), Some(95.0), Some(168.0), 0.8, 0.8),
            ("jaipur", 3, Some(150.0), Some(30.0), Some(326.0), 1.0 / 3.0, 1.0 / 3.0),
        ],
    );
    let ranks: Vec<(u32, Option<i32>)> = oct.rows.iter().map(|r| (r.rank, r.rank_change)).collect();
    assert_eq!(ranks, [(1, None), (2, None), (3, Some(-2))], "jaipur was first (alone) in September");
    // Accounts count every case addressed to them, BLT-6 too.
    expect(
        &oct.accounts,
        &[
            ("@PoliceRajasthan", 1, Some(60.0), Some(60.0), Some(60.0), 1.0, 1.0),
            ("@SP_Balotra", 6, Some(87.5), Some(72.5), Some(165.0), 5.0 / 6.0, 5.0 / 6.0),
            ("@jaipur_police", 3, Some(150.0), Some(30.0), Some(326.0), 1.0 / 3.0, 1.0 / 3.0),
        ],
    );
    let owners: Vec<&str> = oct.accounts.iter().map(|r| r.unit.as_str()).collect();
    assert_eq!(owners, ["hq", "balotra", "jaipur"]);
    // The month is cut at midnight IST on both sides.
    expect(&board(&metrics, &token, "2026-11").await.rows, &[("jaipur", 1, Some(5.0), Some(5.0), Some(5.0), 1.0, 1.0)]);
    expect(
        &board(&metrics, &token, "2026-09").await.rows,
        &[("jaipur", 1, Some(1000.0), Some(1000.0), Some(1000.0), 0.0, 0.0)],
    );

    // Shifts: the handed-off case was posted in balotra's night; HQ works round the clock.
    let mut client = MetricsClient::connect(format!("http://{}", metrics.grpc_addr)).await.unwrap();
    let stats = |unit: &str, group: StatsGroup| StatsRequest {
        unit: unit.into(),
        from: Some(from_millis(ist(2026, 10, 1, 0, 0).timestamp_millis())),
        to: Some(from_millis(ist(2026, 11, 1, 0, 0).timestamp_millis())),
        group_by: group as i32,
    };
    let shifts = client.stats(authed(&token, stats("", StatsGroup::Shift))).await.unwrap().into_inner().rows;
    let shifts: Vec<(&str, u64, Option<f64>)> =
        shifts.iter().map(|r| (r.key.as_str(), r.cases, r.median_frt_s)).collect();
    assert_eq!(shifts, [("24x7", 1, Some(60.0)), ("day", 8, Some(72.5)), ("night", 1, Some(40.0))]);
    // Stats count a case for the same unit as the ranking.
    let hq = client.stats(authed(&token, stats("hq", StatsGroup::Operator))).await.unwrap().into_inner().rows;
    let hq: Vec<(&str, u64)> = hq.iter().map(|r| (r.key.as_str(), r.cases)).collect();
    assert_eq!(hq, [("hq-desk", 1), ("officer", 1)]);

    // Every event again: nothing moves (the targets first recorded stay).
    publish(&env, &first).await;
    publish(&env, &second).await;
    settled(&env).await;
    let again = board(&metrics, &token, "2026-10").await;
    assert_eq!((&again.rows, &again.accounts), (&oct.rows, &oct.accounts));

    // The desk's JSON rows carry rank_by; --accounts lists the accounts.
    let metrics_server = format!("http://{}", metrics.grpc_addr);
    let desk = |args: &[&str]| {
        let mut cmd = env.command("tvarit-desk");
        cmd.args(["--metrics-server", &metrics_server, "--token", &token, "--json", "leaderboard"]).args(args);
        json_lines(&cmd.output().unwrap())
    };
    let rows = desk(&["--month", "2026-10"]);
    assert_eq!((rows.len(), &rows[0]["unit"], &rows[0]["rank_by"]), (3, &"hq".into(), &"mean".into()));
    let rows = desk(&["--month", "2026-10", "--accounts"]);
    assert_eq!(
        (&rows[1]["account"], &rows[1]["unit"], &rows[1]["mean_frt_s"]),
        (&"@SP_Balotra".into(), &"balotra".into(), &87.5.into())
    );

    // HQ's printed report: English and Hindi, units, accounts, operators, categories.
    let out =
        env.command("tvarit-metrics").args(["report", "--month", "2026-10", "--format", "html"]).output().unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    for section in ["Ranking of units / इकाइयों की रैंकिंग", "Ranking of accounts / खातों की रैंकिंग", "Operators / ऑपरेटर"]
    {
        assert!(html.contains(section), "{section} missing");
    }
    assert!(html.contains("औसत FRT के बढ़ते क्रम में"), "the rule in Hindi");
    let row = |name: &str, figures: &str| format!("<td class=\"u\">{name}</td>{figures}");
    assert!(
        html.contains(&row("2. @SP_Balotra (balotra)", "<td>6</td><td>6</td><td>87.5</td><td>72.5</td><td>165.0</td>"))
    );
    assert!(html.contains(&row("hq-desk", "<td>1</td><td>1</td><td>40.0</td>")), "operators");
    assert!(html.contains(&row("complaint", "<td>10</td><td>10</td><td>103.5</td><td>55.0</td>")), "categories");
    assert!(html.contains("@page{size:A4"));
    assert!(metrics.terminate().success());

    // Ranked by median instead: jaipur's fast median beats its slow mean.
    env.set_env("TVARIT_METRICS_RANK_BY", "median");
    let metrics = env.start(Service::Metrics).await;
    let by_median = board(&metrics, &token, "2026-10").await;
    let order: Vec<(&str, &str)> = by_median.rows.iter().map(|r| (r.unit.as_str(), r.rank_by.as_str())).collect();
    assert_eq!(order, [("jaipur", "median"), ("hq", "median"), ("balotra", "median")]);
    assert!(by_median.rule.contains("by median FRT ascending; ties by mean FRT"), "{}", by_median.rule);
    env.cleanup(vec![metrics]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rank_by_other_than_mean_or_median_is_refused_at_start() {
    let env = TestEnv::new().await;
    let out = env.command("tvarit-metrics").env("TVARIT_METRICS_RANK_BY", "p90").arg("migrate").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("metrics_rank_by") && err.contains("median"), "{err}");
    env.cleanup(vec![]).await;
}
