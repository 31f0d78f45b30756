//! Instagram for real: a comment on the unit's media arrives by Meta's
//! webhook as `object: instagram`, becomes the unit's case, and is answered
//! through Instagram's own endpoint (`/{comment-id}/replies`) once, even
//! when reply is killed between the post and its record.

use std::time::Duration;

use serde_json::json;
use tvarit_e2e::{SETTLE, Service, Sim, TestEnv, account_toml, authed, desk_client, eventually};
use tvarit_proto::v1::ReplyRequest;

use crate::platforms::{Webhooks, accounts, balotra_cases, count, kill9_reply, wait_count, wait_sent};

const IG_ACCOUNT: &str = "17841400000000009";
const TOKEN: &str = "balotra-ig-token";

/// The sim with the unit's Instagram account, Meta's webhook pointed at
/// ingest, and the account's token for ingest and reply.
async fn instagram_sim(env: &TestEnv) -> Sim {
    let hooks = Webhooks::on_a_free_port();
    let account = format!("{IG_ACCOUNT}=balotra_police");
    let sim = Sim::start(
        &[&hooks.meta_sim_args()[..], &["--meta-page-token", TOKEN, "--instagram-account", &account]].concat(),
    )
    .await;
    let instagram = account_toml("instagram", "@balotra_police", "balotra", IG_ACCOUNT, &["webhook"]);
    env.use_accounts(&(accounts() + &instagram));
    hooks.listen_meta(env);
    env.set_env("TVARIT_META_PAGE_TOKEN_BALOTRA_POLICE", TOKEN);
    sim
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instagram_comment_becomes_a_case_and_is_answered_once() {
    let env = TestEnv::new().await;
    let sim = instagram_sim(&env).await;
    env.set_env("TVARIT_REPLY_META_API_BASE", format!("{}/v21.0", sim.url()));
    env.set_env("TVARIT_REPLY_IN_FLIGHT_TIMEOUT_SECONDS", "2");
    let mut running = env.start_all().await;
    let reply_db = env.schema_pool("reply").await;

    // Two people: a second comment by the same person would join their open case.
    let comment = |who: &str, text: &str| json!({ "text": text, "platform": "instagram", "author": { "handle": who } });
    sim.post(comment("@asha_j", "बालोतरा मंडी रोड पर अभी चेन स्नैचिंग हुई, बाइक पर दो लड़के थे")).await;
    sim.post(comment(
        "@ravi_b",
        "Balotra bus stand ke paas raat ko sharabi pareshan karte hain, kripya gasht badhayein",
    ))
    .await;
    wait_count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'instagram' AND unit = 'balotra'", 2).await;

    let token = env.operator("balotra-ig-op", "operator", "balotra");
    let desk = desk_client(&running[2]).await;
    let cases = balotra_cases(&desk, &token).await;
    let post = cases[0].post.as_ref().unwrap();
    assert!(post.author.as_ref().unwrap().handle.starts_with('@'), "the commenter's username is kept: {post:?}");
    let reply = |docket: String, text: &'static str| {
        let (mut desk, token) = (desk.clone(), token.clone());
        async move { desk.reply(authed(&token, ReplyRequest { docket, text: text.into(), private: false })).await.unwrap() }
    };
    let replies_to = |id: String| {
        let sim = &sim;
        async move { sim.replies().await.iter().filter(|r| r["in_reply_to"] == id.as_str()).count() }
    };

    // 1. Answered through /{comment-id}/replies, as the account.
    reply(cases[0].docket.clone(), "Balotra Police: a patrol is on its way, please DM the time.").await;
    let case = wait_sent(&desk, &token, &cases[0].docket).await;
    assert!(case.first_reply_at.is_some());
    let on_sim = sim.replies().await;
    let r = on_sim.iter().find(|r| r["in_reply_to"] == post.post_id.as_str()).expect("the reply on Instagram");
    assert_eq!((r["platform"].as_str(), r["account"].as_str()), (Some("instagram"), Some(IG_ACCOUNT)));

    // 2. Killed after Instagram has the reply, before it is recorded: found
    // on the comment's replies, not posted again.
    sim.faults(json!({ "slow_after_create_ms": 4000 })).await;
    let second = cases[1].post.as_ref().unwrap().post_id.clone();
    reply(cases[1].docket.clone(), "Balotra Police: night patrol at the bus stand from today.").await;
    eventually(Duration::from_secs(20), "the reply on Instagram", || {
        let fut = replies_to(second.clone());
        async move { (fut.await == 1).then_some(()) }
    })
    .await;
    kill9_reply(&mut running, &sim).await;
    running.insert(2, env.start(Service::Reply).await);
    wait_sent(&desk_client(&running[2]).await, &token, &cases[1].docket).await;
    tokio::time::sleep(SETTLE).await;
    assert_eq!(replies_to(second).await, 1, "posted once, not again after the crash");
    // The account's own replies came back by webhook too, and opened nothing.
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 2);
    env.cleanup(running).await;
}

/// An @mention of the account in someone's comment on their own media comes
/// as ids only: ingest reads the words back with the account's token (a
/// throttled read is retried by Meta's next delivery), the mention becomes
/// the unit's case, and the reply goes through `/{ig-user-id}/mentions`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instagram_mention_is_read_back_and_answered_on_the_authors_media() {
    let env = TestEnv::new().await;
    let sim = instagram_sim(&env).await;
    env.set_env("TVARIT_INGEST_META_API_BASE", format!("{}/v21.0", sim.url()));
    env.set_env("TVARIT_REPLY_META_API_BASE", format!("{}/v21.0", sim.url()));
    let running = env.start_all().await;
    let reply_db = env.schema_pool("reply").await;

    // The first read back is throttled: ingest answers 503 and the mention
    // comes with Meta's next delivery.
    sim.faults(json!({ "throttle_next": 1 })).await;
    let text = "@balotra_police pachpadra road par raat se truck khada hai, rasta band hai";
    let mention = json!({ "text": text, "platform": "instagram", "mention": true, "mentions": ["@balotra_police"],
                          "author": { "handle": "@kiran_m" } });
    let published = sim.post(mention).await;
    let comment_id = published["id"].as_str().unwrap().to_owned();
    wait_count(&reply_db, "SELECT count(*) FROM cases WHERE platform = 'instagram'", 1).await;

    let token = env.operator("balotra-ig-mentions", "operator", "balotra");
    let mut desk = desk_client(&running[2]).await;
    let case = balotra_cases(&desk, &token).await.remove(0);
    let post = case.post.as_ref().unwrap();
    assert_eq!((post.post_id.as_str(), post.text.as_str()), (comment_id.as_str(), text));
    assert_eq!(
        (post.source.as_str(), post.author.as_ref().unwrap().handle.as_str()),
        ("instagram-mention", "@kiran_m")
    );

    let reply = "Balotra Police: Pachpadra thane ki gaadi raste par bheji gayi hai.";
    let req = ReplyRequest { docket: case.docket.clone(), text: reply.into(), private: false };
    desk.reply(authed(&token, req)).await.unwrap();
    wait_sent(&desk, &token, &case.docket).await;
    tokio::time::sleep(SETTLE).await;
    let on_sim: Vec<_> = sim.replies().await.into_iter().filter(|r| r["in_reply_to"] == comment_id.as_str()).collect();
    assert_eq!(on_sim.len(), 1, "{on_sim:?}");
    assert_eq!((on_sim[0]["account"].as_str(), on_sim[0]["text"].as_str()), (Some(IG_ACCOUNT), Some(reply)));
    // The reply came back by webhook as the account's own comment: no new case.
    assert_eq!(count(&reply_db, "SELECT count(*) FROM cases").await, 1);
    env.cleanup(running).await;
}
