//! Ingest started inside the test process (`tvarit_ingest::run` with an
//! `App` of the test's own: port-0 listeners, a fresh namespace on the
//! real NATS and PostgreSQL, a webhook secret handed in rather than read
//! from the environment), where the e2e suite starts the binary. What it
//! checks is what a bridge relies on: a signed post is archived and
//! published once, a repeat is answered as a duplicate, and a bad
//! signature is refused with nothing published; and, with a NATS sync
//! window, a post NATS lost in a power cut is published again.

use std::net::SocketAddr;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;
use tvarit_config::{Common, SecretString, testing};
use tvarit_ingest::config::IngestConfig;
use tvarit_ingest::{App, Listeners, Secrets};

const SECRET: &str = "in-process-secret";

struct TestApp {
    http: SocketAddr,
    common: Common,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    client: reqwest::Client,
}

async fn spawn_app() -> TestApp {
    spawn_app_with(IngestConfig { common: testing::common("i"), ..Default::default() }).await
}

async fn spawn_app_with(config: IngestConfig) -> TestApp {
    let listeners = Listeners { http: testing::free_port().await, grpc: testing::free_port().await };
    let http = listeners.http.local_addr().unwrap();
    let secrets = Secrets { webhook: Some(SecretString::from(SECRET)), ..Default::default() };
    // A recorder of this app's own: the process-wide one is not installed.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let common = config.common.clone();
    let shutdown = CancellationToken::new();
    let registry = config.common.registry().unwrap();
    let app = App { config, registry, listeners, secrets, migrate: true, metrics };
    let task = tokio::spawn(tvarit_ingest::run(app, shutdown.clone()));
    let client = tvarit_platforms::http_client();
    let t = TestApp { http, common, shutdown, task, client };
    t.wait_ready().await;
    t
}

fn sign(body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

impl TestApp {
    async fn wait_ready(&self) {
        let url = format!("http://{}/healthz", self.http);
        for _ in 0..200 {
            assert!(!self.task.is_finished(), "ingest stopped while starting");
            if self.client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("ingest did not answer {url} in 10 s");
    }

    async fn post(&self, body: &str, signature: &str) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(format!("http://{}/v1/posts", self.http))
            .header("x-tvarit-signature", signature)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, serde_json::from_slice(&r.bytes().await.unwrap()).unwrap_or_default())
    }

    async fn ingested_messages(&self) -> u64 {
        let js = async_nats::jetstream::new(async_nats::connect(&self.common.nats_url).await.unwrap());
        let name = tvarit_bus::Namespace::new(&self.common.namespace).stream_name("ingested");
        js.get_stream(&name).await.unwrap().info().await.unwrap().state.messages
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.task).await.expect("ingest stops").unwrap().unwrap();
        let js = async_nats::jetstream::new(async_nats::connect(&self.common.nats_url).await.unwrap());
        let ns = tvarit_bus::Namespace::new(&self.common.namespace);
        let _ = js.delete_stream(ns.stream_name("ingested")).await;
        testing::drop_schema(&self.common, &ns.schema("ingest")).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_post_is_published_once_and_a_bad_signature_publishes_nothing() {
    let app = spawn_app().await;
    let body =
        r#"{"id":"inproc-1","platform":"x","text":"@SP_Balotra mera phone chori ho gaya","mentions":["@SP_Balotra"]}"#;

    let (status, json) = app.post(body, &sign(body.as_bytes())).await;
    assert_eq!(status, 202, "{json}");
    assert_eq!((json["duplicate"].as_bool(), json["unit"].as_str()), (Some(false), Some("balotra")));

    let (status, json) = app.post(body, &sign(body.as_bytes())).await;
    assert_eq!((status, json["duplicate"].as_bool()), (202, Some(true)), "a repeat is a duplicate: {json}");

    let other = body.replace("inproc-1", "inproc-2");
    let (status, json) = app.post(&other, &sign(body.as_bytes())).await;
    assert_eq!((status, json["error"].as_str()), (401, Some("bad_signature")));

    assert_eq!(app.ingested_messages().await, 1, "one post published, the repeat and the forgery not");
    app.stop().await;
}

/// A power cut within the NATS sync window: ingest dies holding a post's
/// pending row, and NATS comes back without the post (its unsynced tail and
/// dedupe state gone). The next ingest publishes the post again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_nats_lost_in_a_power_cut_within_the_sync_window_is_published_again() {
    let mut config = IngestConfig { common: testing::common("w"), ..Default::default() };
    config.common.nats_sync_window_seconds = 2.0;
    config.ingest_republish_after_seconds = 1.0;
    let ns = tvarit_bus::Namespace::new(&config.common.namespace);
    let post = tvarit_proto::v1::Post {
        platform: "x".into(),
        post_id: "power-cut-1".into(),
        unit: "balotra".into(),
        text: "@SP_Balotra chori ki report".into(),
        ..Default::default()
    };

    // The ingest that loses power: its own runtime, dropped mid-window.
    let crashed = {
        let config = config.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let outcome = runtime.block_on(async {
                let (acceptor, _) = tvarit_ingest::connect(&config, true).await.unwrap();
                acceptor.accept(std::slice::from_ref(&post)).await.unwrap()
            });
            runtime.shutdown_background();
            outcome
        })
    };
    assert_eq!(crashed.join().unwrap(), vec![tvarit_ingest::accept::Outcome::New]);
    let db = sqlx::PgPool::connect(&config.common.database_url).await.unwrap();
    let pending: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT count(*) FROM \"{}\".posts_pending",
        ns.schema("ingest")
    )))
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(pending, 1, "an acknowledged post keeps its pending row through the sync window");

    // NATS restarts without its unsynced tail: the stream comes back empty.
    let js = async_nats::jetstream::new(async_nats::connect(&config.common.nats_url).await.unwrap());
    js.delete_stream(ns.stream_name("ingested")).await.unwrap();

    let app = spawn_app_with(config).await;
    let mut published = 0;
    for _ in 0..100 {
        published = app.ingested_messages().await;
        if published > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(published, 1, "the sweeper published the lost post again");
    app.stop().await;
}
