//! Publishing against `tvarit-sim`: a state-wide fact-check reaches every
//! registered account once (also with `tvarit-reply` killed mid fan-out),
//! a scheduled post fires on time after a restart, an unapproved post never
//! leaves, operators post only for their units, and 429s delay but never
//! drop or double a post.
//!
//! The test registry has one account for each of Rajasthan's 42 units (HQ
//! and 41 districts), alternately on X and Facebook, so "every account"
//! is 42 accounts on both adapters.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use tonic::Code;
use tonic::transport::Channel;
use tvarit_e2e::{Running, SETTLE, Service, Sim, TestEnv, account_toml, authed, desk_client, eventually, post_line};
use tvarit_proto::time::{from_datetime, from_millis};
use tvarit_proto::v1::publishing_client::PublishingClient;
use tvarit_proto::v1::{
    ApprovePublicationRequest, Audience, CaseRef, ComposeRequest, FactCheck, ListPublicationsRequest, PostContent,
    PreviewRequest, Publication, PublicationRef, RejectPublicationRequest,
};

const PAGE_TOKEN: &str = "page-token";

pub(crate) struct TestAccount {
    pub(crate) handle: String,
    pub(crate) platform: &'static str,
    pub(crate) unit: String,
    /// X user id or Facebook Page id.
    pub(crate) id: String,
}

/// One account per unit, alternately X and Facebook.
pub(crate) fn accounts() -> Vec<TestAccount> {
    let registry = tvarit_registry::Registry::rajasthan();
    registry
        .units()
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let name: String = u.slug.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
            let (platform, id) = if i % 2 == 0 {
                ("x", format!("{}", 910_000_000_000_000_000u64 + i as u64))
            } else {
                ("facebook", format!("{}", 101_000_000_000_000u64 + i as u64))
            };
            TestAccount { handle: format!("@P_{name}"), platform, unit: u.slug.clone(), id }
        })
        .collect()
}

fn env_key(handle: &str) -> String {
    handle.trim_start_matches('@').to_uppercase()
}

/// Starts the sim with every account and its token, and points the test's
/// services at it.
pub(crate) async fn world(env: &TestEnv, extra: &[&str]) -> (Sim, Vec<TestAccount>) {
    let accounts = accounts();
    let mut toml = String::new();
    let mut args: Vec<String> =
        vec!["--meta-page-token".into(), PAGE_TOKEN.into(), "--x-window-secs".into(), "2".into()];
    for a in &accounts {
        toml.push_str(&account_toml(a.platform, &a.handle, &a.unit, &a.id, &[]));
        if a.platform == "x" {
            let token = format!("tok-{}", a.id);
            args.extend(["--account".into(), format!("{}={}", a.handle, a.id)]);
            args.extend(["--x-user-token".into(), format!("{token}={}", a.handle)]);
            env.set_env(&format!("TVARIT_X_USER_TOKEN_{}", env_key(&a.handle)), token);
        } else {
            args.extend(["--meta-page".into(), format!("{}={} Police", a.id, a.unit)]);
            env.set_env(&format!("TVARIT_META_PAGE_TOKEN_{}", env_key(&a.handle)), PAGE_TOKEN);
        }
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let sim = Sim::start(&args).await;
    env.use_accounts(&toml);
    env.set_env("TVARIT_REPLY_X_API_BASE", sim.url());
    env.set_env("TVARIT_REPLY_META_API_BASE", format!("{}/v21.0", sim.url()));
    env.set_env("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2");
    (sim, accounts)
}

async fn client(reply: &Running) -> PublishingClient<Channel> {
    PublishingClient::connect(format!("http://{}", reply.grpc_addr)).await.unwrap()
}

/// Reply on its own (the sim stands in for the platforms), and a client.
async fn start_reply(env: &TestEnv) -> (Running, PublishingClient<Channel>) {
    let reply = env.start(Service::Reply).await;
    let api = client(&reply).await;
    (reply, api)
}

/// Balotra's operator (ramesh) and supervisor (sunita): their tokens.
fn balotra_staff(env: &TestEnv) -> (String, String) {
    (env.operator("ramesh", "operator", "balotra"), env.operator("sunita", "supervisor", "balotra"))
}

fn content(kind: &str, en: &str) -> PostContent {
    PostContent {
        kind: kind.into(),
        text_hi: "राजस्थान पुलिस: अफवाहों पर ध्यान न दें।".into(),
        text_en: en.into(),
        links: vec!["https://police.rajasthan.gov.in/factcheck".into()],
        ..Default::default()
    }
}

fn everyone() -> Option<Audience> {
    Some(Audience { all: true, ..Default::default() })
}

fn units(u: &[&str]) -> Option<Audience> {
    Some(Audience { units: u.iter().map(|s| (*s).to_owned()).collect(), ..Default::default() })
}

/// A post of `kind` for Balotra's accounts.
fn balotra_post(kind: &str, en: &str) -> ComposeRequest {
    ComposeRequest { content: Some(content(kind, en)), audience: units(&["balotra"]), ..Default::default() }
}

async fn get(api: &PublishingClient<Channel>, token: &str, id: u64) -> Publication {
    api.clone().get_publication(authed(token, PublicationRef { id })).await.unwrap().into_inner()
}

/// Waits until every target of `id` is `sent`.
async fn all_sent(api: &PublishingClient<Channel>, token: &str, id: u64, limit: Duration) -> Publication {
    eventually(limit, "every target sent", || async move {
        let p = get(api, token, id).await;
        p.targets.iter().all(|t| t.status == "sent").then_some(p)
    })
    .await
}

/// The sim's created posts per account, and the refused ones.
async fn published_per_account(sim: &Sim) -> (HashMap<String, usize>, usize) {
    let mut per = HashMap::new();
    for p in sim.published(false).await {
        *per.entry(p["account"].as_str().unwrap_or_default().to_lowercase()).or_default() += 1;
    }
    let refused = sim.published(true).await.iter().filter(|p| p["outcome"] != "created").count();
    (per, refused)
}

/// The sim's name for an account: `@handle` on X, the Page id on Facebook.
pub(crate) fn sim_name(a: &TestAccount) -> String {
    if a.platform == "x" { a.handle.to_lowercase() } else { a.id.clone() }
}

fn assert_once_each(per: &HashMap<String, usize>, refused: usize, accounts: &[TestAccount], text: &str) {
    for a in accounts {
        assert_eq!(per.get(&sim_name(a)).copied().unwrap_or(0), 1, "{} ({}) got the post {text}", a.handle, a.platform);
    }
    assert_eq!(per.values().sum::<usize>(), accounts.len(), "no extra posts {text}");
    assert_eq!(refused, 0, "nothing was sent twice (the sim refuses a repeat) {text}");
}

/// HQ publishes a fact-check to all 42 accounts from compose to the last
/// account in well under a minute; the rebuttal drafts a matching open
/// case; links, platform ids and engagement are recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_wide_fact_check_reaches_every_account_once() {
    let env = TestEnv::new().await;
    let (sim, accounts) = world(&env, &[]).await;
    assert_eq!(accounts.len(), 42);
    let running = env.start_all().await;
    let reply = running.iter().find(|r| r.service == Service::Reply).unwrap();
    let rumour = "@P_balotra is it true petrol pumps across Rajasthan closed for five days from Monday?";
    assert!(
        env.replay(&env.write_file("posts.jsonl", &[post_line("r1", rumour, &["@P_balotra"], None)])).status.success()
    );
    let hq = env.operator("hq-desk", "hq", "*");
    let desk = desk_client(reply).await;
    let docket = eventually(Duration::from_secs(30), "the rumour's case", || {
        let (mut desk, hq) = (desk.clone(), hq.clone());
        async move {
            let req = authed(&hq, tvarit_proto::v1::ListQueueRequest { unit: "balotra".into(), all: false, limit: 0 });
            desk.list_queue(req).await.ok()?.into_inner().cases.first().map(|c| c.docket.clone())
        }
    })
    .await;

    let mut api = client(reply).await;
    let started = Instant::now();
    let mut fc = content("fact_check", "Rajasthan Police: petrol pumps are open. This claim is false.");
    fc.fact_check = Some(FactCheck {
        claim: "Petrol pumps across Rajasthan closed for five days".into(),
        verdict: "false".into(),
        ..Default::default()
    });
    let preview = api
        .preview(authed(&hq, PreviewRequest { id: 0, content: Some(fc.clone()), audience: everyone() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(preview.accounts.len(), 42);
    assert!(preview.platforms.iter().all(|p| p.fits), "{preview:?}");
    let draft = api
        .compose(authed(&hq, ComposeRequest { content: Some(fc), audience: everyone(), ..Default::default() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((draft.scope.as_str(), draft.state.as_str(), draft.targets.len()), ("state", "draft", 42));
    assert!(draft.targets.iter().all(|t| t.status == "held"));
    let approved = api
        .approve(authed(&hq, ApprovePublicationRequest { id: draft.id, fast_track: true }))
        .await
        .unwrap()
        .into_inner();
    assert!(approved.fast_tracked && approved.approved_by == "hq-desk");
    let done = all_sent(&api, &hq, draft.id, Duration::from_secs(50)).await;
    let took = started.elapsed();
    eprintln!("state-wide fact-check: compose to 42 accounts sent in {took:?}");
    assert!(took < Duration::from_secs(60), "took {took:?}");
    assert_eq!(done.status, "published");
    tokio::time::sleep(SETTLE).await;
    let (per, refused) = published_per_account(&sim).await;
    assert_once_each(&per, refused, &accounts, "");
    for t in &done.targets {
        assert!(!t.platform_post_id.is_empty() && t.sent_at.is_some(), "{t:?}");
        let expected = if t.platform == "x" { "https://x.com/" } else { "https://www.facebook.com/" };
        assert!(t.link.starts_with(expected) && t.link.ends_with(&t.platform_post_id), "{}", t.link);
    }

    // The fact-check is in the rebuttal library and the open case's draft.
    let claim_id = done.content.unwrap().fact_check.unwrap().claim_id;
    assert!(claim_id.starts_with("claim-"), "{claim_id}");
    let case = desk.clone().get_case(authed(&hq, CaseRef { docket })).await.unwrap().into_inner();
    assert_eq!(case.draft_source, format!("rebuttal:{claim_id}"));

    // Engagement afterwards, from each platform.
    let x = done.targets.iter().find(|t| t.platform == "x").unwrap();
    let fb = done.targets.iter().find(|t| t.platform == "facebook").unwrap();
    for body in [
        json!({ "id": x.platform_post_id, "like_count": 7, "retweet_count": 3, "impression_count": 900 }),
        json!({ "id": fb.platform_post_id, "reactions": 11, "shares": 2 }),
    ] {
        assert_eq!(sim.post_path("/sim/engagement", body).await.0, 204);
    }
    let measured = api.refresh_engagement(authed(&hq, PublicationRef { id: draft.id })).await.unwrap().into_inner();
    let of = |account: &str| measured.targets.iter().find(|t| t.account == account).unwrap().engagement.unwrap();
    let (xe, fe) = (of(&x.account), of(&fb.account));
    assert_eq!((xe.likes, xe.reposts, xe.impressions), (7, 3, 900));
    assert_eq!((fe.likes, fe.reposts), (11, 2));
    assert!(measured.targets.iter().all(|t| t.engagement.is_some()));
    // HQ's monthly report carries each unit's publishing and its reach.
    let ist = chrono::FixedOffset::east_opt(19800).unwrap();
    let month = chrono::Utc::now().with_timezone(&ist).format("%Y-%m").to_string();
    let report =
        env.command("tvarit-metrics").args(["report", "--month", &month, "--format", "html"]).output().unwrap();
    let report = String::from_utf8_lossy(&report.stdout);
    assert!(report.contains("Publishing and its reach"), "{report}");
    let mut by_unit: std::collections::BTreeMap<&str, [u64; 5]> = Default::default();
    for t in measured.targets.iter().filter(|t| t.status == "sent") {
        let e = t.engagement.unwrap_or_default();
        let row = by_unit.entry(t.unit.as_str()).or_default();
        for (sum, v) in row.iter_mut().zip([1, e.likes, e.reposts, e.replies, e.impressions]) {
            *sum += v;
        }
    }
    assert!(!by_unit.is_empty());
    for (unit, [posts, likes, reposts, replies, impressions]) in by_unit {
        let row = format!(
            "<td class=\"u\">{unit}</td><td>{posts}</td><td>{likes}</td><td>{reposts}</td><td>{replies}</td><td>{impressions}</td>"
        );
        assert!(report.contains(&row), "{unit}'s reach, {row}, in the report");
    }

    // Every step is in the audit log.
    let db = env.schema_pool("reply").await;
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE subject = $1 ORDER BY id")
        .bind(format!("pub-{}", draft.id))
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(actions, ["publication.compose", "publication.approve"]);
    env.cleanup(running).await;
}

/// Killed with SIGKILL while posts are on their way: after a restart the
/// interrupted targets are found on the platforms, none is posted twice and
/// none is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_survives_kill9_without_doubling() {
    let env = TestEnv::new().await;
    let (sim, accounts) = world(&env, &[]).await;
    let (reply, mut api) = start_reply(&env).await;
    let hq = env.operator("hq-desk", "hq", "*");
    // Each post is created on the platform, then answered 600 ms later: a
    // process killed in that gap never learns that its post went out.
    sim.faults(json!({ "slow_after_create_ms": 600 })).await;
    let alert = content("alert", "Heavy rain alert: avoid the Banas river causeways tonight.");
    let p = api
        .compose(authed(&hq, ComposeRequest { content: Some(alert), audience: everyone(), ..Default::default() }))
        .await
        .unwrap()
        .into_inner();
    api.approve(authed(&hq, ApprovePublicationRequest { id: p.id, fast_track: true })).await.unwrap();
    eventually(Duration::from_secs(30), "a third of the posts out", || {
        let sim = &sim;
        async move { (sim.published(false).await.len() >= 14).then_some(()) }
    })
    .await;
    reply.kill9();
    sim.faults(json!({ "slow_after_create_ms": 0 })).await;
    let db = env.schema_pool("reply").await;
    let in_flight: i64 = sqlx::query_scalar("SELECT count(*) FROM publication_targets WHERE status = 'sending'")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(in_flight > 0, "the kill caught posts in flight");
    let (reply, api) = start_reply(&env).await;
    let done = all_sent(&api, &hq, p.id, Duration::from_secs(60)).await;
    tokio::time::sleep(SETTLE).await;
    let (per, refused) = published_per_account(&sim).await;
    assert_once_each(&per, refused, &accounts, "after kill -9");
    // The sim's ids are the ones recorded, whichever process learned them.
    let ids: Vec<String> =
        sim.published(false).await.iter().map(|p| p["post_id"].as_str().unwrap().to_owned()).collect();
    assert!(done.targets.iter().all(|t| ids.contains(&t.platform_post_id)));
    env.cleanup(vec![reply]).await;
}

/// A post scheduled for a moment while tvarit-reply is down goes out within
/// two seconds of that moment once it is back, and only once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_post_fires_on_time_after_a_restart() {
    let env = TestEnv::new().await;
    let (sim, _) = world(&env, &[]).await;
    let (reply, mut api) = start_reply(&env).await;
    let (op, sup) = balotra_staff(&env);
    let at = Utc::now() + chrono::Duration::seconds(8);
    let msg = ComposeRequest {
        scheduled_at: Some(from_datetime(at)),
        submit: true,
        ..balotra_post("awareness", "Cyber fraud? Call 1930 at once.")
    };
    let p = api.compose(authed(&op, msg)).await.unwrap().into_inner();
    assert_eq!(p.state, "pending_approval");
    let approved = api.approve(authed(&sup, ApprovePublicationRequest { id: p.id, fast_track: false })).await.unwrap();
    assert_eq!(approved.into_inner().status, "scheduled");
    let calendar = api
        .list_publications(authed(&op, ListPublicationsRequest { unit: "balotra".into(), ..Default::default() }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(calendar.publications.iter().map(|p| p.id).collect::<Vec<_>>(), [p.id]);
    reply.kill9();
    // Down for a while, as after a crash: the schedule must come back from
    // the database, not from anything the dead process held.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let reply = env.start(Service::Reply).await;
    assert!(Utc::now() < at, "restarted before the post's time");
    let first = eventually(Duration::from_secs(20), "the scheduled post", || {
        let sim = &sim;
        async move { sim.published(false).await.first().cloned() }
    })
    .await;
    let posted_at: chrono::DateTime<Utc> = first["time"].as_str().unwrap().parse().unwrap();
    let late = posted_at - at;
    eprintln!("scheduled post went out {} ms after its time", late.num_milliseconds());
    assert!(late >= chrono::Duration::zero() && late <= chrono::Duration::seconds(2), "late by {late}");
    tokio::time::sleep(SETTLE).await;
    assert_eq!(sim.published(true).await.len(), 1, "once");
    env.cleanup(vec![reply]).await;
}

/// Drafts, posts awaiting approval and rejected posts never reach a
/// platform, even when their time has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unapproved_posts_never_leave() {
    let env = TestEnv::new().await;
    let (sim, _) = world(&env, &[]).await;
    let (reply, mut api) = start_reply(&env).await;
    let (op, sup) = balotra_staff(&env);
    let past = Some(from_millis((Utc::now() - chrono::Duration::seconds(5)).timestamp_millis()));
    let compose =
        |submit: bool, text: &str| ComposeRequest { scheduled_at: past, submit, ..balotra_post("achievement", text) };
    let draft = api.compose(authed(&op, compose(false, "Draft: stolen bikes recovered."))).await.unwrap().into_inner();
    let pending = api.compose(authed(&op, compose(true, "Pending: 12 phones returned."))).await.unwrap().into_inner();
    let rejected = api.compose(authed(&op, compose(true, "Rejected: gang arrested."))).await.unwrap().into_inner();
    api.reject(authed(&sup, RejectPublicationRequest { id: rejected.id, reason: "names a minor".into() }))
        .await
        .unwrap();
    // A draft is not approved (only fact-checks and alerts are fast-tracked, by HQ).
    let e = api.approve(authed(&sup, ApprovePublicationRequest { id: draft.id, fast_track: false })).await.unwrap_err();
    assert_eq!(e.code(), Code::FailedPrecondition);
    tokio::time::sleep(SETTLE * 2).await;
    assert!(sim.published(true).await.is_empty(), "nothing unapproved reached a platform");
    for (id, state) in [(draft.id, "draft"), (pending.id, "pending_approval"), (rejected.id, "rejected")] {
        let p = get(&api, &op, id).await;
        assert_eq!(p.state, state);
        assert!(p.targets.iter().all(|t| t.status == "held" && t.attempts == 0), "{:?}", p.targets);
    }
    env.cleanup(vec![reply]).await;
}

/// An operator posts only to their unit's accounts, never approves, and
/// nobody approves their own post; a supervisor approves only for units
/// they hold; a state-wide post is HQ's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_publish_only_to_their_units() {
    let env = TestEnv::new().await;
    let (sim, accounts) = world(&env, &[]).await;
    let (reply, mut api) = start_reply(&env).await;
    let (op, sup) = balotra_staff(&env);
    let other_sup = env.operator("vikram", "supervisor", "jaipur");
    let to = |audience: Option<Audience>| ComposeRequest {
        content: Some(content("awareness", "Wear a helmet.")),
        audience,
        ..Default::default()
    };
    let jaipur_account = Some(Audience { accounts: vec!["@P_jaipur".into()], ..Default::default() });
    for audience in [jaipur_account, units(&["jaipur"]), units(&["balotra", "jaipur"]), everyone()] {
        let e = api.compose(authed(&op, to(audience.clone()))).await.unwrap_err();
        assert_eq!(e.code(), Code::PermissionDenied, "{audience:?}: {}", e.message());
    }
    let own = Some(Audience { accounts: vec!["@P_balotra".into()], ..Default::default() });
    let mut msg = to(own);
    msg.submit = true;
    let p = api.compose(authed(&op, msg)).await.unwrap().into_inner();
    // Not the author; another unit's supervisor is not even shown the post.
    for (token, code) in [(&op, Code::PermissionDenied), (&other_sup, Code::NotFound)] {
        let e =
            api.approve(authed(token, ApprovePublicationRequest { id: p.id, fast_track: false })).await.unwrap_err();
        assert_eq!(e.code(), code, "{}", e.message());
    }
    let e = api.get_publication(authed(&other_sup, PublicationRef { id: p.id })).await.unwrap_err();
    assert_eq!(e.code(), Code::NotFound, "another unit's post is not shown");
    // A state-wide post: a district supervisor may not approve it, nor HQ its own.
    let hq = env.operator("hq-desk", "hq", "*");
    let mut state = to(everyone());
    state.submit = true;
    let wide = api.compose(authed(&hq, state)).await.unwrap().into_inner();
    let e = api.approve(authed(&sup, ApprovePublicationRequest { id: wide.id, fast_track: false })).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "a district supervisor: {}", e.message());
    let e = api.approve(authed(&hq, ApprovePublicationRequest { id: wide.id, fast_track: false })).await.unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "HQ does not approve its own awareness post");
    api.approve(authed(&sup, ApprovePublicationRequest { id: p.id, fast_track: false })).await.unwrap();
    let done = all_sent(&api, &op, p.id, Duration::from_secs(20)).await;
    assert_eq!(done.targets.len(), 1);
    tokio::time::sleep(SETTLE).await;
    let posted = sim.published(true).await;
    assert_eq!(posted.len(), 1);
    let balotra = accounts.iter().find(|a| a.unit == "balotra").unwrap();
    assert_eq!(posted[0]["account"].as_str().unwrap().to_lowercase(), sim_name(balotra));
    env.cleanup(vec![reply]).await;
}

/// A burst of 429s (X) and throttling (Meta code 32) during a state-wide
/// fan-out: every account gets the post, later, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_delays_but_never_drops_or_doubles() {
    let env = TestEnv::new().await;
    let (sim, accounts) = world(&env, &[]).await;
    let (reply, api) = start_reply(&env).await;
    let hq = env.operator("hq-desk", "hq", "*");
    sim.faults(json!({ "throttle_next": 20 })).await;
    // Through the command line, as HQ's desk would.
    let text = "Traffic diverted on NH-48 near Shahpura today.";
    let preview = env.desk_json(&reply, &hq, &["publish", "preview", "--kind", "alert", "--en", text, "--all"]);
    assert_eq!(preview["accounts"].as_array().unwrap().len(), 42);
    let composed = env.desk_json(&reply, &hq, &["publish", "compose", "--kind", "alert", "--en", text, "--all"]);
    let id = composed["id"].as_u64().unwrap();
    let approved = env.desk_json(&reply, &hq, &["publish", "approve", &id.to_string(), "--fast-track"]);
    assert_eq!((approved["state"].as_str(), approved["fast_tracked"].as_bool()), (Some("approved"), Some(true)));
    let p = PublicationRef { id };
    let done = all_sent(&api, &hq, p.id, Duration::from_secs(60)).await;
    let shown = env.desk_json(&reply, &hq, &["publish", "show", &id.to_string()]);
    assert_eq!(shown["status"], "published");
    let attempts: u32 = done.targets.iter().map(|t| t.attempts).sum();
    assert!(attempts >= 42 + 20, "the throttled calls were tried again: {attempts} attempts");
    let faults: Value = sim.get("/sim/faults").await;
    assert_eq!(faults["throttle_next"], 0, "every injected throttle was hit");
    tokio::time::sleep(SETTLE).await;
    let (per, refused) = published_per_account(&sim).await;
    assert_once_each(&per, refused, &accounts, "through throttling");
    env.cleanup(vec![reply]).await;
}
