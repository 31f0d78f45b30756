//! The web console in headless Chromium against the real services: an
//! operator signs in, sees a new post in the live queue within a second,
//! claims it, sends the draft with Ctrl+Enter, and the reply reaches the
//! (simulated) platform and closes the case; no one sees another unit's
//! cases by URL or in live updates. Screenshots of the queue, a case and
//! HQ's overview, in English and Hindi, are saved as test artefacts.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tvarit_e2e::{
    Browser, KEY_CONTROL, KEY_ENTER, Running, Sim, TestEnv, authed, desk_client, eventually, post_line,
    registry_with_sla,
};
use tvarit_proto::CaseState;
use tvarit_proto::v1::{CaseRef, WatchQueueRequest};

use crate::platforms::{APP_TOKEN, accounts, reply_as_balotra, x_sim};

pub(crate) fn console_url(console: &Running, path: &str) -> String {
    format!("http://{}{path}", console.http_addr)
}

pub(crate) async fn sign_in(browser: &Browser, console: &Running, token: &str, lang: &str) {
    browser.goto(&console_url(console, &format!("/lang/{lang}?next=/signin"))).await;
    let field = browser.wait_for("#token", Duration::from_secs(5)).await;
    browser.send_keys(&field, token).await;
    let submit = browser.wait_for("form[action='/signin'] button", Duration::from_secs(1)).await;
    browser.click(&submit).await;
    browser.wait_for("body[data-page='queue']", Duration::from_secs(5)).await;
}

/// Opens `path` in `lang` and waits until the page is in it.
pub(crate) async fn show_in(browser: &Browser, console: &Running, lang: &str, path: &str) {
    browser.goto(&console_url(console, &format!("/lang/{lang}?next={path}"))).await;
    browser.wait_for(&format!("html[lang='{lang}'] main"), Duration::from_secs(5)).await;
}

/// Waits until the queue page's live stream is connected.
pub(crate) async fn live(browser: &Browser) {
    browser.wait_for("#live-status.on", Duration::from_secs(5)).await;
}

/// The dockets of cases opened in `unit`, as the test's own watch sees them.
async fn watch_opened(reply: &Running, token: &str, unit: &str) -> mpsc::UnboundedReceiver<(String, Instant)> {
    let mut desk = desk_client(reply).await;
    let mut stream =
        desk.watch_queue(authed(token, WatchQueueRequest { unit: unit.into() })).await.unwrap().into_inner();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(u)) = stream.next().await {
            if !u.snapshot && u.kind == tvarit_proto::v1::CaseEventKind::Opened as i32 {
                let _ = tx.send((u.case.unwrap().docket, Instant::now()));
            }
        }
    });
    rx
}

async fn next_opened(rx: &mut mpsc::UnboundedReceiver<(String, Instant)>) -> String {
    tokio::time::timeout(Duration::from_secs(40), rx.recv()).await.unwrap().unwrap().0
}

/// Posts on the simulated X and waits until the browser's queue shows the
/// case, no later than a second after tvarit-reply opened it.
async fn post_and_see(
    sim: &Sim,
    browser: &Browser,
    opened: &mut mpsc::UnboundedReceiver<(String, Instant)>,
    text: &str,
) -> (String, String) {
    let record = sim
        .post(json!({ "text": text, "platform": "x", "author": { "handle": "@citizen_1", "name": "A Citizen" } }))
        .await;
    let post_id = record["id"].as_str().unwrap().to_owned();
    let (docket, at) = tokio::time::timeout(Duration::from_secs(40), opened.recv()).await.unwrap().unwrap();
    browser.wait_for(&format!("#case-{docket}"), Duration::from_secs(1)).await;
    let waited = at.elapsed();
    assert!(waited < Duration::from_secs(1), "{docket} reached the browser {waited:?} after it opened");
    (docket, post_id)
}

/// Balotra with short SLA clocks, so the screenshots show amber and red,
/// on shift around the clock; the simulator's X accounts.
fn use_demo_registry(env: &TestEnv) {
    let with_sla = registry_with_sla(&[("balotra", "goal_seconds = 10\nbreach_seconds = 25\nshift = \"24x7\"")]);
    let units = with_sla.split("[[accounts]]").next().unwrap();
    env.use_registry(&format!("{units}\n{}", accounts()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_answers_a_post_from_the_browser() {
    // Boxed: the whole journey is one large future, too big for the test thread's stack.
    Box::pin(answer_from_the_browser()).await;
}

async fn answer_from_the_browser() {
    let env = TestEnv::new().await;
    let sim = x_sim(&[]).await;
    use_demo_registry(&env);
    env.set_env("TVARIT_X_APP_BEARER", APP_TOKEN);
    env.set_env("TVARIT_INGEST_X_API_BASE", sim.url());
    env.set_env("TVARIT_INGEST_X_POLL_SECONDS", "1");
    reply_as_balotra(&env, &sim);
    let mut running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let asha = env.operator("asha", "operator", "balotra");
    let hq = env.operator("hq-desk", "hq", "*");
    let mut opened = watch_opened(&running[2], &asha, "balotra").await;

    let browser = Browser::start().await;
    sign_in(&browser, &console, &asha, "en").await;
    live(&browser).await;
    let (hindi, _) = post_and_see(
        &sim,
        &browser,
        &mut opened,
        "@SP_Balotra मेरी बाइक बस स्टैंड के पास से चोरी हो गई, मेरा नंबर 9829012345 है",
    )
    .await;
    let (theft, theft_post) = post_and_see(
        &sim,
        &browser,
        &mut opened,
        "@SP_Balotra my bike was stolen from the market near the bus stand, call me on 9829012345",
    )
    .await;
    let (emergency, _) = post_and_see(
        &sim,
        &browser,
        &mut opened,
        "@SP_Balotra help! gunshots heard in our village colony, one man down on the street",
    )
    .await;
    // The emergency is pinned on top, and the banner says so.
    let first = browser.execute("return document.querySelector('#queue tbody tr').dataset.docket", json!([])).await;
    assert_eq!(first, json!(emergency), "the emergency is the first row");
    let banner = browser.wait_for("#emergency-banner:not([hidden])", Duration::from_secs(1)).await;
    assert!(browser.text(&banner).await.contains('1'));
    assert!(!browser.source().await.contains("9829012345"), "personal data is masked in the queue");

    // Open the English theft: the draft is ready; personal data is masked.
    let link = browser.wait_for(&format!("#case-{theft} td.docket a"), Duration::from_secs(1)).await;
    browser.click(&link).await;
    let draft = browser.wait_for("#reply-text", Duration::from_secs(5)).await;
    let draft_text = browser.property(&draft, "value").await;
    assert!(draft_text.as_str().is_some_and(|t| t.len() > 20), "a suggested reply: {draft_text}");
    let page = browser.source().await;
    assert!(page.contains("[phone]") && !page.contains("9829012345"), "the phone number is masked");
    browser.screenshot("case-en").await;

    // Claim, then send the draft with the keyboard.
    let claim = browser.wait_for("#claim", Duration::from_secs(1)).await;
    browser.click(&claim).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let draft = browser.wait_for("#reply-text", Duration::from_secs(1)).await;
    browser.send_keys(&draft, &format!("{KEY_CONTROL}{KEY_ENTER}")).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;

    // The reply reaches the platform and the case closes.
    let desk = desk_client(&running[2]).await;
    let closed = eventually(Duration::from_secs(30), "the case closed after the reply was sent", || {
        let (mut desk, asha, theft) = (desk.clone(), asha.clone(), theft.clone());
        async move {
            let c = desk.get_case(authed(&asha, CaseRef { docket: theft })).await.ok()?.into_inner();
            (c.state() == CaseState::Closed).then_some(c)
        }
    })
    .await;
    assert_eq!(closed.reply_status, "sent");
    assert_eq!(closed.last_reply_text, draft_text.as_str().unwrap().replace("\r\n", "\n"));
    let replies: Vec<Value> = sim.replies().await.into_iter().filter(|r| r["in_reply_to"] == theft_post).collect();
    assert_eq!(replies.len(), 1, "one reply on X: {replies:?}");
    browser.goto(&console_url(&console, "/queue")).await;
    live(&browser).await;
    assert!(browser.find(&format!("#case-{theft}")).await.is_none(), "a closed case leaves the queue");

    // Screenshots: wait until the oldest case is past its breach (red).
    browser.wait_for(&format!("#case-{hindi}.sla-red"), Duration::from_secs(40)).await;
    post_and_see(
        &sim,
        &browser,
        &mut opened,
        "@SP_Balotra passport verification kab hogi? police station se koi nahi aaya",
    )
    .await;
    browser.screenshot("queue-en").await;
    // The switch on the page changes the interface language.
    let switch = browser.wait_for("a.lang", Duration::from_secs(1)).await;
    browser.click(&switch).await;
    browser.wait_for("html[lang='hi'] #live-status.on", Duration::from_secs(5)).await;
    assert!(browser.source().await.contains("लाइव कतार"));
    browser.screenshot("queue-hi").await;
    browser.set_window(390, 844).await;
    browser.screenshot("queue-phone-hi").await;
    browser.set_window(1366, 768).await;

    // HQ's overview, in both languages.
    let signout = browser.wait_for("form.signout button", Duration::from_secs(1)).await;
    browser.click(&signout).await;
    browser.wait_for("#token", Duration::from_secs(5)).await;
    sign_in(&browser, &console, &hq, "en").await;
    show_in(&browser, &console, "en", "/hq").await;
    browser.wait_for("table.overview", Duration::from_secs(5)).await;
    let page = browser.source().await;
    assert!(page.contains("asha"), "asha is on shift in Balotra");
    assert!(page.contains(&hindi), "Balotra's oldest waiting case");
    assert!(page.contains("HQ overview"));
    browser.screenshot("hq-en").await;
    show_in(&browser, &console, "hi", "/hq").await;
    browser.wait_for("table.overview", Duration::from_secs(5)).await;
    assert!(browser.source().await.contains("मुख्यालय अवलोकन"));
    browser.screenshot("hq-hi").await;
    assert_eq!(browser.fetch_status("/hq/report.csv").await, 200);

    drop(browser);
    running.push(console);
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_sees_only_their_units() {
    Box::pin(only_my_units()).await;
}

async fn only_my_units() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let asha = env.operator("asha", "operator", "balotra");
    let jaipur_op = env.operator("jaipur-op", "operator", "jaipur");
    let mut balotra_opened = watch_opened(&running[2], &asha, "balotra").await;
    let mut jaipur_opened = watch_opened(&running[2], &jaipur_op, "jaipur").await;

    let browser = Browser::start().await;
    sign_in(&browser, &console, &asha, "en").await;
    live(&browser).await;
    let secret = "secret-jaipur-chain-snatching";
    let lines = vec![
        post_line(
            "j1",
            &format!("@jaipur_police my chain was snatched near the market {secret}"),
            &["@jaipur_police"],
            None,
        ),
        post_line("b1", "@SP_Balotra my phone was stolen at the bus stand", &["@SP_Balotra"], None),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let (jaipur, balotra) = (next_opened(&mut jaipur_opened).await, next_opened(&mut balotra_opened).await);
    browser.wait_for(&format!("#case-{balotra}"), Duration::from_secs(2)).await;
    tokio::time::sleep(tvarit_e2e::SETTLE).await;
    let page = browser.source().await;
    assert!(!page.contains(&jaipur) && !page.contains(secret), "another unit's case never reaches the live queue");

    // Not by URL either: the same answer as a case that does not exist.
    browser.goto(&console_url(&console, &format!("/cases/{jaipur}"))).await;
    browser.wait_for("p.error-message", Duration::from_secs(5)).await;
    assert!(!browser.source().await.contains(secret));
    assert_eq!(browser.fetch_status(&format!("/cases/{jaipur}")).await, 404);
    assert_eq!(browser.fetch_status("/cases/JPR-0000-99999").await, 404);
    assert_eq!(browser.fetch_status("/units/jaipur/events").await, 403);
    assert_eq!(browser.fetch_status("/queue?unit=jaipur").await, 403);
    assert_eq!(browser.fetch_status("/hq").await, 403, "operators have no HQ overview");

    // Acting on it is refused too, and a form without the CSRF token is refused first.
    browser.goto(&console_url(&console, &format!("/cases/{balotra}"))).await;
    let post = "const done = arguments[2]; fetch(arguments[0], { method: 'POST', redirect: 'manual', \
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: arguments[1] }) \
        .then(r => done(r.status)).catch(() => done(-1));";
    let csrf = browser.execute("return document.querySelector('input[name=csrf]').value", json!([])).await;
    let with_token = format!("csrf={}", csrf.as_str().unwrap());
    let claim_jaipur = format!("/cases/{jaipur}/claim");
    assert_eq!(browser.execute_async(post, json!([claim_jaipur, with_token])).await, json!(404));
    assert_eq!(
        browser.execute_async(post, json!([format!("/cases/{balotra}/claim"), "csrf=forged"])).await,
        json!(403)
    );
    let mut desk = desk_client(&running[2]).await;
    let j = desk.get_case(authed(&jaipur_op, CaseRef { docket: jaipur.clone() })).await.unwrap().into_inner();
    let b = desk.get_case(authed(&asha, CaseRef { docket: balotra.clone() })).await.unwrap().into_inner();
    assert_eq!((j.claimed_by.as_str(), b.claimed_by.as_str()), ("", ""), "neither request changed anything");

    // The session cookie is out of the page's reach; the CSP is strict.
    let cookies = browser.execute("return document.cookie", json!([])).await;
    assert!(!cookies.as_str().unwrap().contains("tvarit_session"), "HttpOnly: {cookies}");
    let csp = browser
        .execute_async(
            "const done = arguments[0]; fetch('/queue').then(r => done(r.headers.get('content-security-policy')));",
            json!([]),
        )
        .await;
    assert!(csp.as_str().unwrap().contains("script-src 'self'") && !csp.as_str().unwrap().contains("unsafe-inline"));

    drop(browser);
    let mut running = running;
    running.push(console);
    env.cleanup(running).await;
}
