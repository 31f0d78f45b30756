//! A whole shift at the desk, in headless Chromium against the real
//! services: the defects a shift found, each shown fixed. Signing in from a
//! case link lands on the case with the reply box focused; j/k keep their
//! row through live updates; a critical emergency sits above high ones in
//! the page's order and the script's; a sensitive reply says it waits for
//! approval; an escalation's reason and a relabel's old and new label are in
//! the history; a supervisor reassigns from a list and finds approvals
//! first; the Hindi console names events, targets, dates, reasons, verdicts
//! and the CSRF refusal in Hindi; a Hinglish post gets a Latin-script
//! draft; and the pages fit a 390 px phone.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_e2e::{Browser, Running, TestEnv, authed, desk_client, eventually, post_line, registry_with_sla};
use tvarit_proto::v1::{Case, CaseRef, ListQueueRequest};

use crate::console::{console_url, live, show_in, sign_in};

const TEXTS: [(&str, &str); 7] = [
    ("c1", "@SP_Balotra my bike was stolen from the market near the bus stand, please help"),
    ("e1", "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road"),
    ("e2", "@SP_Balotra a woman is being dragged and beaten on the road outside the temple right now"),
    ("e3", "@SP_Balotra help! gunshots heard in our village colony, one man down on the street"),
    ("q1", "@SP_Balotra passport verification kab hogi? police station se koi nahi aaya"),
    ("s1", "@SP_Balotra एक समाज विशेष के खिलाफ जातिसूचक शब्दों वाला भड़काऊ वीडियो फैलाया जा रहा है, दंगा भड़काने की कोशिश"),
    ("n1", "@SP_Balotra my purse was snatched at the railway station this morning"),
];

/// The docket of the case a replayed post became.
fn docket(cases: &[Case], post: &str) -> String {
    cases.iter().find(|c| c.post.as_ref().unwrap().post_id == post).unwrap().docket.clone()
}

/// The docket of the queue row holding keyboard focus.
async fn focused(browser: &Browser) -> Value {
    let script = "const r = document.activeElement && document.activeElement.closest('tr.case'); \
        return r ? r.dataset.docket : null;";
    browser.execute(script, json!([])).await
}

/// Focus stays on `docket` for a second (it used to leave 3 ms after an update).
async fn keeps_focus(browser: &Browser, docket: &str, after: &str) {
    for _ in 0..20 {
        assert_eq!(focused(browser).await, json!(docket), "focus left {docket} after {after}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The queue's rows in the page as the script left them, and as the server rendered them.
async fn orders(browser: &Browser) -> (Vec<String>, Vec<String>) {
    let dom = browser
        .execute("return [...document.querySelectorAll('#queue tbody tr')].map(r => r.dataset.docket)", json!([]))
        .await;
    let served = browser
        .execute_async(
            "const done = arguments[0]; fetch(location.href).then(r => r.text()).then(t => done(\
             [...new DOMParser().parseFromString(t, 'text/html').querySelectorAll('#queue tbody tr')]\
             .map(r => r.dataset.docket)));",
            json!([]),
        )
        .await;
    let list = |v: Value| -> Vec<String> { serde_json::from_value(v).unwrap() };
    (list(dom), list(served))
}

/// Reloads `path` until its page holds every one of `texts` (the history
/// comes from tvarit-metrics, a moment after the change).
async fn page_with(browser: &Browser, console: &Running, path: &str, texts: &[&str]) -> String {
    eventually(Duration::from_secs(30), &format!("{path} showing {texts:?}"), || async {
        browser.goto(&console_url(console, path)).await;
        browser.wait_for("main", Duration::from_secs(5)).await;
        let page = browser.source().await;
        texts.iter().all(|t| page.contains(t)).then_some(page)
    })
    .await
}

/// The page is no wider than the phone.
pub(crate) async fn fits(browser: &Browser, console: &Running, path: &str) {
    browser.goto(&console_url(console, path)).await;
    browser.wait_for("main", Duration::from_secs(5)).await;
    let w = browser.execute("return [document.documentElement.scrollWidth, window.innerWidth]", json!([])).await;
    assert!(w[0].as_u64().unwrap() <= 390, "{path} is {} px wide (window {} px)", w[0], w[1]);
}

/// The shift's people, cases and browser.
struct Shift {
    env: TestEnv,
    running: Vec<Running>,
    console: Running,
    browser: Browser,
    asha: String,
    ravi: String,
    /// c1, e1, e2, e3, q1, s1
    dockets: [String; 6],
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shift_at_the_desk_keeps_its_place_and_says_why() {
    // Each part boxed: one future for the whole shift overflows the test thread's stack.
    let shift = Box::pin(start()).await;
    Box::pin(sign_in_from_a_link_and_explain(&shift)).await;
    Box::pin(the_queue_keeps_order_and_focus(&shift)).await;
    Box::pin(supervise(&shift)).await;
    Box::pin(in_hindi(&shift)).await;
    Box::pin(on_a_phone(&shift)).await;
    let Shift { env, mut running, console, browser, .. } = shift;
    drop(browser);
    running.push(console);
    env.cleanup(running).await;
}

async fn start() -> Shift {
    let env = TestEnv::new().await;
    env.use_registry(&registry_with_sla(&[("balotra", "shift = \"24x7\"")]));
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let asha = env.operator("asha", "operator", "balotra");
    let ravi = env.operator("ravi", "supervisor", "balotra");
    env.operator("meena", "operator", "balotra");
    let lines: Vec<String> =
        TEXTS.iter().filter(|(id, _)| *id != "n1").map(|(id, t)| post_line(id, t, &["@SP_Balotra"], None)).collect();
    assert!(env.replay(&env.write_file("shift.jsonl", &lines)).status.success());
    let desk = desk_client(&running[2]).await;
    let cases = eventually(Duration::from_secs(40), "six cases", || {
        let (mut desk, asha) = (desk.clone(), asha.clone());
        async move {
            let req = authed(&asha, ListQueueRequest { unit: "balotra".into(), all: false, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            (cases.len() == 6).then_some(cases)
        }
    })
    .await;
    let [c1, e1, e2, e3, q1, s1] = ["c1", "e1", "e2", "e3", "q1", "s1"].map(|p| docket(&cases, p));

    // Cross-service: the Hinglish query is drafted in its own (Latin) script.
    let hinglish = cases.iter().find(|c| c.docket == q1).unwrap();
    assert_eq!(hinglish.classification.as_ref().unwrap().language, "hi-Latn");
    assert!(hinglish.draft_text.starts_with("For the status of your passport verification"), "{}", hinglish.draft_text);

    // Three pinned emergencies: the critical one breaches last, two high ones first.
    let db = env.schema_pool("reply").await;
    for (d, urgency, minutes) in [(&e1, "critical", 10), (&e2, "high", 2), (&e3, "high", 3)] {
        sqlx::query(
            "UPDATE cases SET category = 'emergency', urgency = $2, escalation_level = 1,
                 escalated_to = 'shift supervisor', breach_at = now() + make_interval(mins => $3) WHERE docket = $1",
        )
        .bind(d)
        .bind(urgency)
        .bind(minutes)
        .execute(&db)
        .await
        .unwrap();
    }

    let browser = Browser::start().await;
    Shift { env, running, console, browser, asha, ravi, dockets: [c1, e1, e2, e3, q1, s1] }
}

async fn sign_in_from_a_link_and_explain(shift: &Shift) {
    let Shift { console, browser, asha, dockets, .. } = shift;
    let c1 = &dockets[0];
    // 6. Signing in from a case link lands on the case, the reply box focused.
    browser.goto(&console_url(console, "/lang/en?next=/signin")).await;
    browser.goto(&console_url(console, &format!("/cases/{c1}"))).await;
    let field = browser.wait_for("#token", Duration::from_secs(5)).await;
    browser.send_keys(&field, asha).await;
    browser.click(&browser.wait_for("form[action='/signin'] button", Duration::from_secs(1)).await).await;
    browser.wait_for("body[data-page='case']", Duration::from_secs(5)).await;
    assert!(browser.url().await.ends_with(&format!("/cases/{c1}")), "back on the case: {}", browser.url().await);
    assert_eq!(browser.execute("return document.activeElement.id", json!([])).await, "reply-text");
    assert!(browser.source().await.contains("Tags @SP_Balotra, an account of Balotra"), "the reasons in words");

    // 5. An escalation's reason and a relabel's labels go into the history.
    let reason = browser.wait_for("#escalate-reason", Duration::from_secs(1)).await;
    browser.send_keys(&reason, "viral video, the SP should see it").await;
    browser.click(&browser.wait_for("form[action$='/escalate'] button", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    browser
        .execute(
            "document.getElementById('relabel-category').value = 'query'; \
        document.getElementById('relabel-urgency').value = 'high';",
            json!([]),
        )
        .await;
    browser.click(&browser.wait_for("form.relabel button", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let page =
        page_with(browser, console, &format!("/cases/{c1}"), &["escalated</strong>", "relabelled</strong>"]).await;
    assert!(
        page.contains("→ shift supervisor</span>: <q class=\"note\">viral video, the SP should see it</q>"),
        "{page}"
    );
    assert!(page.contains("Complaint → Query, Normal → High"), "{page}");
}

async fn the_queue_keeps_order_and_focus(shift: &Shift) {
    let Shift { env, running, console, browser, ravi, dockets, .. } = shift;
    let [_, e1, e2, e3, q1, _] = dockets;

    // 1 and 2. The queue: the critical emergency above the high ones, in
    // the server's order and the script's; j/k keep their row through live updates.
    browser.goto(&console_url(console, "/queue")).await;
    live(browser).await;
    let (dom, served) = orders(browser).await;
    assert_eq!(dom[0..3], [e1.as_str(), e2, e3], "critical first, then high by breach: {dom:?}");
    assert_eq!(dom, served, "the script keeps the server's order");
    let first = browser.wait_for(&format!("#case-{e1} td.docket a"), Duration::from_secs(1)).await;
    browser.send_keys(&first, "j").await;
    assert_eq!(focused(browser).await, json!(e2), "j moves to the next row");
    let mut d = desk_client(&running[2]).await;
    d.claim(authed(ravi, CaseRef { docket: e3.clone() })).await.unwrap();
    browser.wait_for(&format!("#case-{e3}.case:not(.ringing)"), Duration::from_secs(5)).await;
    keeps_focus(browser, e2, "another row's update").await;
    d.acknowledge(authed(ravi, CaseRef { docket: e2.clone() })).await.unwrap();
    browser.wait_for(&format!("#case-{e2}:not(.ringing)"), Duration::from_secs(5)).await;
    keeps_focus(browser, e2, "its own row's update").await;
    let (_, text) = TEXTS[6];
    assert!(env.replay(&env.write_file("n1.jsonl", &[post_line("n1", text, &["@SP_Balotra"], None)])).status.success());
    browser.wait_for("#queue tbody tr:nth-child(7)", Duration::from_secs(30)).await;
    keeps_focus(browser, e2, "a new row").await;
    d.close(authed(ravi, CaseRef { docket: q1.clone() })).await.unwrap();
    eventually(Duration::from_secs(5), "the closed row gone", || async {
        browser.find(&format!("#case-{q1}")).await.is_none().then_some(())
    })
    .await;
    keeps_focus(browser, e2, "a removed row").await;
    let (dom, served) = orders(browser).await;
    assert_eq!((&dom[0..3], &dom), (&[e1.clone(), e2.clone(), e3.clone()][..], &served));
    let on = browser.execute("return document.activeElement", json!([])).await;
    let on = on.as_object().unwrap().values().next().unwrap().as_str().unwrap().to_owned();
    browser.send_keys(&on, "j").await;
    assert_eq!(focused(browser).await, json!(e3), "j goes on from the kept row");
}

async fn supervise(shift: &Shift) {
    let Shift { running, console, browser, ravi, dockets, .. } = shift;
    let [c1, e1, e2, e3, _, s1] = dockets;

    // 4. A sensitive reply says it waits for approval, not that it is being sent.
    browser.goto(&console_url(console, &format!("/cases/{s1}"))).await;
    browser.click(&browser.wait_for("#send", Duration::from_secs(5)).await).await;
    let flash = browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    assert!(
        browser.text(&flash).await.contains("waiting for a supervisor's approval"),
        "{}",
        browser.text(&flash).await
    );

    // The supervisor: approvals first, a filter, and a list to reassign from.
    browser.click(&browser.wait_for("form.signout button", Duration::from_secs(1)).await).await;
    sign_in(browser, console, ravi, "en").await;
    browser.goto(&console_url(console, "/supervise")).await;
    live(browser).await;
    let (dom, served) = orders(browser).await;
    assert_eq!((&dom[0], &dom), (s1, &served), "the waiting approval first");
    browser.click(&browser.wait_for("#show-approvals", Duration::from_secs(1)).await).await;
    live(browser).await;
    assert_eq!(orders(browser).await.0, [s1.as_str()]);
    browser.click(&browser.wait_for("#show-escalations", Duration::from_secs(1)).await).await;
    live(browser).await;
    assert_eq!(orders(browser).await.0, [e1.as_str(), e2, e3, c1], "pinned first, then asha's escalation");
    browser.screenshot("supervise-en").await;
    browser.goto(&console_url(console, &format!("/cases/{c1}"))).await;
    let names = browser
        .execute("return [...document.querySelectorAll('#reassign-to option')].map(o => o.value)", json!([]))
        .await;
    assert_eq!(names, json!(["", "asha", "meena", "ravi"]), "the unit's people, to choose from");
    browser.screenshot("case-supervisor-en").await;
    browser.execute("document.getElementById('reassign-to').value = 'meena'", json!([])).await;
    browser.click(&browser.wait_for("form[action$='/reassign'] button", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let mut d = desk_client(&running[2]).await;
    let moved = d.get_case(authed(ravi, CaseRef { docket: c1.clone() })).await.unwrap().into_inner();
    assert_eq!(moved.claimed_by, "meena");
    page_with(browser, console, &format!("/cases/{c1}"), &["reassigned</strong>"]).await;
    history_shot(browser, "case-history-en").await;
}

/// A screenshot with the case's history in view.
async fn history_shot(browser: &Browser, name: &str) {
    browser.execute("document.querySelector('section.history').scrollIntoView({ block: 'center' })", json!([])).await;
    browser.screenshot(name).await;
}

async fn in_hindi(shift: &Shift) {
    let Shift { console, browser, dockets, .. } = shift;
    let c1 = &dockets[0];

    // 7. In Hindi: events, targets, dates, reasons, verdicts, the rule and the CSRF refusal.
    show_in(browser, console, "hi", &format!("/cases/{c1}")).await;
    let text = browser.execute("return document.querySelector('main').innerText", json!([])).await;
    let text = text.as_str().unwrap();
    // The month the history's times are in (IST is UTC+5:30).
    let ist = chrono::Utc::now() + chrono::Duration::minutes(330);
    let months = ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"];
    let month = months[chrono::Datelike::month0(&ist) as usize];
    for hindi in ["आगे भेजा गया", "→ शिफ्ट पर्यवेक्षक", "श्रेणी बदली गई", "शिकायत → जानकारी", "को टैग किया", month]
    {
        assert!(text.contains(hindi), "{hindi} on the Hindi case page:\n{text}");
    }
    let english_month = ist.format("%b ").to_string();
    for english in ["escalated", "shift supervisor", "relabelled", "Tags @SP", &english_month] {
        assert!(!text.contains(english), "{english} on the Hindi case page:\n{text}");
    }
    history_shot(browser, "case-history-hi").await;
    show_in(browser, console, "hi", "/library").await;
    let page = browser.source().await;
    assert!(page.contains("· असत्य ·") && !page.contains("· false ·"), "verdicts in Hindi");
    show_in(browser, console, "hi", "/hq").await;
    let rule = browser.wait_for("#rank-rule", Duration::from_secs(5)).await;
    let rule = browser.property(&rule, "textContent").await;
    // HQ's rule (mean first) in Hindi, not English.
    let rule = rule.as_str().unwrap();
    assert!(
        rule.starts_with("जिनके") && rule.contains("औसत FRT") && !rule.contains("mean"),
        "the ranking rule in Hindi: {rule}"
    );
    let forged = "const done = arguments[0]; fetch(location.origin + '/cases/x/claim', { method: 'POST', \
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=forged' }) \
        .then(r => r.text().then(t => done([r.status, t])));";
    let refused = browser.execute_async(forged, json!([])).await;
    assert_eq!(refused[0], 403);
    assert!(refused[1].as_str().unwrap().contains("फ़ॉर्म की अवधि समाप्त"), "{refused}");
}

async fn on_a_phone(shift: &Shift) {
    let Shift { console, browser, dockets, .. } = shift;
    let c1 = &dockets[0];
    // 8. A phone: no page is wider than the screen.
    browser.set_window(390, 844).await;
    for path in ["/publish", "/hq", "/queue", "/supervise", "/library", &format!("/cases/{c1}")] {
        fits(browser, console, path).await;
    }
    show_in(browser, console, "hi", "/hq").await;
    browser.screenshot("hq-phone-hi").await;
    show_in(browser, console, "en", &format!("/cases/{c1}")).await;
    browser.screenshot("case-phone-en").await;
    show_in(browser, console, "en", "/publish").await;
    browser.screenshot("publish-phone-en").await;
}
