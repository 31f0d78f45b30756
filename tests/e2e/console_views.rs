//! Working a queue quickly in the console, in headless Chromium against the
//! real services: saved views of the queue (mine, unassigned, breached, a
//! category) as links, kept by the live stream too; closing an author's
//! repeats from the case that answers them, with one confirmation, each
//! close audited; "Send and open next" lands on the next case of my queue;
//! a second operator opening the same case is named on both pages.

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{Browser, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::v1::{CaseRef, ListQueueRequest, RelabelRequest};
use tvarit_proto::{CaseState, Category};

use crate::console::{console_url, show_in, sign_in};
use crate::console_shift::fits;
use crate::search::authored;

/// The dockets of the queue's rows, in the page's order.
async fn rows(browser: &Browser) -> Vec<String> {
    let script = "return [...document.querySelectorAll('#queue tr.case')].map(r => r.dataset.docket)";
    serde_json::from_value(browser.execute(script, json!([])).await).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saved_views_repeats_and_send_and_next() {
    // Boxed: the journey is one large future, too big for the test thread's stack.
    Box::pin(views()).await;
}

async fn views() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let asha = env.operator("asha", "operator", "balotra");
    let ravi = env.operator("ravi", "operator", "balotra");
    let lines = [
        authored("r1", "vikas", "k1", "@SP_Balotra", "streetlight near the school is broken"),
        authored("r2", "vikas", "k2", "@SP_Balotra", "streetlight near the school is still broken"),
        authored("r3", "vikas", "k3", "@SP_Balotra", "third time: streetlight near the school broken"),
        post_line("c1", "@SP_Balotra my bike was stolen from the market near the bus stand", &["@SP_Balotra"], None),
        post_line(
            "e1",
            "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road",
            &["@SP_Balotra"],
            None,
        ),
    ];
    assert!(env.replay(&env.write_file("v.jsonl", &lines)).status.success());
    let desk = desk_client(&running[2]).await;
    let cases = eventually(Duration::from_secs(40), "five cases", || {
        let (mut desk, asha) = (desk.clone(), asha.clone());
        async move {
            let req = authed(&asha, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 5).then_some(cases)
        }
    })
    .await;
    let docket = |id: &str| cases.iter().find(|c| c.post.as_ref().unwrap().post_id == id).unwrap().docket.clone();
    let [r1, r2, r3, c1, e1] = ["r1", "r2", "r3", "c1", "e1"].map(docket);
    let mut d = desk.clone();
    // The streetlight may read as not actionable to the classifier; a person puts it in the queue.
    for c in cases.iter().filter(|c| c.state() == CaseState::NotActionable) {
        let relabel = RelabelRequest { docket: c.docket.clone(), category: Category::Complaint as i32, urgency: 0 };
        d.relabel(authed(&asha, relabel)).await.unwrap();
    }
    d.claim(authed(&asha, CaseRef { docket: c1.clone() })).await.unwrap();
    let db = env.schema_pool("reply").await;
    sqlx::query("UPDATE cases SET breach_at = now() - interval '1 minute' WHERE docket = $1")
        .bind(&r3)
        .execute(&db)
        .await
        .unwrap();

    // 1. Saved views are links; each shows its cases.
    let browser = Browser::start().await;
    sign_in(&browser, &console, &asha, "en").await;
    let view = |q: &str| console_url(&console, &format!("/queue?unit=balotra{q}"));
    browser.goto(&view("&preset=mine")).await;
    browser.wait_for("#view-mine[aria-current='page']", Duration::from_secs(5)).await;
    assert_eq!(rows(&browser).await, std::slice::from_ref(&c1));
    browser.screenshot("queue-views-en").await;
    browser.goto(&view("&preset=unassigned")).await;
    browser.wait_for("#view-unassigned[aria-current='page']", Duration::from_secs(5)).await;
    let mut unassigned = rows(&browser).await;
    unassigned.sort();
    let mut want = vec![r1.clone(), r2.clone(), r3.clone(), e1.clone()];
    want.sort();
    assert_eq!(unassigned, want);
    browser.goto(&view("&preset=breached")).await;
    browser.wait_for("#view-breached[aria-current='page']", Duration::from_secs(5)).await;
    assert_eq!(rows(&browser).await, std::slice::from_ref(&r3));
    browser.goto(&view("&category=emergency")).await;
    browser.wait_for("#view-category option[value='emergency'][selected]", Duration::from_secs(5)).await;
    assert_eq!(rows(&browser).await, std::slice::from_ref(&e1));

    Box::pin(async {
        // 2. The live stream keeps the view: ravi's claim stays out of "mine", asha's arrives.
        browser.goto(&view("&preset=mine")).await;
        browser.wait_for("#live-status.on", Duration::from_secs(5)).await;
        d.claim(authed(&ravi, CaseRef { docket: r1.clone() })).await.unwrap();
        d.claim(authed(&asha, CaseRef { docket: r2.clone() })).await.unwrap();
        browser.wait_for(&format!("#case-{r2}"), Duration::from_secs(5)).await;
        assert!(browser.find(&format!("#case-{r1}")).await.is_none(), "ravi's case is not mine");
    })
    .await;
    Box::pin(async {
        // 3. The author's repeats, closed from the case that answers them: r3 unticked stays open.
        browser.goto(&console_url(&console, &format!("/cases/{r2}"))).await;
        browser.wait_for("form.repeats", Duration::from_secs(5)).await;
        let listed = browser
            .execute(
                "return [...document.querySelectorAll('form.repeats input[name=repeat]')].map(i => i.value)",
                json!([]),
            )
            .await;
        let mut listed: Vec<String> = serde_json::from_value(listed).unwrap();
        listed.sort();
        let mut want = vec![r1.clone(), r3.clone()];
        want.sort();
        assert_eq!(listed, want, "the author's other live cases");
        browser
            .click(&browser.wait_for(&format!("form.repeats input[value='{r3}']"), Duration::from_secs(1)).await)
            .await;
        browser.execute("window.confirm = () => true", json!([])).await;
        browser.execute("document.querySelector('form.repeats').scrollIntoView()", json!([])).await;
        browser.screenshot("case-repeats-en").await;
        browser.click(&browser.wait_for("#close-repeats", Duration::from_secs(1)).await).await;
        let flash = browser.text(&browser.wait_for(".flash.ok", Duration::from_secs(5)).await).await;
        assert!(flash.contains("Closed 1 repeat"), "{flash}");
        let state = |docket: String| {
            let (mut d, asha) = (d.clone(), asha.clone());
            async move { d.get_case(authed(&asha, CaseRef { docket })).await.unwrap().into_inner().state() }
        };
        assert_eq!(state(r1.clone()).await, CaseState::Closed);
        assert_eq!(state(r3.clone()).await, CaseState::Open);
        let closed_by: Vec<String> =
            sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'case.close' AND subject = $1")
                .bind(&r1)
                .fetch_all(&db)
                .await
                .unwrap();
        assert_eq!(closed_by, ["asha"], "closed in asha's name, audited");
    })
    .await;
    Box::pin(async {
        // 4. Send and open next: the reply is recorded and the next case of my
        //    queue (the pinned emergency) opens.
        browser.goto(&console_url(&console, &format!("/cases/{c1}"))).await;
        browser.execute("document.querySelector('input[name=close_after]').checked = false", json!([])).await;
        browser.click(&browser.wait_for("#send-next", Duration::from_secs(5)).await).await;
        eventually(Duration::from_secs(5), "the next case", || async {
            browser.url().await.ends_with(&format!("/cases/{e1}")).then_some(())
        })
        .await;
        browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
        let sent = d.get_case(authed(&asha, CaseRef { docket: c1.clone() })).await.unwrap().into_inner();
        assert!(!sent.reply_status.is_empty(), "the reply went in before moving on");
    })
    .await;
    Box::pin(async {
        // 5. Presence: ravi opens the case asha has open, and each page says so;
        //    asha's at its next ping (every 10 s).
        browser.goto(&console_url(&console, &format!("/cases/{r3}"))).await;
        browser.wait_for("#presence[hidden]", Duration::from_secs(5)).await;
        let second = Browser::start().await;
        sign_in(&second, &console, &ravi, "en").await;
        second.goto(&console_url(&console, &format!("/cases/{r3}"))).await;
        let marker = second.wait_for("#presence:not([hidden])", Duration::from_secs(5)).await;
        assert_eq!(second.text(&marker).await, "asha is viewing this case");
        eventually(Duration::from_secs(15), "ravi on asha's page", || async {
            let el = browser.find("#presence:not([hidden])").await?;
            (browser.text(&el).await == "ravi is viewing this case").then_some(())
        })
        .await;
        drop(second);
    })
    .await;
    Box::pin(async {
        show_in(&browser, &console, "hi", "/queue?unit=balotra&preset=unassigned").await;
        browser.screenshot("queue-views-hi").await;
        show_in(&browser, &console, "en", "/queue?unit=balotra&preset=unassigned").await;
        browser.set_window(390, 844).await;
        for path in ["/queue?unit=balotra&preset=mine", &format!("/cases/{r2}")] {
            fits(&browser, &console, path).await;
        }
        browser.goto(&view("&preset=unassigned")).await;
        browser.wait_for("nav.presets", Duration::from_secs(5)).await;
        browser.screenshot("queue-views-phone-en").await;
        show_in(&browser, &console, "hi", "/queue?unit=balotra&preset=unassigned").await;
        let hindi = browser.text(&browser.wait_for("nav.presets", Duration::from_secs(5)).await).await;
        assert!(hindi.contains("बिना सौंपे") && hindi.contains("मेरे"), "{hindi}");
        browser.screenshot("queue-views-phone-hi").await;
    })
    .await;
    drop(browser);
    let mut running = running;
    running.push(console);
    env.cleanup(running).await;
}
