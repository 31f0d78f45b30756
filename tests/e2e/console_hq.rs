//! HQ works the district cases handed to it out of shift (docs/sla.md): they
//! are in HQ's queue and supervision, over the Desk API, in the console
//! (marked "handed over from Balotra") and in `tvarit-desk`, live as they are
//! handed over, with replies waiting for approval first; an operator without
//! the district's unit does not get them. The deployment here keeps Nepal's
//! time (UTC+5:45), and the console and `tvarit-desk` show times in it.

use std::time::Duration;

use chrono::{FixedOffset, Timelike, Utc};
use serde_json::json;
use tokio_stream::StreamExt;
use tvarit_e2e::{Browser, Running, TestEnv, authed, desk_client, eventually, post_line, registry_with_sla};
use tvarit_proto::v1::{Case, EscalateRequest, ListQueueRequest, ReplyRequest, WatchQueueRequest};

use crate::console::{console_url, live, show_in, sign_in};

/// UTC+5:45, the registry's zone in this test.
fn kathmandu() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 45 * 60).unwrap()
}

/// Nepal's time, and Balotra staffed for one hour starting two hours from
/// now (Nepal time): now is outside its shift, so its cases go to HQ.
fn registry() -> String {
    let start = (Utc::now().with_timezone(&kathmandu()).hour() + 2) % 24;
    let shift = format!("shift = \"{start:02}:00-{:02}:00\"", (start + 1) % 24);
    registry_with_sla(&[("balotra", &shift)]).replace("time_zone = \"Asia/Kolkata\"", "time_zone = \"Asia/Kathmandu\"")
}

/// Three Balotra posts out of its shift, and one for HQ itself.
const POSTS: [(&str, &str, &str); 4] = [
    ("b1", "@SP_Balotra", "@SP_Balotra my bike was stolen from the market near the bus stand"),
    ("b2", "@SP_Balotra", "@SP_Balotra someone took money from my account with a fake KYC call"),
    (
        "bs",
        "@SP_Balotra",
        "@SP_Balotra एक समाज विशेष के खिलाफ जातिसूचक शब्दों वाला भड़काऊ वीडियो फैलाया जा रहा है, दंगा भड़काने की कोशिश",
    ),
    ("h1", "@PoliceRajasthan", "@PoliceRajasthan what documents are needed for a character certificate?"),
];

async fn hq_queue(reply: &Running, token: &str) -> Vec<Case> {
    let req = authed(token, ListQueueRequest { unit: "hq".into(), all: false, limit: 0 });
    desk_client(reply).await.list_queue(req).await.unwrap().into_inner().cases
}

fn desk_cli(env: &TestEnv, running: &[Running], token: &str, args: &[&str]) -> String {
    let out = env
        .command("tvarit-desk")
        .args(["--server", &format!("http://{}", running[2].grpc_addr)])
        .args(["--metrics-server", &format!("http://{}", running[3].grpc_addr), "--token", token])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "tvarit-desk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_works_the_district_cases_handed_over_out_of_shift() {
    Box::pin(handed_over()).await;
}

async fn handed_over() {
    let env = TestEnv::new().await;
    env.use_registry(&registry());
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let hq = env.operator("hq-desk", "hq", "*");
    let night = env.operator("night-op", "operator", "hq,balotra");
    let hq_only = env.operator("hq-only", "operator", "hq");
    env.operator("balotra-op", "operator", "balotra");
    let lines: Vec<String> = POSTS.iter().map(|(id, to, t)| post_line(id, t, &[to], None)).collect();
    assert!(env.replay(&env.write_file("night.jsonl", &lines)).status.success());

    // Over the Desk API: HQ's queue holds its own case and the handed-over ones.
    let cases = eventually(Duration::from_secs(40), "HQ's queue with the handed-over cases", || async {
        let cases = hq_queue(&running[2], &hq).await;
        (cases.len() == 4 && cases.iter().filter(|c| c.escalated_to == "hq").count() == 3).then_some(cases)
    })
    .await;
    let by = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().clone();
    let (b1, b2, bs, h1) = (by("b1"), by("b2"), by("bs"), by("h1"));
    assert_eq!((b1.unit.as_str(), h1.unit.as_str()), ("balotra", "hq"));
    let own: Vec<String> = hq_queue(&running[2], &hq_only).await.into_iter().map(|c| c.docket).collect();
    assert_eq!(
        own,
        std::slice::from_ref(&h1.docket),
        "the unit rules hold: no Balotra case for an operator without it"
    );
    // Raised by hand after the handoff, a case climbs at HQ and stays in its queue.
    let mut desk = desk_client(&running[2]).await;
    let esc = EscalateRequest { docket: b1.docket.clone(), reason: "a second theft on the same street".into() };
    let raised = desk.escalate(authed(&hq, esc)).await.unwrap().into_inner();
    assert_eq!(raised.escalated_to, "hq/shift supervisor");
    assert!(hq_queue(&running[2], &hq).await.iter().any(|c| c.docket == b1.docket));
    // The night operator answers the sensitive post: it waits for approval.
    let reply =
        ReplyRequest { docket: bs.docket.clone(), text: "Balotra Police is acting on this.".into(), private: false };
    assert_eq!(desk.reply(authed(&night, reply)).await.unwrap().into_inner().reply_status, "awaiting_approval");

    // In the console: marked where they came from, live as they come.
    let browser = Browser::start().await;
    sign_in(&browser, &console, &hq, "en").await;
    browser.goto(&console_url(&console, "/queue?unit=hq")).await;
    live(&browser).await;
    let row = browser.wait_for(&format!("#case-{} small.handed", b2.docket), Duration::from_secs(2)).await;
    assert_eq!(browser.text(&row).await, "handed over from Balotra");
    let mut watch = desk.watch_queue(authed(&hq, WatchQueueRequest { unit: "hq".into() })).await.unwrap().into_inner();
    let late = post_line("b3", "@SP_Balotra my phone was snatched at the railway station", &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file("late.jsonl", &[late])).status.success());
    let handed = tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(Ok(u)) = watch.next().await {
            let c = u.case.unwrap();
            if !u.snapshot && c.escalated_to == "hq" && c.post.as_ref().unwrap().post_id == "b3" {
                return c;
            }
        }
        panic!("HQ's watch ended");
    })
    .await
    .expect("HQ's watch hears the handoff");
    browser.wait_for(&format!("#case-{} small.handed", handed.docket), Duration::from_secs(3)).await;
    browser.screenshot("queue-hq-en").await;

    // Supervision at HQ: the approval first, then the handed-over cases; the filter.
    browser.goto(&console_url(&console, "/supervise?unit=hq")).await;
    live(&browser).await;
    let rows = "return [...document.querySelectorAll('#queue tbody tr')].map(r => r.dataset.docket)";
    let all = browser.execute(rows, json!([])).await;
    assert_eq!(all[0], json!(bs.docket), "the waiting approval on top: {all}");
    for d in [&b1.docket, &b2.docket, &handed.docket] {
        assert!(all.as_array().unwrap().contains(&json!(d)), "{d} handed over, so escalated: {all}");
    }
    browser.screenshot("supervise-hq-en").await;
    browser.click(&browser.wait_for("#show-approvals", Duration::from_secs(1)).await).await;
    live(&browser).await;
    assert_eq!(browser.execute(rows, json!([])).await, json!([bs.docket]));
    show_in(&browser, &console, "hi", "/supervise?unit=hq").await;
    browser.wait_for("small.handed", Duration::from_secs(2)).await;
    assert!(browser.source().await.contains("बालोतरा से सौंपा गया"));
    browser.screenshot("supervise-hq-hi").await;
    browser.set_window(390, 844).await;
    browser.screenshot("supervise-phone-hi").await;
    browser.set_window(1366, 768).await;

    // 9. Times in the registry's zone: the console and tvarit-desk.
    show_in(&browser, &console, "en", &format!("/cases/{}", b2.docket)).await;
    let posted = chrono::DateTime::from_timestamp_millis(tvarit_proto::time::to_millis(
        b2.post.as_ref().unwrap().created_at.as_ref().unwrap(),
    ))
    .unwrap()
    .with_timezone(&kathmandu());
    let shown = format!("{} +0545", posted.format("%d %b %H:%M:%S"));
    assert!(browser.source().await.contains(&shown), "the post's time as {shown}");
    let queue = desk_cli(&env, &running, &hq, &["queue", "--unit", "hq"]);
    assert!(queue.contains("[to HQ from balotra]"), "{queue}");
    let timeline = eventually(Duration::from_secs(20), "the handoff in the timeline", || async {
        let t = desk_cli(&env, &running, &hq, &["timeline", &b1.docket]);
        (t.contains("→ hq/shift supervisor") && t.contains("a second theft")).then_some(t)
    })
    .await;
    assert!(timeline.contains("+0545") && !timeline.contains("IST"), "{timeline}");
    let people = desk_cli(&env, &running, &hq, &["operators", "--unit", "balotra", "--json"]);
    let names: Vec<&str> = people.lines().map(|l| l.split('"').nth(3).unwrap()).collect();
    assert_eq!(names, ["balotra-op", "hq-desk", "night-op"], "Balotra's people and HQ's, not hq-only");

    drop(browser);
    let mut running = running;
    running.push(console);
    env.cleanup(running).await;
}
