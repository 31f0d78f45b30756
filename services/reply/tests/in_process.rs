//! Reply started inside the test process (`tvarit_reply::run` with an
//! `App` of the test's own: port-0 listeners, a fresh namespace on the
//! real NATS and PostgreSQL, no secrets), where the e2e suite starts the
//! binary. What it checks is what a desk client relies on at its edge: a
//! call without a token is refused, an operator's own unit answers with its
//! (empty) queue, another unit is not theirs, and a unit the registry lacks
//! is named in a clear error; and a classified post delivered twice is one
//! case in its unit's queue.

use std::net::SocketAddr;
use std::time::Duration;

use prost::Message;
use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;
use tvarit_bus::Namespace;
use tvarit_config::testing;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Classification, ClassifiedPost, ListQueueRequest, Post};
use tvarit_proto::{Category, Urgency};
use tvarit_reply::config::ReplyConfig;
use tvarit_reply::store::operators;
use tvarit_reply::{App, Listeners, Secrets};

struct TestApp {
    config: ReplyConfig,
    http: SocketAddr,
    grpc: SocketAddr,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn spawn_app() -> TestApp {
    let config = ReplyConfig { common: testing::common("r"), ..Default::default() };
    let listeners = Listeners { http: testing::free_port().await, grpc: testing::free_port().await };
    let (http, grpc) = (listeners.http.local_addr().unwrap(), listeners.grpc.local_addr().unwrap());
    // A recorder of this app's own: the process-wide one is not installed.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let registry = config.common.registry().unwrap();
    let shutdown = CancellationToken::new();
    let app = App { config: config.clone(), registry, listeners, secrets: Secrets::default(), migrate: true, metrics };
    let task = tokio::spawn(tvarit_reply::run(app, shutdown.clone()));
    let t = TestApp { config, http, grpc, shutdown, task };
    t.wait_ready().await;
    t
}

impl TestApp {
    async fn wait_ready(&self) {
        let url = format!("http://{}/healthz", self.http);
        let client = tvarit_platforms::http_client();
        for _ in 0..200 {
            assert!(!self.task.is_finished(), "reply stopped while starting");
            if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("reply did not answer {url} in 10 s");
    }

    /// An operator of `units`, added as `tvarit-reply operators add` does; their token.
    async fn operator(&self, name: &str, units: &[&str]) -> String {
        let pool = tvarit_reply::open_database(&self.config, false).await.unwrap();
        let units: Vec<String> = units.iter().map(|u| u.to_string()).collect();
        operators::add(&pool, name, "operator", &units, "test").await.unwrap()
    }

    async fn desk(&self) -> DeskClient<Channel> {
        DeskClient::connect(format!("http://{}", self.grpc)).await.unwrap()
    }

    /// Publishes `post` on its unit's classified subject, as classify does.
    async fn publish_classified(&self, post: &ClassifiedPost, msg_id: &str) {
        let js = async_nats::jetstream::new(async_nats::connect(&self.config.common.nats_url).await.unwrap());
        let subject = Namespace::new(&self.config.common.namespace).post_classified("balotra");
        let headers = tvarit_bus::publish_headers(msg_id);
        js.publish_with_headers(subject, headers, post.encode_to_vec().into()).await.unwrap().await.unwrap();
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.task).await.expect("reply stops").unwrap().unwrap();
        let js = async_nats::jetstream::new(async_nats::connect(&self.config.common.nats_url).await.unwrap());
        let ns = Namespace::new(&self.config.common.namespace);
        for kind in ["classified", "cases"] {
            let _ = js.delete_stream(ns.stream_name(kind)).await;
        }
        testing::drop_schema(&self.config.common, &ns.schema("reply")).await;
    }
}

fn queue_of(unit: &str, token: Option<&str>) -> tonic::Request<ListQueueRequest> {
    let mut req = tonic::Request::new(ListQueueRequest { unit: unit.into(), ..Default::default() });
    if let Some(token) = token {
        req.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    req
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desk_answers_an_operators_own_queue_and_refuses_the_rest() {
    let app = spawn_app().await;
    let token = app.operator("asha", &["balotra"]).await;
    let mut desk = app.desk().await;

    let anonymous = desk.list_queue(queue_of("balotra", None)).await.unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated, "{anonymous:?}");

    let queue = desk.list_queue(queue_of("balotra", Some(&token))).await.unwrap().into_inner();
    assert!(queue.cases.is_empty(), "a fresh namespace has no cases: {:?}", queue.cases);

    let other = desk.list_queue(queue_of("jodhpur", Some(&token))).await.unwrap_err();
    assert_eq!(other.code(), Code::PermissionDenied, "{other:?}");

    let unknown = desk.list_queue(queue_of("atlantis", Some(&token))).await.unwrap_err();
    assert_eq!(unknown.code(), Code::InvalidArgument, "{unknown:?}");
    assert!(unknown.message().contains("unknown unit \"atlantis\""), "{}", unknown.message());

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classified_post_delivered_twice_is_one_case_in_its_units_queue() {
    let app = spawn_app().await;
    let token = app.operator("asha", &["balotra"]).await;
    let mut desk = app.desk().await;
    let post = ClassifiedPost {
        post: Some(Post {
            platform: "x".into(),
            post_id: "inproc-1".into(),
            text: "@SP_Balotra mera phone chori ho gaya".into(),
            unit: "balotra".into(),
            created_at: Some(tvarit_proto::time::from_millis(chrono::Utc::now().timestamp_millis())),
            ..Default::default()
        }),
        classification: Some(Classification {
            category: Category::Complaint as i32,
            urgency: Urgency::Normal as i32,
            language: "hi-Latn".into(),
            unit: "balotra".into(),
            ..Default::default()
        }),
    };
    // Two message ids: the bus lets both through, and the case key absorbs the repeat.
    app.publish_classified(&post, "classified-1").await;
    app.publish_classified(&post, "classified-1-again").await;

    for _ in 0..100 {
        if !desk.list_queue(queue_of("balotra", Some(&token))).await.unwrap().into_inner().cases.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Time for the repeat to arrive, were it to open a second case.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cases = desk.list_queue(queue_of("balotra", Some(&token))).await.unwrap().into_inner().cases;
    assert_eq!(cases.len(), 1, "one case for the post: {cases:?}");
    let post = cases[0].post.as_ref().expect("the case carries its post");
    assert_eq!((cases[0].unit.as_str(), post.post_id.as_str()), ("balotra", "inproc-1"));
    app.stop().await;
}
