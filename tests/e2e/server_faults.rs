//! The servers Tvarit stands on fail under it: a node of a 3-node NATS
//! cluster dies, PostgreSQL restarts. The services carry on by themselves
//! and every post still ends as exactly one case.

use std::time::Duration;

use tvarit_e2e::{LocalPostgres, NatsCluster, TestEnv};

use crate::crash_recovery::{assert_each_post_once, complaints, wait_for_cases};

const POSTS: usize = 5_000;

/// Starts the replay of `posts` complaints at `rate` posts/s in the
/// background; killed if the test ends first.
pub(crate) fn replay(env: &TestEnv, posts: usize, rate: u32) -> tokio::process::Child {
    let file = env.write_file("posts.jsonl", &complaints(posts));
    let mut cmd = env.command("tvarit-ingest");
    cmd.arg("replay").arg(&file).args(["--rate", &rate.to_string()]);
    tokio::process::Command::from(cmd).kill_on_drop(true).spawn().unwrap()
}

/// Waits for the replay; `None` if it has not finished within two minutes.
pub(crate) async fn finished(mut replay: tokio::process::Child) -> Option<std::process::ExitStatus> {
    tokio::time::timeout(Duration::from_secs(120), replay.wait()).await.ok().map(Result::unwrap)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_node_dying_mid_run_loses_and_doubles_nothing() {
    let mut cluster = NatsCluster::start(3).await;
    let env = TestEnv::on(cluster.url(), tvarit_e2e::admin_url()).await;
    env.set_env("TVARIT_STREAM_REPLICAS", "3");
    let running = env.start_all().await;
    let replay = replay(&env, POSTS, 1_000);

    let reply_db = env.schema_pool("reply").await;
    wait_for_cases(&reply_db, 1_000).await;
    // The node most services are connected to: its death forces their
    // reconnects to the others, and elections for what it led. Not the
    // leader of INGESTED, the stream written hardest: under this load
    // nats-server 2.9.10 (Debian's; the compose image is 2.10) sometimes
    // leaves that stream leaderless for minutes after its leader is killed.
    let ingested = format!("{}_INGESTED", env.ns.to_uppercase());
    let leader = cluster.stream_leader(&env.jetstream().await, &ingested).await;
    let node = cluster.busiest_node(leader).await;
    cluster.kill(node);

    let Some(status) = finished(replay).await else {
        panic!("replay did not finish on the surviving nodes within 120 s; NATS logs:\n{}", cluster.logs());
    };
    assert!(status.success(), "replay must finish on the surviving nodes");
    assert_each_post_once(&env, POSTS).await;
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_mid_run_loses_nothing() {
    let pg = LocalPostgres::start().await;
    let env = TestEnv::on(tvarit_e2e::nats_url(), pg.admin_url()).await;
    let running = env.start_all().await;
    let replay = replay(&env, POSTS, 1_000);

    let reply_db = env.schema_pool("reply").await;
    wait_for_cases(&reply_db, 1_000).await;
    pg.restart();
    // The pool above lost its connections too; sqlx reconnects on use.

    let status = finished(replay).await.expect("replay finishes within 120 s");
    assert!(status.success(), "replay must ride out the restart");
    assert_each_post_once(&env, POSTS).await;
    // No service gave up: each is still running and stops cleanly.
    env.cleanup(running).await;
}
