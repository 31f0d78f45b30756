//! Direct messages: "DM us your details" is read and answered. A person's
//! X DM (Account Activity) or Messenger message joins their open case in the
//! unit, else opens a private case; a private reply goes back through the
//! platform's DM API once, even when reply is killed between the call and
//! its record; the account's own messages open nothing.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_e2e::{Browser, SETTLE, Service, Sim, TestEnv, authed, desk_client, eventually, free_port};
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::{CaseRef, LeaderboardRequest, ReplyRequest, thread_entry};

use crate::console::{console_url, sign_in};
use crate::platforms::{
    Webhooks, balotra_cases, count, kill9_reply, poll_from, reply_as_balotra, wait_count, wait_sent, x_sim,
};

const PAGE_TOKEN: &str = "balotra-page-token";
const PAGE_ID: &str = "100000000000001";

async fn sent_to(sim: &Sim, person: &str) -> Vec<Value> {
    let all = sim.get("/sim/messages?direction=sent").await;
    all.as_array().unwrap().iter().filter(|m| m["person"] == person).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_direct_message_joins_its_authors_case_and_is_answered_privately_once() {
    let env = TestEnv::new().await;
    let hooks = Webhooks::on_a_free_port();
    let page = format!("{PAGE_ID}=Balotra Police");
    let sim = x_sim(&[&hooks.sim_args()[..], &["--meta-page", &page, "--meta-page-token", PAGE_TOKEN]].concat()).await;
    poll_from(&env, &sim);
    hooks.listen(&env);
    reply_as_balotra(&env, &sim);
    env.set_env("TVARIT_META_PAGE_TOKEN_BALOTRAPOLICEPAGE", PAGE_TOKEN);
    env.set_env("TVARIT_REPLY_META_API_BASE", format!("{}/v21.0", sim.url()));
    env.set_env("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2");
    let mut running = env.start_all().await;
    let reply_db = env.schema_pool("reply").await;
    let token = env.operator("balotra-dm-op", "operator", "balotra");
    let desk = desk_client(&running[2]).await;

    // 1. Meena posts in public, then sends her bike's number by DM, as the
    // unit asked: the DM joins her case, it does not open a second one.
    let meena = json!({ "handle": "@meena_r", "name": "Meena" });
    sim.post(json!({ "text": "@SP_Balotra meri bike mandi road se chori ho gayi, kripya madad karein", "platform": "x", "author": meena }))
        .await;
    wait_count(&reply_db, "SELECT count(*) FROM cases", 1).await;
    let dm = json!({ "platform": "x", "to": "@SP_Balotra", "author": meena,
                     "text": "Bike number RJ04 AB 1234, black Splendor, chori 9 baje hui" });
    let meena_id = sim.post_path("/sim/messages", dm).await.1;
    let meena_id: Value = serde_json::from_str(&meena_id).unwrap();
    let meena_id = meena_id["person"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases WHERE follow_ups = 1", 1).await;
    let public = balotra_cases(&desk, &token).await.remove(0);
    assert!(!public.private, "the case opened in public stays public");

    // The vehicle number may go back privately, never publicly.
    let reply = |docket: String, text: &str, private: bool| {
        let (mut desk, token, text) = (desk.clone(), token.clone(), text.to_owned());
        async move { desk.reply(authed(&token, ReplyRequest { docket, text, private })).await }
    };
    let echo = "RJ04 AB 1234 ki FIR darj ho gayi hai; SHO Balotra aapse sampark karenge.";
    let refused = reply(public.docket.clone(), echo, false).await.unwrap_err();
    assert!(refused.message().contains("reply refused"), "{}", refused.message());
    reply(public.docket.clone(), echo, true).await.unwrap();
    let case = wait_sent(&desk, &token, &public.docket).await;
    assert!(case.first_reply_at.is_some());
    let to_meena = sent_to(&sim, &meena_id).await;
    assert_eq!(to_meena.len(), 1, "{to_meena:?}");
    assert_eq!(to_meena[0]["text"], echo);
    assert!(sim.replies().await.is_empty(), "nothing was posted in public");
    // A second Send of the same words sends nothing more.
    reply(public.docket.clone(), echo, true).await.unwrap();
    let thread =
        desk.clone().get_thread(authed(&token, CaseRef { docket: public.docket.clone() })).await.unwrap().into_inner();
    let kinds: Vec<(bool, bool)> = thread
        .entries
        .iter()
        .filter_map(|e| match &e.entry {
            Some(thread_entry::Entry::Post(p)) => Some((false, p.private)),
            Some(thread_entry::Entry::Reply(r)) => Some((true, r.private)),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec![(false, false), (false, true), (true, true)], "post, DM, private reply");

    // 2. Ravi has no case: his DM opens a private one, answered by DM even
    // without asking, once, though reply is killed after X took the message.
    let ravi = json!({ "handle": "@ravi_k", "name": "Ravi" });
    let dm = json!({ "platform": "x", "author": ravi, "to": "@SP_Balotra",
                     "text": "Sir mere padosi ke ghar me raat ko shor sharaba hota hai, kya karun?" });
    let ravi_id: Value = serde_json::from_str(&sim.post_path("/sim/messages", dm).await.1).unwrap();
    let ravi_id = ravi_id["person"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases", 2).await;
    let private = balotra_cases(&desk, &token).await.remove(1);
    assert!(private.private && private.post.as_ref().unwrap().private, "{private:?}");
    sim.faults(json!({ "slow_after_create_ms": 4000 })).await;
    reply(private.docket.clone(), "Aap 112 par call karein; beat constable aaj raat aayenge.", false).await.unwrap();
    eventually(Duration::from_secs(20), "the DM on X", || {
        let (sim, ravi_id) = (&sim, ravi_id.clone());
        async move { (sent_to(sim, &ravi_id).await.len() == 1).then_some(()) }
    })
    .await;
    kill9_reply(&mut running, &sim).await;
    running.insert(2, env.start(Service::Reply).await);
    wait_sent(&desk_client(&running[2]).await, &token, &private.docket).await;

    // 3. A Messenger message to the Page opens a private Facebook case and is
    // answered through the Send API.
    let dm = json!({ "platform": "facebook", "to": PAGE_ID, "author": { "handle": "@sunita_d" },
                     "text": "Balotra thane me meri shikayat nahi likhi ja rahi, kripya madad karein" });
    let sunita: Value = serde_json::from_str(&sim.post_path("/sim/messages", dm).await.1).unwrap();
    let sunita = sunita["person"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'facebook'", 1).await;
    let fb = balotra_cases(&desk_client(&running[2]).await, &token).await.remove(2);
    assert!(fb.private);
    let mut desk = desk_client(&running[2]).await;
    let text = "Kripya apna naam aur mobile number bhejein; SP office aapse sampark karega.";
    let req = ReplyRequest { docket: fb.docket.clone(), text: text.into(), private: false };
    desk.reply(authed(&token, req)).await.unwrap();
    wait_sent(&desk, &token, &fb.docket).await;

    // 4. In the console: a private case says so and offers no public reply;
    // a public one offers "send as a direct message", which goes privately.
    let console = env.start_console(&running[2], &running[3]).await;
    let browser = Browser::start().await;
    sign_in(&browser, &console, &token, "en").await;
    browser.goto(&console_url(&console, &format!("/cases/{}", private.docket))).await;
    browser.wait_for("#reply-form", Duration::from_secs(5)).await;
    assert!(browser.find(".summary .badge.dm").await.is_some(), "a private case is marked");
    assert!(browser.find(".dm-hint").await.is_some() && browser.find("input[name=private]").await.is_none());
    browser.goto(&console_url(&console, &format!("/cases/{}", public.docket))).await;
    let thread = browser.wait_for("section.thread", Duration::from_secs(5)).await;
    assert!(browser.text(&thread).await.contains("Direct message"), "the DM shows as one in the conversation");
    assert!(browser.find(".summary .badge.dm").await.is_none(), "the public case is not marked private");
    browser.click(&browser.wait_for("input[name=private]", Duration::from_secs(1)).await).await;
    let field = browser.wait_for("#reply-text", Duration::from_secs(1)).await;
    browser.execute("document.getElementById('reply-text').value = ''", json!([])).await;
    let again = "Aapki bike ka pata chala hai; kal subah thane aa jayein.";
    browser.send_keys(&field, again).await;
    browser.click(&browser.wait_for("#send", Duration::from_secs(1)).await).await;
    eventually(Duration::from_secs(30), "the console's DM on X", || {
        let (sim, meena_id) = (&sim, meena_id.clone());
        async move { (sent_to(sim, &meena_id).await.len() == 2).then_some(()) }
    })
    .await;
    assert_eq!(sent_to(&sim, &meena_id).await[1]["text"], again);
    drop(browser);

    tokio::time::sleep(SETTLE).await;
    assert_eq!(sent_to(&sim, &ravi_id).await.len(), 1, "sent once, not again after the crash");
    assert_eq!(sent_to(&sim, &sunita).await.len(), 1);
    assert_eq!(sent_to(&sim, &meena_id).await.len(), 2);
    assert!(sim.replies().await.is_empty(), "nothing at all was posted in public");
    // Our own messages came back by both webhooks and opened nothing.
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 3);
    let private_replies = count(&reply_db, "SELECT count(*) FROM replies WHERE private AND status = 'sent'").await;
    assert_eq!(private_replies, 4);

    // 5. HQ's ranking counts the public case only: nobody saw the DMs.
    let metrics_db = env.schema_pool("metrics").await;
    wait_count(&metrics_db, "SELECT count(*) FROM case_facts WHERE private", 2).await;
    let hq = env.operator("dm-hq", "hq", "*");
    let month = (chrono::Utc::now() + chrono::Duration::minutes(330)).format("%Y-%m").to_string();
    let board = eventually(Duration::from_secs(30), "balotra's figures", || {
        let (metrics, hq, month) = (&running[3], hq.clone(), month.clone());
        async move {
            let mut client = MetricsClient::connect(format!("http://{}", metrics.grpc_addr)).await.ok()?;
            let board = client.leaderboard(authed(&hq, LeaderboardRequest { month })).await.ok()?.into_inner();
            board.rows.into_iter().find(|r| r.unit == "balotra" && r.answered == 1).map(|r| (board.exclusions, r))
        }
    })
    .await;
    assert_eq!(board.1.cases, 1, "the two private cases are not in the figures: {:?}", board.1);
    assert!(board.0.iter().any(|e| e.contains("direct message")), "the exclusion is stated: {:?}", board.0);
    env.cleanup(running).await;
}

/// Where the X tier has no webhooks: reply polls the account's DM events
/// with the account's own token and hands each new message to ingest. The
/// first poll starts at the newest message, and the account's own messages
/// come back in the events but open nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x_direct_messages_are_polled_where_the_tier_has_no_webhooks() {
    let env = TestEnv::new().await;
    let port = free_port();
    let sim = x_sim(&[]).await;
    poll_from(&env, &sim);
    let before = json!({ "platform": "x", "to": "@SP_Balotra", "author": { "handle": "@old_dm" },
                         "text": "Purana sandesh: pichhle mahine ki shikayat" });
    sim.post_path("/sim/messages", before).await;
    env.set_env("TVARIT_INGEST_HTTP_LISTEN", format!("127.0.0.1:{port}"));
    env.set_env("TVARIT_REPLY_INGEST_URL", format!("http://127.0.0.1:{port}"));
    env.set_env("TVARIT_REPLY_X_DM_POLL_SECONDS", "1");
    reply_as_balotra(&env, &sim);
    let running = env.start_all().await;
    let reply_db = env.schema_pool("reply").await;
    wait_count(&reply_db, "SELECT count(*) FROM dm_checkpoints", 1).await;

    let dm = json!({ "platform": "x", "to": "@SP_Balotra", "author": { "handle": "@ravi_k", "name": "Ravi" },
                     "text": "Sir Balotra bazaar me mera purse chori ho gaya, FIR kaise likhwayein?" });
    let ravi: Value = serde_json::from_str(&sim.post_path("/sim/messages", dm).await.1).unwrap();
    let ravi = ravi["person"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases", 1).await;
    let token = env.operator("balotra-dm-poll", "operator", "balotra");
    let mut desk = desk_client(&running[2]).await;
    let case = balotra_cases(&desk, &token).await.remove(0);
    let post = case.post.as_ref().unwrap();
    assert!(case.private && post.private, "{case:?}");
    assert_eq!((post.source.as_str(), post.author.as_ref().unwrap().handle.as_str()), ("x-dm-poll", "@ravi_k"));

    let text = "Balotra thane me aaj hi aayein; online FIR rajcop app se bhi ho sakti hai.";
    desk.reply(authed(&token, ReplyRequest { docket: case.docket.clone(), text: text.into(), private: false }))
        .await
        .unwrap();
    eventually(Duration::from_secs(30), "the DM on X", || {
        let (sim, ravi) = (&sim, ravi.clone());
        async move { (sent_to(sim, &ravi).await.len() == 1).then_some(()) }
    })
    .await;
    // Our own message is in the next polls' events: it opens nothing, and
    // the message from before the first poll never became a case.
    tokio::time::sleep(SETTLE * 2).await;
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 1);
    assert_eq!(sent_to(&sim, &ravi).await.len(), 1);
    env.cleanup(running).await;
}
