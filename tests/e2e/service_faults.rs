//! Faults under load, each bounded in time: every service `kill -9`ed in
//! turn while a platform keeps posting; NATS restarted; JetStream's store
//! full; a live-queue client that stops reading. Nothing is lost, nothing
//! is doubled, and nobody else waits.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio_stream::StreamExt;
use tvarit_e2e::{NatsCluster, SERVICES, Service, TestEnv, authed, desk_client, eventually, sign, try_post_raw};
use tvarit_proto::v1::WatchQueueRequest;

use crate::crash_recovery::{assert_each_post_once, complaints, wait_for_cases};
use crate::server_faults::{finished, replay};

const SENDERS: usize = 3;

/// Posts every line to ingest's signed endpoint as a platform's webhook
/// does: retried until ingest answers 2xx, following ingest to its new
/// address after a restart. Returns how many answers were 503 (pushed back).
fn post_all(secret: &str, ingest: watch::Receiver<SocketAddr>, lines: Vec<String>) -> tokio::task::JoinHandle<usize> {
    let lines = Arc::new(lines);
    let pushed_back = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|k| {
            let (lines, ingest, secret, pushed_back) =
                (lines.clone(), ingest.clone(), secret.to_owned(), pushed_back.clone());
            tokio::spawn(async move {
                for line in lines.iter().skip(k).step_by(SENDERS) {
                    let sig = sign(&secret, line.as_bytes());
                    loop {
                        let to = *ingest.borrow();
                        let headers = [("X-Tvarit-Signature", sig.as_str())];
                        match try_post_raw(to, "/v1/posts", &headers, line.as_bytes()).await {
                            Ok(r) if (200..300).contains(&r.status) => break,
                            Ok(r) if r.status == 503 => _ = pushed_back.fetch_add(1, Ordering::Relaxed),
                            _ => {}
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            })
        })
        .collect();
    tokio::spawn(async move {
        for s in senders {
            s.await.unwrap();
        }
        pushed_back.load(Ordering::Relaxed)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_service_killed_in_turn_under_load_loses_and_doubles_nothing() {
    const POSTS: usize = 2_000;
    let env = TestEnv::new().await;
    env.set_env("TVARIT_INGEST_REPUBLISH_AFTER_SECONDS", "3");
    let mut running = env.start_all().await;
    let (ingest_tx, ingest_rx) = watch::channel(running[0].http_addr);
    let load = post_all(&env.webhook_secret, ingest_rx, complaints(POSTS));

    let reply_db = env.schema_pool("reply").await;
    for (i, service) in SERVICES.iter().enumerate() {
        wait_for_cases(&reply_db, 200 + 400 * i as i64).await;
        let victim = running.remove(i);
        assert_eq!(victim.service, *service);
        victim.kill9();
        let restarted = env.start(*service).await;
        if *service == Service::Ingest {
            ingest_tx.send(restarted.http_addr).unwrap();
        }
        running.insert(i, restarted);
    }
    load.await.unwrap();
    assert_each_post_once(&env, POSTS).await;
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_restarted_under_load_loses_and_doubles_nothing() {
    const POSTS: usize = 3_000;
    let mut nats = NatsCluster::start(1).await;
    let env = TestEnv::on(nats.url(), tvarit_e2e::admin_url()).await;
    env.set_env("TVARIT_INGEST_REPUBLISH_AFTER_SECONDS", "3");
    let running = env.start_all().await;
    let replay = replay(&env, POSTS, 600);

    let reply_db = env.schema_pool("reply").await;
    wait_for_cases(&reply_db, 800).await;
    nats.restart(0).await;

    let status = finished(replay).await.expect("replay finishes within 120 s");
    assert!(status.success(), "replay rides out the broker's restart");
    assert_each_post_once(&env, POSTS).await;
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_jetstream_store_pushes_back_raises_the_alarm_and_loses_nothing() {
    const POSTS: usize = 1_500;
    const SMALL: &str = "max_file_store: 256KB";
    let mut nats = NatsCluster::start_with(1, SMALL).await;
    let env = TestEnv::on(nats.url(), tvarit_e2e::admin_url()).await;
    env.set_env("TVARIT_INGEST_REPUBLISH_AFTER_SECONDS", "3");
    let running = env.start_all().await;
    let (_ingest_tx, ingest_rx) = watch::channel(running[0].http_addr);
    let load = post_all(&env.webhook_secret, ingest_rx, complaints(POSTS));

    // The store fills: the service that cannot publish says so, on its
    // /metrics (the alert rule's input) and in its log.
    let addrs: Vec<SocketAddr> = running.iter().map(|r| r.http_addr).collect();
    let alarmed = eventually(Duration::from_secs(60), "the store-full alarm", || {
        let addrs = addrs.clone();
        async move {
            for (i, addr) in addrs.into_iter().enumerate() {
                let text = crate::metrics_http::get(addr, "/metrics").await.1;
                if text.contains("tvarit_jetstream_publish_failures_total{reason=\"store_full\"}") {
                    return Some(i);
                }
            }
            None
        }
    })
    .await;
    let log = std::fs::read_to_string(&running[alarmed].log).unwrap();
    assert!(log.contains("JetStream storage is full"), "no clear alarm in the log:\n{log}");
    // Ingest pushes back instead of acknowledging posts it cannot queue.
    eventually(Duration::from_secs(60), "ingest meeting the full store", || async {
        let text = crate::metrics_http::get(addrs[0], "/metrics").await.1;
        text.contains("tvarit_jetstream_publish_failures_total{reason=\"store_full\"}").then_some(())
    })
    .await;
    assert!(!load.is_finished(), "posts kept being accepted into a full store");

    // The operator gives JetStream room; everything waiting flows, once.
    nats.restart_with(0, SMALL, "max_file_store: 1GB").await;
    let pushed_back = load.await.unwrap();
    assert!(pushed_back > 0, "ingest never answered 503 while the store was full");
    assert_each_post_once(&env, POSTS).await;
    env.cleanup(running).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_client_that_stops_reading_slows_nobody() {
    const POSTS: usize = 3_000;
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let token = env.operator("hq-watch", "hq", "*");
    let watch = |unit: &'static str| {
        let token = token.clone();
        let reply = &running[2];
        async move {
            // Each watcher on a connection of its own, as each desk PC is.
            let mut desk = desk_client(reply).await;
            desk.watch_queue(authed(&token, WatchQueueRequest { unit: unit.into() })).await.unwrap().into_inner()
        }
    };
    let stalled = stalled_watch(&running[2], &token).await;
    let mut reader = watch("balotra").await;
    let file = env.write_file("posts.jsonl", &complaints_for("@SP_Balotra", POSTS));
    assert!(env.replay(&file).status.success());

    // The reading client sees every case while the other reads nothing.
    let mut seen = 0;
    let got_all = tokio::time::timeout(Duration::from_secs(90), async {
        while seen < POSTS {
            let update = reader.next().await.expect("stream open").expect("no error for a reader");
            if !update.snapshot && update.kind == tvarit_proto::v1::CaseEventKind::Opened as i32 {
                seen += 1;
            }
        }
    })
    .await;
    assert!(got_all.is_ok(), "the reading client got {seen} of {POSTS} cases");

    // The stalled client was cut off instead of being buffered for ever.
    let mut stalled = stalled;
    let mut ended_with = None;
    while let Ok(Some(item)) = tokio::time::timeout(Duration::from_secs(10), stalled.next()).await {
        if let Err(status) = item {
            ended_with = Some(status.code());
            break;
        }
    }
    assert_eq!(ended_with, Some(tonic::Code::ResourceExhausted), "a client that stops reading is dropped");
    env.cleanup(running).await;
}

/// A Balotra watcher whose program stops reading, with the HTTP/2 receive
/// windows of a modest client (64 KiB), so the server sees it stall soon.
async fn stalled_watch(reply: &tvarit_e2e::Running, token: &str) -> tonic::Streaming<tvarit_proto::v1::QueueUpdate> {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", reply.grpc_addr))
        .unwrap()
        .initial_stream_window_size(65_535)
        .initial_connection_window_size(65_535)
        .connect()
        .await
        .unwrap();
    let mut desk = tvarit_proto::v1::desk_client::DeskClient::new(channel);
    desk.watch_queue(authed(token, WatchQueueRequest { unit: "balotra".into() })).await.unwrap().into_inner()
}

/// `posts` complaints all to one account.
fn complaints_for(handle: &str, posts: usize) -> Vec<String> {
    (0..posts)
        .map(|i| {
            tvarit_e2e::post_line(
                &format!("s{i:05}"),
                &format!("{handle} complaint {i}: my mobile was stolen"),
                &[handle],
                None,
            )
        })
        .collect()
}
