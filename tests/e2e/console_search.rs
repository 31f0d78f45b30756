//! Search and the conversation in the console, in headless Chromium against
//! the real services: the queue's search box finds a case of my unit and
//! never another unit's; the case page shows the post, the follow-up and the
//! reply with who sent it; in Hindi, and no wider than a phone.

use std::time::Duration;

use tvarit_e2e::{Browser, TestEnv, authed, desk_client, eventually};
use tvarit_proto::v1::{CaseRef, ReplyRequest, SearchCasesRequest};

use crate::console::{console_url, show_in, sign_in};
use crate::console_shift::fits;
use crate::search::authored;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_finds_my_units_cases_and_shows_their_conversation() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let console = env.start_console(&running[2], &running[3]).await;
    let meena = env.operator("meena", "operator", "balotra");
    let hq = env.operator("hq-desk", "hq", "*");
    let lines = [
        authored("w1", "asha", "k1", "@SP_Balotra", "my scooter was stolen near the zebracrossing"),
        authored("w2", "ravi", "k2", "@jaipur_police", "chain snatching at the zebracrossing again"),
    ];
    assert!(env.replay(&env.write_file("w.jsonl", &lines)).status.success());
    let desk = desk_client(&running[2]).await;
    let found = eventually(Duration::from_secs(40), "both cases", || {
        let (mut desk, hq) = (desk.clone(), hq.clone());
        async move {
            let cases = desk.search_cases(authed(&hq, SearchCasesRequest::default())).await.ok()?.into_inner().cases;
            (cases.len() == 2).then_some(cases)
        }
    })
    .await;
    let mine = found.iter().find(|c| c.unit == "balotra").unwrap().docket.clone();
    let theirs = found.iter().find(|c| c.unit == "jaipur").unwrap().docket.clone();
    let reply = format!("{mine}: please share the scooter's number, we are on it");
    let mut d = desk.clone();
    d.reply(authed(&meena, ReplyRequest { docket: mine.clone(), text: reply.clone(), private: false })).await.unwrap();
    let follow = authored("w3", "asha", "k1", "@SP_Balotra", "it is a grey scooter, bought last year");
    assert!(env.replay(&env.write_file("f.jsonl", &[follow])).status.success());
    eventually(Duration::from_secs(30), "the follow-up joined", || {
        let (mut d, meena, mine) = (desk.clone(), meena.clone(), mine.clone());
        async move {
            (d.get_case(authed(&meena, CaseRef { docket: mine })).await.ok()?.into_inner().follow_ups == 1)
                .then_some(())
        }
    })
    .await;

    let browser = Browser::start().await;
    sign_in(&browser, &console, &meena, "en").await;
    let field = browser.wait_for("#q-text", Duration::from_secs(5)).await;
    browser.send_keys(&field, "zebracrossing").await;
    browser.click(&browser.wait_for("form.search-box button", Duration::from_secs(1)).await).await;
    browser.wait_for("#search-results", Duration::from_secs(5)).await;
    let page = browser.source().await;
    assert!(page.contains(&format!(r#"data-docket="{mine}""#)), "my unit's case is found");
    assert!(!page.contains(&theirs), "another unit's case never shows");
    browser.goto(&console_url(&console, "/search?author=%40ravi")).await;
    browser.wait_for("#search-none", Duration::from_secs(5)).await;

    browser.goto(&console_url(&console, &format!("/cases/{mine}"))).await;
    let section = browser.wait_for("section.thread", Duration::from_secs(5)).await;
    let thread = browser.text(&section).await;
    let order = ["stolen near the zebracrossing", &reply, "meena", "grey scooter"].map(|t| thread.find(t));
    assert!(order.iter().all(Option::is_some), "{thread}");
    assert!(order[0] < order[1] && order[1] < order[3], "post, reply, follow-up in time order: {thread}");
    let to_thread = "document.querySelector('section.thread').scrollIntoView()";
    browser.execute(to_thread, serde_json::json!([])).await;
    browser.screenshot("case-conversation-en").await;
    browser.click(&browser.wait_for("a.earlier", Duration::from_secs(1)).await).await;
    browser.wait_for("#search-results", Duration::from_secs(5)).await;
    assert!(browser.source().await.contains(&format!(r#"data-docket="{mine}""#)), "the author's cases, one click away");

    show_in(&browser, &console, "hi", "/search?text=zebracrossing").await;
    let hindi = browser.source().await;
    assert!(hindi.contains("मामला खोजें") && hindi.contains("सबसे नए पहले"), "the search page in Hindi");
    browser.screenshot("search-hi").await;
    browser.set_window(390, 844).await;
    for path in ["/search?text=zebracrossing", "/queue", &format!("/cases/{mine}")] {
        fits(&browser, &console, path).await;
    }
    show_in(&browser, &console, "hi", &format!("/cases/{mine}")).await;
    browser.execute(to_thread, serde_json::json!([])).await;
    browser.screenshot("case-conversation-phone-hi").await;
    drop(browser);
    let mut running = running;
    running.push(console);
    env.cleanup(running).await;
}
