//! The console's alarm in headless Chromium against the real services
//! (docs/console.md, "The alarm"): an emergency replayed through ingest →
//! classify → reply rings a supervisor's live queue (a tone every 2 s, one
//! desktop notification, a flashing tab title), and the escalation ladder's
//! step notifies them too; another operator's claim over the Desk API
//! silences it through the live stream. A second emergency rings on its case
//! page, without a second notification, until the supervisor acknowledges it
//! there, which silences it without claiming.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_e2e::{Browser, Running, TestEnv, authed, desk_client, eventually, post_line, registry_with_sla};
use tvarit_proto::v1::CaseRef;

use crate::console::{console_url, live, sign_in};

/// Balotra round the clock, its emergencies raised to the shift supervisor
/// after 6 s: late enough that the first ring is seen before it.
fn ladder() -> String {
    registry_with_sla(&[(
        "balotra",
        "shift = \"24x7\"\nemergency_escalation = [{ after_seconds = 6, to = \"shift supervisor\" }]",
    )])
}

/// `window.tvaritAlarm` and `<html data-alarm>`, as the page exposes them.
async fn alarm(browser: &Browser) -> Value {
    browser
        .execute(
            "const a = window.tvaritAlarm; return Object.assign({ state: document.documentElement.dataset.alarm, \
             title: document.title, now: Date.now() }, a);",
            json!([]),
        )
        .await
}

async fn ringing(browser: &Browser, docket: &str) -> Value {
    eventually(Duration::from_secs(40), "the alarm ringing", || async {
        let a = alarm(browser).await;
        (a["state"] == "ringing" && a["ringing"] == json!([docket])).then_some(a)
    })
    .await
}

async fn replay_emergency(env: &TestEnv, id: &str, text: &str) {
    let line = post_line(id, text, &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file(&format!("{id}.jsonl"), &[line])).status.success());
}

/// The docket of the ringing row that arrived for `text`.
async fn ringing_row(browser: &Browser, text: &str) -> String {
    eventually(Duration::from_secs(40), "the emergency's row", || async {
        let script = "const r = [...document.querySelectorAll('#queue tr.case')]\
            .find(r => r.textContent.includes(arguments[0])); return r ? r.dataset.docket : null;";
        browser.execute(script, json!([text])).await.as_str().map(str::to_owned)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_rings_the_console_until_claimed_or_acknowledged() {
    Box::pin(rings_until_silenced()).await;
}

async fn rings_until_silenced() {
    let env = TestEnv::new().await;
    env.use_registry(&ladder());
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let ravi = env.operator("ravi", "supervisor", "balotra");
    let asha = env.operator("asha", "operator", "balotra");

    // Chromium may sound without a click here; a person presses "Enable alerts".
    let browser = Browser::start_with(&["--autoplay-policy=no-user-gesture-required"]).await;
    sign_in(&browser, &console, &ravi, "en").await;
    // Until notifications are allowed, the page offers to enable them.
    browser.wait_for("#alarm-controls:not([hidden]) #enable-alerts:not([hidden])", Duration::from_secs(5)).await;
    browser.set_permission("notifications", "granted").await;
    browser.goto(&console_url(&console, "/queue")).await;
    live(&browser).await;
    assert_eq!(alarm(&browser).await["state"], "off");
    // Sound and notifications allowed: nothing to enable.
    browser.wait_for("#alarm-controls[hidden]", Duration::from_secs(5)).await;

    // 1. An emergency rings: a tone every 2 s, one notification, the title flashes.
    let text = "@SP_Balotra firing going on near the bus stand right now, one man shot and lying on the road";
    replay_emergency(&env, "alarm-1", text).await;
    let docket = ringing_row(&browser, "firing going on near the bus stand").await;
    let rung = ringing(&browser, &docket).await;
    assert_eq!(rung["notified"], 1, "one notification for the new emergency: {rung}");
    browser.wait_for(&format!("#case-{docket}.ringing form.ack button"), Duration::from_secs(1)).await;
    browser.wait_for("#ringing-note:not([hidden])", Duration::from_secs(1)).await;
    let first = rung["beeps"].as_u64().unwrap();
    assert!(first >= 1, "the tone sounds at once: {rung}");
    eventually(Duration::from_secs(10), "more tones and a flashing title", || async {
        let a = alarm(&browser).await;
        let flashed = a["title"].as_str().is_some_and(|t| t.starts_with("⚠ 1 emergency"));
        (a["beeps"].as_u64().unwrap() > first + 1 && flashed).then_some(())
    })
    .await;
    browser.screenshot("queue-alarm-en").await;
    // The ladder's step tells the supervisor.
    let told = eventually(Duration::from_secs(20), "the escalation's notification", || async {
        Some(alarm(&browser).await).filter(|a| a["escalations"] == 1)
    })
    .await;
    assert_eq!(told["notified"], 2, "the emergency once, the escalation once: {told}");

    // 2. Anyone's claim silences it: asha claims over the Desk API, the page hears it live.
    let mut desk = desk_client(&running[2]).await;
    desk.claim(authed(&asha, CaseRef { docket: docket.clone() })).await.unwrap();
    let off = eventually(Duration::from_secs(10), "the alarm off", || async {
        Some(alarm(&browser).await).filter(|a| a["state"] == "off" && a["ringing"] == json!([]))
    })
    .await;
    // Proving silence takes one ring period (2 s) of the page's own clock.
    let quiet = eventually(Duration::from_secs(10), "a quiet ring period", || async {
        let a = alarm(&browser).await;
        (a["now"].as_u64()? >= a["quietSince"].as_u64()? + 2_500).then_some(a)
    })
    .await;
    assert_eq!(quiet["beeps"], off["beeps"], "no tone after the claim");
    assert!(!quiet["title"].as_str().unwrap().contains("emergency"), "the title is calm: {quiet}");
    assert!(browser.find(&format!("#case-{docket} form.ack")).await.is_none(), "no Acknowledge once claimed");

    // 3. A second emergency rings on its case page too, until acknowledged there.
    let text2 = "@SP_Balotra a woman is being dragged and beaten on the road outside the temple right now";
    replay_emergency(&env, "alarm-2", text2).await;
    let docket2 = ringing_row(&browser, "dragged and beaten").await;
    ringing(&browser, &docket2).await;
    let link = browser.wait_for(&format!("#case-{docket2} td.docket a"), Duration::from_secs(1)).await;
    browser.click(&link).await;
    browser.wait_for("body[data-page='case'] #case-alarm", Duration::from_secs(5)).await;
    let on_case = ringing(&browser, &docket2).await;
    assert_eq!(on_case["notified"], 0, "the tab already notified this case: {on_case}");
    browser.screenshot("case-alarm-en").await;
    let ack = browser.wait_for("#acknowledge", Duration::from_secs(1)).await;
    browser.click(&ack).await;
    let note = browser.wait_for("#acknowledged", Duration::from_secs(5)).await;
    assert!(browser.text(&note).await.starts_with("Acknowledged by ravi at "));
    assert_eq!(alarm(&browser).await["state"], "off");
    let acked = desk.get_case(authed(&ravi, CaseRef { docket: docket2.clone() })).await.unwrap().into_inner();
    assert!(!acked.alarm);
    assert_eq!((acked.acknowledged_by.as_str(), acked.claimed_by.as_str()), ("ravi", ""), "silenced, not claimed");

    drop(browser);
    let mut running: Vec<Running> = running;
    running.push(console);
    env.cleanup(running).await;
}
