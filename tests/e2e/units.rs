//! `TVARIT_UNITS`: instances that take some districts only, each unit
//! through its own durable consumer. Two instances for Balotra and one for
//! the rest, one Balotra instance `kill -9`ed mid-stream: every post still
//! becomes one case, the work of a unit is split and never crosses into an
//! instance that does not take it, and every SLA mark fires once.

use std::net::SocketAddr;
use std::time::Duration;

use async_nats::jetstream::consumer::{self, DeliverPolicy};
use sqlx::PgPool;
use tvarit_bus::{Namespace, StreamKind, StreamSettings};
use tvarit_e2e::{Running, Service, TestEnv, eventually, registry_with_sla};

use crate::crash_recovery::{assert_each_post_once, complaints, wait_for_cases};

const POSTS: usize = 1_200;
const BALOTRA: (&str, &str) = ("TVARIT_UNITS", "balotra");
const THE_REST: (&str, &str) = ("TVARIT_UNITS", "-balotra");

/// Sum of a Prometheus counter's series for one unit, from `/metrics`.
async fn counted(addr: SocketAddr, metric: &str, unit: &str) -> f64 {
    let (_, text) = crate::metrics_http::get(addr, "/metrics").await;
    let label = format!("unit=\"{unit}\"");
    text.lines()
        .filter(|l| l.starts_with(metric) && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Replays the complaints (Balotra, Jaipur and HQ in turn) at 300/s and
/// `kill -9`s the Balotra instance `victim` once 300 cases are open; then
/// every post must be one case. Returns how many Balotra posts `victim`
/// had counted in `metric`, having checked it counted none of `foreign`.
async fn replay_killing(env: &TestEnv, victim: Running, metric: &str, foreign: &str) -> f64 {
    let file = env.write_file("posts.jsonl", &complaints(POSTS));
    let mut replay = env.command("tvarit-ingest").arg("replay").arg(&file).args(["--rate", "300"]).spawn().unwrap();
    wait_for_cases(&env.schema_pool("reply").await, 300).await;
    let balotra = counted(victim.http_addr, metric, "balotra").await;
    assert_eq!(counted(victim.http_addr, metric, foreign).await, 0.0, "a Balotra instance took a {foreign} post");
    victim.kill9();
    let status = tokio::task::spawn_blocking(move || replay.wait().unwrap()).await.unwrap();
    assert!(status.success(), "replay must finish once all posts are acknowledged");
    assert_each_post_once(env, POSTS).await;
    balotra
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_instances_split_a_district_and_fire_each_sla_mark_once_across_kill9() {
    let env = TestEnv::new().await;
    let policy = "goal_seconds = 3\nbreach_seconds = 6\n\
                  escalation = [{ after_seconds = 4, to = \"shift supervisor\" }]\nshift = \"24x7\"";
    env.use_registry(&registry_with_sla(&[("balotra", policy), ("jaipur", policy)]));
    let mut running = vec![env.start(Service::Ingest).await, env.start(Service::Classify).await];
    running.push(env.start(Service::Metrics).await);
    let balotra_a = env.start_with(Service::Reply, &[BALOTRA]).await;
    let rest = env.start_with(Service::Reply, &[THE_REST]).await;
    let balotra_b = env.start_with(Service::Reply, &[BALOTRA]).await;

    let opened = "tvarit_reply_cases_opened_total";
    let a_balotra = replay_killing(&env, balotra_a, opened, "jaipur").await;
    let db = env.schema_pool("reply").await;
    let b_balotra = counted(balotra_b.http_addr, opened, "balotra").await;
    assert!(a_balotra > 0.0 && b_balotra > 0.0, "both Balotra instances took Balotra posts: {a_balotra}, {b_balotra}");
    assert_eq!(counted(rest.http_addr, opened, "balotra").await, 0.0, "the rest instance opened a Balotra case");
    assert!(counted(rest.http_addr, opened, "jaipur").await > 0.0 && counted(rest.http_addr, opened, "hq").await > 0.0);
    assert_eq!(counted(balotra_b.http_addr, opened, "hq").await, 0.0);

    // Every clocked case gets goal, escalation and breach, each once, never
    // before its deadline, whichever instance held it.
    let clocked: i64 = sqlx::query_scalar("SELECT count(*) FROM cases WHERE unit IN ('balotra', 'jaipur')")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(clocked, (POSTS * 2 / 3) as i64);
    eventually(Duration::from_secs(60), "every clocked case's three marks", || async {
        let marks: i64 = sqlx::query_scalar("SELECT count(*) FROM sla_marks").fetch_one(&db).await.ok()?;
        (marks >= clocked * 3).then_some(())
    })
    .await;
    assert_marks_once(&db, clocked).await;
    assert_published_once(&env, "sla_breached", clocked as u64).await;
    assert_published_once(&env, "sla_goal_missed", clocked as u64).await;

    running.extend([rest, balotra_b]);
    env.cleanup(running).await;
}

/// Per clocked case: the three marks, one event each, none early; no
/// marks on HQ's cases (their goal is minutes away).
async fn assert_marks_once(db: &PgPool, clocked: i64) {
    let per_kind: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT kind, count(*), count(DISTINCT case_id) FROM case_events
         WHERE kind IN ('sla_goal_missed', 'escalated', 'sla_breached') GROUP BY kind ORDER BY kind",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let expected: Vec<(String, i64, i64)> =
        ["escalated", "sla_breached", "sla_goal_missed"].iter().map(|k| (k.to_string(), clocked, clocked)).collect();
    assert_eq!(per_kind, expected, "one event of each SLA kind per clocked case");
    let early: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sla_marks WHERE fired_at < due_at").fetch_one(db).await.unwrap();
    assert_eq!(early, 0, "no mark before its deadline");
    let on_hq: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sla_marks m JOIN cases c ON c.id = m.case_id WHERE c.unit = 'hq'")
            .fetch_one(db)
            .await
            .unwrap();
    assert_eq!(on_hq, 0);
}

/// The stream holds one `<ns>.case.<kind>.*` message per clocked case.
async fn assert_published_once(env: &TestEnv, kind: &str, expected: u64) {
    let js = env.jetstream().await;
    let stream = js.get_stream(format!("{}_CASES", env.ns.to_uppercase())).await.unwrap();
    let total = eventually(Duration::from_secs(30), &format!("{expected} {kind} events"), || async {
        let mut subjects = stream.info_with_subjects(format!("{}.case.{kind}.*", env.ns)).await.ok()?;
        let mut total = 0;
        while let Some(entry) = tokio_stream::StreamExt::next(&mut subjects).await {
            total += entry.ok()?.1;
        }
        (total >= expected as usize).then_some(total)
    })
    .await;
    assert_eq!(total as u64, expected, "each {kind} event published once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classify_instances_split_a_district_and_lose_nothing_across_kill9() {
    let env = TestEnv::new().await;
    let mut running = vec![env.start(Service::Ingest).await];
    let balotra_a = env.start_with(Service::Classify, &[BALOTRA]).await;
    let rest = env.start_with(Service::Classify, &[THE_REST]).await;
    let balotra_b = env.start_with(Service::Classify, &[BALOTRA]).await;
    running.extend([env.start(Service::Reply).await, env.start(Service::Metrics).await]);

    let decided = "tvarit_classify_decisions_total";
    let a_balotra = replay_killing(&env, balotra_a, decided, "hq").await;
    let b_balotra = counted(balotra_b.http_addr, decided, "balotra").await;
    assert!(a_balotra > 0.0 && b_balotra > 0.0, "both Balotra instances took Balotra posts: {a_balotra}, {b_balotra}");
    assert_eq!(counted(rest.http_addr, decided, "balotra").await, 0.0, "the rest instance took a Balotra post");
    assert!(counted(rest.http_addr, decided, "jaipur").await > 0.0);

    running.extend([rest, balotra_b]);
    env.cleanup(running).await;
}

/// An unknown unit stops the instance at start, naming the key and the slug.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_unit_is_a_start_up_error() {
    let env = TestEnv::new().await;
    for binary in ["tvarit-reply", "tvarit-classify"] {
        let mut cmd = env.command(binary);
        cmd.arg("serve").env("TVARIT_UNITS", "balotra,jodhpr").env("RUST_BACKTRACE", "0");
        let child = tokio::process::Command::from(cmd).kill_on_drop(true).output();
        let out = tokio::time::timeout(Duration::from_secs(30), child).await.expect("exits at start").unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{binary} started with an unknown unit");
        assert!(stderr.contains("`units`") && stderr.contains("\"jodhpr\" is not a unit"), "{binary} said:\n{stderr}");
    }
    env.cleanup(Vec::new()).await;
}

/// A consumer left by an older release is brought to the declared settings:
/// the all-units consumer hands over at its ack floor and is deleted, and a
/// unit consumer with another filter is replaced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_consumers_are_replaced_by_one_per_unit_from_their_ack_floor() {
    let env = TestEnv::new().await;
    let ns = Namespace::new(&env.ns);
    let js = env.jetstream().await;
    let stream = tvarit_bus::ensure_stream(&js, &ns, StreamKind::Classified, StreamSettings::default()).await.unwrap();
    let old = |name: &str| consumer::pull::Config {
        durable_name: Some(name.into()),
        filter_subject: ns.post_classified("*"),
        ack_policy: consumer::AckPolicy::Explicit,
        ..Default::default()
    };
    let legacy: consumer::PullConsumer = stream.create_consumer(old("reply-classified")).await.unwrap();
    stream.create_consumer(old("reply-classified-balotra")).await.unwrap();
    // Three messages the old release handled (acknowledged), none a post.
    for _ in 0..3 {
        js.publish(ns.post_classified("jaipur"), "handled".into()).await.unwrap().await.unwrap();
    }
    let mut handled = legacy.fetch().max_messages(3).messages().await.unwrap();
    for _ in 0..3 {
        let msg = tokio_stream::StreamExt::next(&mut handled).await.unwrap().unwrap();
        msg.double_ack().await.unwrap();
    }

    let reply: Running = env.start(Service::Reply).await;
    let info = |name: &'static str| {
        let stream = stream.clone();
        async move { stream.consumer_info(name).await }
    };
    assert!(info("reply-classified").await.is_err(), "the all-units consumer is deleted once every unit has its own");
    let balotra = info("reply-classified-balotra").await.unwrap();
    assert_eq!(balotra.config.filter_subject, ns.post_classified("balotra"), "a drifted filter is replaced");
    let jaipur = info("reply-classified-jaipur").await.unwrap();
    assert_eq!(jaipur.config.filter_subject, ns.post_classified("jaipur"));
    assert_eq!(
        jaipur.config.deliver_policy,
        DeliverPolicy::ByStartSequence { start_sequence: 4 },
        "a unit consumer starts after what the old consumer acknowledged"
    );
    env.cleanup(vec![reply]).await;
}
