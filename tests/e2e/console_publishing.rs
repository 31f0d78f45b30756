//! The console's publishing pages in headless Chromium against the real
//! tvarit-reply and `tvarit-sim`: HQ signs in, composes a state-wide
//! fact-check, previews it, fast-tracks it and watches it reach every
//! account of a 42-account registry (timed from sign-in); an operator's
//! post waits for a supervisor, other units' accounts are neither offered
//! nor accepted, and a failed account is retried from the page.
//! Screenshots (compose with preview, a post's outcomes; English and Hindi)
//! are saved as test artefacts for docs/publishing.md.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::json;
use tvarit_e2e::{Browser, Running, SETTLE, Service, Sim, TestEnv, authed, eventually};
use tvarit_proto::v1::publishing_client::PublishingClient;
use tvarit_proto::v1::{ListPublicationsRequest, Publication, PublicationRef};

use crate::publishing::{TestAccount, sim_name};

/// The 42-account registry and the sim of `publishing.rs`; then
/// tvarit-reply, tvarit-metrics and the console, all on it.
async fn world(env: &TestEnv) -> (Sim, Vec<TestAccount>, Vec<Running>) {
    let (sim, accounts) = crate::publishing::world(env, &[]).await;
    let reply = env.start(Service::Reply).await;
    let metrics = env.start(Service::Metrics).await;
    let console = env.start_console(&reply, &metrics).await;
    (sim, accounts, vec![reply, metrics, console])
}

fn url(console: &Running, path: &str) -> String {
    format!("http://{}{path}", console.http_addr)
}

async fn sign_in(browser: &Browser, console: &Running, token: &str) {
    browser.goto(&url(console, "/lang/en?next=/signin")).await;
    let field = browser.wait_for("#token", Duration::from_secs(5)).await;
    browser.send_keys(&field, token).await;
    let submit = browser.wait_for("form[action='/signin'] button", Duration::from_secs(1)).await;
    browser.click(&submit).await;
    browser.wait_for("body[data-page='queue']", Duration::from_secs(5)).await;
}

async fn sign_out(browser: &Browser) {
    let signout = browser.wait_for("form.signout button", Duration::from_secs(1)).await;
    browser.click(&signout).await;
    browser.wait_for("#token", Duration::from_secs(5)).await;
}

/// Opens `path` in `lang` and waits until the page is in it.
async fn show_in(browser: &Browser, console: &Running, lang: &str, path: &str) {
    browser.goto(&url(console, &format!("/lang/{lang}?next={path}"))).await;
    browser.wait_for(&format!("html[lang='{lang}'] main"), Duration::from_secs(5)).await;
}

async fn click(browser: &Browser, css: &str) {
    let el = browser.wait_for(css, Duration::from_secs(5)).await;
    browser.click(&el).await;
}

async fn type_into(browser: &Browser, css: &str, text: &str) {
    let el = browser.wait_for(css, Duration::from_secs(5)).await;
    browser.send_keys(&el, text).await;
}

/// The post's id from the page's address, `/publish/{id}`.
async fn post_id(browser: &Browser) -> u64 {
    let at = browser.url().await;
    at.rsplit('/').next().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("not a post page: {at}"))
}

async fn api(reply: &Running) -> PublishingClient<tonic::transport::Channel> {
    PublishingClient::connect(format!("http://{}", reply.grpc_addr)).await.unwrap()
}

async fn get(reply: &Running, token: &str, id: u64) -> Publication {
    api(reply).await.get_publication(authed(token, PublicationRef { id })).await.unwrap().into_inner()
}

/// The sim's created posts per account.
async fn published_per_account(sim: &Sim) -> HashMap<String, usize> {
    let mut per = HashMap::new();
    for p in sim.published(false).await {
        *per.entry(p["account"].as_str().unwrap_or_default().to_lowercase()).or_default() += 1;
    }
    per
}

/// A same-origin form POST made by the page (with its cookies); its status.
async fn post_form(browser: &Browser, path: &str, body: &str) -> u16 {
    let script = "const done = arguments[2]; fetch(arguments[0], { method: 'POST', redirect: 'manual', \
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: arguments[1] }) \
        .then(r => done(r.status)).catch(() => done(-1));";
    browser.execute_async(script, json!([path, body])).await.as_u64().unwrap_or(0) as u16
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_fact_checks_every_account_from_the_console() {
    // Boxed: the whole journey is one large future, too big for the test thread's stack.
    Box::pin(hq_fact_check()).await;
}

async fn hq_fact_check() {
    let env = TestEnv::new().await;
    let (sim, accounts, running) = world(&env).await;
    assert_eq!(accounts.len(), 42);
    let (reply, console) = (&running[0], &running[2]);
    let hq = env.operator("hq-desk", "hq", "*");
    let browser = Browser::start().await;

    let started = Instant::now();
    sign_in(&browser, console, &hq).await;
    click(&browser, "nav a[href='/publish']").await;
    click(&browser, "#compose-link").await;
    click(&browser, "#kind option[value='fact_check']").await;
    type_into(&browser, "#claim", "Petrol pumps across Rajasthan closed for five days").await;
    type_into(&browser, "#text_hi", "यह खबर झूठी है। राजस्थान के सभी पेट्रोल पंप खुले हैं, अफवाहों पर ध्यान न दें।").await;
    type_into(&browser, "#text_en", "This is false: every petrol pump in Rajasthan is open. Do not share rumours.")
        .await;
    type_into(&browser, "#links", "https://police.rajasthan.gov.in/factcheck/petrol-pumps").await;
    click(&browser, "#aud-all").await;
    click(&browser, "#do-preview").await;
    // The preview: 42 accounts on X and Facebook, each within its limit.
    browser.wait_for("#preview tr.limit-fits[data-platform='x']", Duration::from_secs(5)).await;
    browser.wait_for("#preview tr.limit-fits[data-platform='facebook']", Duration::from_secs(1)).await;
    let preview = browser.text(&browser.wait_for("#preview", Duration::from_secs(1)).await).await;
    assert!(preview.contains("Target accounts: 42") && preview.contains("/ 280"), "{preview}");
    assert!(preview.contains("#FactCheck") && preview.contains("FALSE"), "the card shows the header: {preview}");
    assert_eq!(browser.property(&browser.wait_for("#aud-all", Duration::from_secs(1)).await, "checked").await, true);
    browser.screenshot("publish-compose-en").await;
    browser.execute("document.querySelector('fieldset.audience').scrollIntoView()", json!([])).await;
    browser.screenshot("publish-compose-audience-en").await;

    click(&browser, "#do-save").await;
    browser.wait_for("#do-fast_track", Duration::from_secs(5)).await;
    let id = post_id(&browser).await;
    click(&browser, "#do-fast_track").await;
    browser.wait_for(".flash.ok", Duration::from_secs(5)).await;
    let per = eventually(Duration::from_secs(50), "all 42 accounts posted", || {
        let sim = &sim;
        async move {
            let per = published_per_account(sim).await;
            (per.values().sum::<usize>() >= 42).then_some(per)
        }
    })
    .await;
    let took = started.elapsed();
    eprintln!("console: HQ signed in, composed, previewed and fast-tracked a fact-check to 42 accounts in {took:?}");
    assert!(took < Duration::from_secs(30), "well under a minute: {took:?}");
    // The page follows delivery by itself.
    browser.wait_for("#pub-status .st-published", Duration::from_secs(10)).await;
    tokio::time::sleep(SETTLE).await;
    let per_after = published_per_account(&sim).await;
    assert_eq!(per, per_after, "nothing more after the last account");
    for a in &accounts {
        assert_eq!(per.get(&sim_name(a)).copied().unwrap_or(0), 1, "{} ({}) got it once", a.handle, a.platform);
    }
    assert!(sim.published(true).await.iter().all(|p| p["outcome"] == "created"), "nothing refused or repeated");
    let p = get(reply, &hq, id).await;
    assert!(p.fast_tracked && p.approved_by == "hq-desk" && p.status == "published", "{p:?}");

    // Links and engagement on the page.
    let x = p.targets.iter().find(|t| t.platform == "x").unwrap();
    let fb = p.targets.iter().find(|t| t.platform == "facebook").unwrap();
    for body in [
        json!({ "id": x.platform_post_id, "like_count": 7, "retweet_count": 3, "impression_count": 900 }),
        json!({ "id": fb.platform_post_id, "reactions": 11, "shares": 2 }),
    ] {
        assert_eq!(sim.post_path("/sim/engagement", body).await.0, 204);
    }
    click(&browser, "#refresh-engagement").await;
    browser.wait_for(".flash.ok", Duration::from_secs(10)).await;
    let page = browser.source().await;
    assert!(page.contains(&format!(r#"href="{}""#, x.link)), "the X link is shown");
    assert!(page.contains("♥ 7 · ⟲ 3 · ↩ 0 · ◉ 900") && page.contains("♥ 11 · ⟲ 2 · ↩ 0"), "engagement is shown");
    assert_eq!(page.matches(r#"class="target st-sent""#).count(), 42);
    browser.screenshot("publish-post-en").await;
    show_in(&browser, console, "hi", &format!("/publish/{id}")).await;
    assert!(browser.source().await.contains("हर खाते पर परिणाम"));
    browser.screenshot("publish-post-hi").await;

    // The same post composed again, in Hindi, previewed (not saved).
    show_in(&browser, console, "hi", &format!("/publish/new?from={id}")).await;
    click(&browser, "#do-preview").await;
    browser.wait_for("#preview tr.limit-fits", Duration::from_secs(5)).await;
    assert!(browser.source().await.contains("पूर्वावलोकन"));
    browser.screenshot("publish-compose-hi").await;
    // The calendar places it on today's date in IST.
    show_in(&browser, console, "en", "/publish").await;
    browser.wait_for(&format!("#calendar li.entry[data-id='{id}']"), Duration::from_secs(5)).await;
    browser.screenshot("publish-calendar-en").await;

    drop(browser);
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_posts_for_their_unit_after_approval() {
    Box::pin(operator_posts()).await;
}

async fn operator_posts() {
    let env = TestEnv::new().await;
    let (sim, accounts, running) = world(&env).await;
    let (reply, console) = (&running[0], &running[2]);
    // A district on X (the usage-cap fault below is X's).
    let own = accounts.iter().find(|a| a.platform == "x" && a.unit != "hq").unwrap();
    let other = accounts.iter().find(|a| a.unit != own.unit && a.unit != "hq").unwrap();
    let op = env.operator("ramesh", "operator", &own.unit);
    let sup = env.operator("sunita", "supervisor", &own.unit);
    let browser = Browser::start().await;
    sign_in(&browser, console, &op).await;
    show_in(&browser, console, "en", "/publish/new").await;

    // Only my unit's account is offered, and no state-wide choice.
    let page = browser.source().await;
    assert!(page.contains(&format!(r#"value="{}""#, own.handle)), "my account is offered");
    assert!(!page.contains(&other.handle) && !page.contains(&format!(r#"value="{}""#, other.unit)), "no other unit");
    assert!(browser.find("#aud-all").await.is_none(), "no state-wide audience for an operator");
    // A forged form is refused before it reaches the service.
    let csrf = browser.execute("return document.querySelector('input[name=csrf]').value", json!([])).await;
    let csrf = csrf.as_str().unwrap();
    let forged = [
        format!("audience=accounts&account={}", other.handle.replace('@', "%40")),
        format!("audience=units&unit={}", other.unit),
        "audience=all".to_owned(),
    ];
    for audience in &forged {
        let body = format!("csrf={csrf}&kind=awareness&text_en=Wear+a+helmet&{audience}&action=submit");
        assert_eq!(post_form(&browser, "/publish/new", &body).await, 403, "{audience}");
    }

    // My own post waits for a supervisor.
    type_into(&browser, "#text_en", "Cyber fraud? Call 1930 at once, and never share an OTP.").await;
    click(&browser, &format!("#compose input[value='{}']", own.handle)).await;
    click(&browser, "#do-submit").await;
    browser.wait_for("#waiting", Duration::from_secs(5)).await;
    let id = post_id(&browser).await;
    assert!(browser.find("#do-approve").await.is_none() && browser.find("#do-fast_track").await.is_none());
    assert!(browser.source().await.contains("waiting for approval"));
    let all = api(reply)
        .await
        .list_publications(authed(&sup, ListPublicationsRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .publications;
    assert_eq!(all.iter().map(|p| p.id).collect::<Vec<_>>(), [id], "only the real post exists");
    tokio::time::sleep(SETTLE).await;
    assert!(sim.published(true).await.is_empty(), "nothing leaves before approval");

    // The supervisor approves; the platform refuses; a retry from the page sends it.
    sign_out(&browser).await;
    sign_in(&browser, console, &sup).await;
    show_in(&browser, console, "en", "/publish").await;
    click(&browser, &format!("#waiting-list a[href='/publish/{id}']")).await;
    sim.faults(json!({ "usage_cap": true })).await;
    click(&browser, "#do-approve").await;
    browser.wait_for("tr.target.st-failed button.retry", Duration::from_secs(15)).await;
    assert!(browser.source().await.contains("Usage cap"), "the platform's own words are shown");
    browser.screenshot("publish-retry-en").await;
    sim.faults(json!({ "usage_cap": false })).await;
    click(&browser, "tr.target.st-failed button.retry").await;
    browser.wait_for("tr.target.st-sent", Duration::from_secs(15)).await;
    let p = get(reply, &sup, id).await;
    assert_eq!((p.approved_by.as_str(), p.fast_tracked, p.status.as_str()), ("sunita", false, "published"));
    tokio::time::sleep(SETTLE).await;
    let per = published_per_account(&sim).await;
    assert_eq!(per.get(&sim_name(own)).copied(), Some(1), "{per:?}");
    assert_eq!(per.values().sum::<usize>(), 1, "only to my account");

    drop(browser);
    env.cleanup(running).await;
}
