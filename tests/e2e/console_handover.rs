//! Notes and the hand-over in the console, in headless Chromium against the
//! real services: an operator writes an internal note on a case page and
//! sees it in the conversation (never in the reply box); leaves a hand-over
//! note that the next operator acknowledges; a supervisor of two units sees
//! both on one page, the one with a reply waiting for approval first, on the
//! hand-over page and atop supervision; a case naming its thana is forwarded
//! there from its page. In English and Hindi, and no wider than a phone.

use std::time::Duration;

use tonic::transport::Channel;
use tvarit_e2e::{Browser, Running, TestEnv, authed, desk_client, eventually, post_line};
use tvarit_proto::Category;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{CaseEventKind, CaseRef, ListQueueRequest, RelabelRequest, ReplyRequest};

use crate::console::{console_url, show_in, sign_in};
use crate::console_shift::fits;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_and_the_hand_over_in_the_browser() {
    // Each part boxed: one future for the whole shift overflows the test thread's stack.
    let shift = Box::pin(start()).await;
    Box::pin(notes(&shift)).await;
    Box::pin(hand_over(&shift)).await;
    Box::pin(supervise_and_forward(&shift)).await;
    let Shift { env, mut running, console, browser, .. } = shift;
    drop(browser);
    running.push(console);
    env.cleanup(running).await;
}

/// The shift's people, cases and browser.
struct Shift {
    env: TestEnv,
    running: Vec<Running>,
    console: Running,
    browser: Browser,
    desk: DeskClient<Channel>,
    meena: String,
    ravi: String,
    sunil: String,
    /// Balotra's theft, Jaipur's streetlight (awaiting approval), Jaipur's case naming Moti Dungari thana.
    theft: String,
    light: String,
    moti: String,
}

async fn start() -> Shift {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let meena = env.operator("meena", "operator", "balotra");
    let ravi = env.operator("ravi", "operator", "balotra");
    let kiran = env.operator("kiran", "operator", "jaipur");
    let sunil = env.operator("sunil", "supervisor", "balotra,jaipur");
    let lines = [
        post_line(
            "b1",
            "@SP_Balotra my bike was stolen from the market near the bus stand, please help",
            &["@SP_Balotra"],
            None,
        ),
        post_line(
            "j1",
            "@jaipur_police streetlight near the school has been broken for a week",
            &["@jaipur_police"],
            None,
        ),
        post_line("j2", "@jaipur_police my bike was stolen near Moti Dungari thana", &["@jaipur_police"], None),
    ];
    assert!(env.replay(&env.write_file("posts.jsonl", &lines)).status.success());
    let desk = desk_client(&running[2]).await;
    let docket_of = |unit: &'static str, post: &'static str, token: String| {
        let desk = desk.clone();
        async move {
            eventually(Duration::from_secs(40), "the case", || {
                let (mut desk, token) = (desk.clone(), token.clone());
                async move {
                    let req = authed(&token, ListQueueRequest { unit: unit.into(), all: true, limit: 0 });
                    let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
                    cases.into_iter().find(|c| c.post.as_ref().is_some_and(|p| p.post_id == post)).map(|c| c.docket)
                }
            })
            .await
        }
    };
    let theft = docket_of("balotra", "b1", meena.clone()).await;
    let light = docket_of("jaipur", "j1", kiran.clone()).await;
    let moti = docket_of("jaipur", "j2", kiran.clone()).await;
    // Jaipur's reply waits for a supervisor: that unit comes first for sunil.
    let mut d = desk.clone();
    let sensitive = RelabelRequest { docket: light.clone(), category: Category::Sensitive as i32, urgency: 0 };
    d.relabel(authed(&kiran, sensitive)).await.unwrap();
    let held =
        ReplyRequest { docket: light.clone(), text: "The municipal office is informed.".into(), ..Default::default() };
    d.reply(authed(&kiran, held)).await.unwrap();
    let browser = Browser::start().await;
    Shift { env, running, console, browser, desk, meena, ravi, sunil, theft, light, moti }
}

async fn notes(shift: &Shift) {
    let Shift { console, browser, desk, meena, ravi, theft, .. } = shift;
    let mut d = desk.clone();
    // 1. An internal note from the case page, in the conversation with its author.
    sign_in(browser, console, meena, "en").await;
    browser.goto(&console_url(console, &format!("/cases/{theft}"))).await;
    let words = "Complainant's brother came to the thana; FIR being written";
    let field = browser.wait_for("#note-text", Duration::from_secs(5)).await;
    browser.send_keys(&field, words).await;
    browser.click(&browser.wait_for("#add-note", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let note = browser.wait_for("ol.conversation li.note", Duration::from_secs(5)).await;
    let shown = browser.text(&note).await;
    assert!(shown.contains("Internal note by meena") && shown.contains(words), "{shown}");
    let reply_box = browser.property(&browser.wait_for("#reply-text", Duration::from_secs(1)).await, "value").await;
    assert!(!reply_box.as_str().unwrap().contains("FIR being written"), "a note never lands in the reply box");
    // Cross-service: tvarit-reply has it in the thread, as meena wrote it.
    let thread = d.get_thread(authed(ravi, CaseRef { docket: theft.clone() })).await.unwrap().into_inner();
    assert!(thread.entries.iter().any(|e| matches!(&e.entry,
        Some(Entry::Event(ev)) if ev.kind() == CaseEventKind::Noted && ev.note == words && ev.actor == "meena")));
    browser.execute("document.querySelector('#note-form').scrollIntoView()", serde_json::json!([])).await;
    browser.screenshot("case-note-en").await;
}

async fn hand_over(shift: &Shift) {
    let Shift { console, browser, ravi, .. } = shift;
    // 2. meena leaves a hand-over note for Balotra.
    browser.goto(&console_url(console, "/handover")).await;
    let field = browser.wait_for("#note-balotra", Duration::from_secs(5)).await;
    browser.send_keys(&field, "Bike theft: brother at the thana, FIR by noon").await;
    browser.click(&browser.wait_for("#handover-balotra form.write-note button", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let card = browser.text(&browser.wait_for("#handover-balotra", Duration::from_secs(1)).await).await;
    assert!(card.contains("FIR by noon") && card.contains("Not yet read"), "{card}");
    assert!(browser.find("#handover-balotra form[action$='/ack']").await.is_none(), "its author cannot acknowledge it");
    signout(browser).await;

    // 3. ravi, the next shift, sees it with the open case, and acknowledges it.
    sign_in(browser, console, ravi, "en").await;
    browser.goto(&console_url(console, "/handover?unit=balotra")).await;
    let open = browser.text(&browser.wait_for("#handover-balotra dd.open", Duration::from_secs(5)).await).await;
    assert_eq!(open, "1");
    browser
        .click(&browser.wait_for("#handover-balotra form[action$='/ack'] button", Duration::from_secs(1)).await)
        .await;
    let read = browser.text(&browser.wait_for("#handover-balotra p.acknowledged", Duration::from_secs(5)).await).await;
    assert!(read.contains("Read by ravi"), "{read}");
    signout(browser).await;
}

async fn supervise_and_forward(shift: &Shift) {
    let Shift { env, console, browser, sunil, theft, light, moti, .. } = shift;
    // 4. sunil supervises both units on one page: Jaipur, with its approval, first.
    sign_in(browser, console, sunil, "en").await;
    browser.goto(&console_url(console, "/handover")).await;
    browser.wait_for(&format!("#approvals-jaipur a[href='/cases/{light}']"), Duration::from_secs(5)).await;
    let order = browser
        .execute("return [...document.querySelectorAll('section.handover')].map(s => s.id)", serde_json::json!([]))
        .await;
    assert_eq!(order, serde_json::json!(["handover-jaipur", "handover-balotra"]));
    browser.screenshot("handover-en").await;
    // Supervision, extended: every unit on one line, approvals first, above the live list.
    browser.goto(&console_url(console, "/supervise?unit=balotra")).await;
    browser.wait_for("nav.all-units", Duration::from_secs(5)).await;
    let lines = browser
        .execute("return [...document.querySelectorAll('nav.all-units li')].map(l => l.id)", serde_json::json!([]))
        .await;
    assert_eq!(lines, serde_json::json!(["unit-jaipur", "unit-balotra"]));

    // 5. A case naming its thana: shown, and forwarded through the control room.
    browser.goto(&console_url(console, &format!("/cases/{moti}"))).await;
    let station = browser.wait_for("#police-station", Duration::from_secs(5)).await;
    assert_eq!(browser.text(&station).await, "Moti Dungari");
    // The script asks first; the test says yes.
    browser.execute("window.confirm = () => true", serde_json::json!([])).await;
    browser.click(&browser.wait_for("#forward", Duration::from_secs(1)).await).await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let db = env.schema_pool("reply").await;
    let alerts: Vec<String> = sqlx::query_scalar("SELECT target FROM alerts WHERE docket = $1 AND event = 'forwarded'")
        .bind(moti)
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(alerts, ["police station Moti Dungari"], "one alert for the control room");
    browser.execute("document.querySelector('section.internal').scrollIntoView()", serde_json::json!([])).await;
    browser.screenshot("case-forward-en").await;
    show_in(browser, console, "hi", "/handover").await;
    let hindi = browser.source().await;
    assert!(hindi.contains("शिफ्ट हस्तांतरण") && hindi.contains("स्वीकृति की प्रतीक्षा में"), "the hand-over in Hindi");
    browser.screenshot("handover-hi").await;
    browser.set_window(390, 844).await;
    for path in ["/handover", &format!("/cases/{theft}")] {
        fits(browser, console, path).await;
    }
    show_in(browser, console, "hi", "/handover").await;
    browser.screenshot("handover-phone-hi").await;
    show_in(browser, console, "en", "/handover").await;
    browser.screenshot("handover-phone-en").await;
}

async fn signout(browser: &Browser) {
    browser.click(&browser.wait_for("form.signout button", Duration::from_secs(1)).await).await;
    browser.wait_for("#token", Duration::from_secs(5)).await;
}
