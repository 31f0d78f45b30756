//! Reply started inside the test process (`tvarit_reply::run` with an
//! `App` of the test's own: port-0 listeners, a fresh namespace on the
//! real NATS and PostgreSQL, no secrets), where the e2e suite starts the
//! binary. What it checks is what a desk client relies on at its edge: a
//! call without a token is refused, an operator's own unit answers with its
//! (empty) queue, another unit is not theirs, and a unit the registry lacks
//! is named in a clear error.

use std::net::SocketAddr;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tonic::Code;
use tonic::transport::Channel;
use tvarit_bus::Namespace;
use tvarit_config::testing;
use tvarit_proto::v1::ListQueueRequest;
use tvarit_proto::v1::desk_client::DeskClient;
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
