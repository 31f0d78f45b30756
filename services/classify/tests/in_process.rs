//! Classify started inside the test process (`tvarit_classify::run` with an
//! `App` of the test's own: port-0 listeners, a fresh namespace on the real
//! NATS and PostgreSQL), where the e2e suite starts the binary. It checks
//! what reply relies on: an ingested post comes out classified, once, on
//! its unit's subject, even when ingest publishes it twice.

use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use futures::StreamExt;
use prost::Message;
use tokio_util::sync::CancellationToken;
use tvarit_bus::Namespace;
use tvarit_classify::config::ClassifyConfig;
use tvarit_classify::{App, Listeners};
use tvarit_config::{Common, testing};
use tvarit_proto::v1::{Author, ClassifiedPost, Post};

struct TestApp {
    ns: Namespace,
    js: jetstream::Context,
    common: Common,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn spawn_app() -> TestApp {
    let config = ClassifyConfig { common: testing::common("c"), ..Default::default() };
    let listeners = Listeners { http: testing::free_port().await, grpc: testing::free_port().await };
    // A recorder of this app's own: the process-wide one is not installed.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let ns = Namespace::new(&config.common.namespace);
    let js = jetstream::new(async_nats::connect(&config.common.nats_url).await.unwrap());
    let common = config.common.clone();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(tvarit_classify::run(App { config, listeners, migrate: true, metrics }, shutdown.clone()));
    let app = TestApp { ns, js, common, shutdown, task };
    app.wait_for_consumer("classify-ingested-balotra").await;
    app
}

impl TestApp {
    /// Ready once its durable consumer for the unit exists.
    async fn wait_for_consumer(&self, name: &str) {
        for _ in 0..200 {
            assert!(!self.task.is_finished(), "classify stopped while starting");
            if let Ok(s) = self.js.get_stream(self.ns.stream_name("ingested")).await
                && s.consumer_info(name).await.is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("classify declared no consumer {name} in 10 s");
    }

    async fn publish_ingested(&self, post: &Post) {
        let subject = self.ns.post_ingested(&post.unit);
        let headers = tvarit_bus::publish_headers(&format!("{}:{}", post.platform, post.post_id));
        let ack = self.js.publish_with_headers(subject, headers, post.encode_to_vec().into()).await.unwrap();
        ack.await.unwrap();
    }

    /// Every message on the classified stream, read by an ephemeral consumer.
    async fn classified(&self) -> Vec<(String, ClassifiedPost)> {
        let stream = self.js.get_stream(self.ns.stream_name("classified")).await.unwrap();
        let c = stream.create_consumer(consumer::pull::Config::default()).await.unwrap();
        let mut batch = c.fetch().max_messages(100).expires(Duration::from_millis(500)).messages().await.unwrap();
        let mut out = Vec::new();
        while let Some(m) = batch.next().await {
            let m = m.unwrap();
            out.push((m.subject.to_string(), ClassifiedPost::decode(m.payload.as_ref()).unwrap()));
        }
        out
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.task).await.expect("classify stops").unwrap().unwrap();
        for kind in ["ingested", "classified", "cases"] {
            let _ = self.js.delete_stream(self.ns.stream_name(kind)).await;
        }
        testing::drop_schema(&self.common, &self.ns.schema("classify")).await;
    }
}

fn complaint() -> Post {
    let now = tvarit_proto::time::from_millis(chrono::Utc::now().timestamp_millis());
    Post {
        platform: "x".into(),
        post_id: "inproc-1".into(),
        text: "@SP_Balotra Balotra me kal raat meri motorcycle chori ho gayi, thane me FIR nahi likh rahe".into(),
        mentions: vec!["@SP_Balotra".into()],
        author: Some(Author { id: "u1".into(), handle: "citizen1".into(), name: String::new() }),
        created_at: Some(now),
        received_at: Some(now),
        account: "@SP_Balotra".into(),
        unit: "balotra".into(),
        source: "webhook".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingested_post_comes_out_classified_once_on_its_units_subject() {
    let app = spawn_app().await;
    let post = complaint();
    app.publish_ingested(&post).await;
    app.publish_ingested(&post).await;

    for _ in 0..100 {
        if !app.classified().await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for a second copy to arrive, were one to be published.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = app.classified().await;
    assert_eq!(all.len(), 1, "one classified post for two publishes of one post");
    let (subject, cp) = &all[0];
    assert_eq!(subject, &app.ns.post_classified("balotra"));
    let c = cp.classification.as_ref().expect("a classification");
    assert_eq!((c.unit.as_str(), c.category().slug()), ("balotra", "complaint"), "{c:?}");
    assert_eq!(cp.post.as_ref().map(|p| p.post_id.as_str()), Some("inproc-1"));
    app.stop().await;
}
