//! Metrics started inside the test process (`tvarit_metrics::run` with an
//! `App` of the test's own: port-0 listeners, a fresh namespace on the real
//! NATS and PostgreSQL), where the e2e suite starts the binary. It checks
//! what HQ's ranking relies on: a case opened and answered 90 s after the
//! post counts once for its unit, with that first-response time, even when
//! reply publishes its events twice; and an upgrade deletes the consumer
//! of every ingested post that releases before kept for the lag histogram.

use std::time::Duration;

use async_nats::jetstream;
use chrono::{DateTime, Utc};
use prost::Message;
use tokio_util::sync::CancellationToken;
use tvarit_bus::Namespace;
use tvarit_config::testing;
use tvarit_metrics::config::MetricsConfig;
use tvarit_metrics::{App, Listeners};
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::{Case, CaseEvent, CaseEventKind, CaseState, Post};

struct TestApp {
    config: MetricsConfig,
    ns: Namespace,
    js: jetstream::Context,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn spawn_app() -> TestApp {
    spawn_app_with(MetricsConfig { common: testing::common("m"), ..Default::default() }).await
}

async fn spawn_app_with(config: MetricsConfig) -> TestApp {
    let listeners = Listeners { http: testing::free_port().await, grpc: testing::free_port().await };
    // A recorder of this app's own: the process-wide one is not installed.
    let metrics = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder().handle();
    let ns = Namespace::new(&config.common.namespace);
    let js = jetstream::new(async_nats::connect(&config.common.nats_url).await.unwrap());
    let shutdown = CancellationToken::new();
    let app = App { config: config.clone(), listeners, migrate: true, metrics };
    let task = tokio::spawn(tvarit_metrics::run(app, shutdown.clone()));
    let app = TestApp { config, ns, js, shutdown, task };
    app.wait_for_consumer().await;
    app
}

impl TestApp {
    async fn wait_for_consumer(&self) {
        for _ in 0..200 {
            assert!(!self.task.is_finished(), "metrics stopped while starting");
            if let Ok(s) = self.js.get_stream(self.ns.stream_name("cases")).await
                && s.consumer_info(tvarit_metrics::consumers::CASES).await.is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("metrics declared no consumer on the cases stream in 10 s");
    }

    async fn publish(&self, event: &CaseEvent, kind: &str) {
        let subject = self.ns.case_event(kind, "balotra");
        let headers = tvarit_bus::publish_headers(&format!("case-event-{}", event.event_id));
        let ack = self.js.publish_with_headers(subject, headers, event.encode_to_vec().into()).await.unwrap();
        ack.await.unwrap();
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.task).await.expect("metrics stops").unwrap().unwrap();
        for kind in ["ingested", "cases"] {
            let _ = self.js.delete_stream(self.ns.stream_name(kind)).await;
        }
        testing::drop_schema(&self.config.common, &self.ns.schema("metrics")).await;
    }
}

fn ts(t: DateTime<Utc>) -> Option<prost_types::Timestamp> {
    Some(from_millis(t.timestamp_millis()))
}

fn event(id: i64, kind: CaseEventKind, posted: DateTime<Utc>, replied: Option<DateTime<Utc>>) -> CaseEvent {
    let post = Post {
        platform: "x".into(),
        post_id: "inproc-1".into(),
        text: "@SP_Balotra meri motorcycle chori ho gayi".into(),
        account: "@SP_Balotra".into(),
        unit: "balotra".into(),
        created_at: ts(posted),
        received_at: ts(posted),
        ..Default::default()
    };
    CaseEvent {
        event_id: id,
        kind: kind as i32,
        at: ts(replied.unwrap_or(posted)),
        actor: "ramesh".into(),
        case: Some(Case {
            docket: "BLT-2612-00001".into(),
            unit: "balotra".into(),
            category: tvarit_proto::Category::Complaint as i32,
            state: if replied.is_some() { CaseState::InProcess } else { CaseState::Open } as i32,
            opened_at: ts(posted),
            first_reply_at: replied.and_then(ts),
            post: Some(post),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_case_counts_once_with_its_first_response_time() {
    let app = spawn_app().await;
    let posted = Utc::now() - chrono::Duration::seconds(120);
    let replied = posted + chrono::Duration::seconds(90);
    let opened = event(1, CaseEventKind::Opened, posted, None);
    let answered = event(2, CaseEventKind::Replied, posted, Some(replied));
    for e in [&opened, &answered, &opened, &answered] {
        let kind = if e.event_id == 1 { "opened" } else { "replied" };
        app.publish(e, kind).await;
    }

    let pool = tvarit_metrics::open_database(&app.config, false).await.unwrap();
    let registry = app.config.common.registry().unwrap();
    let settings = tvarit_metrics::board_settings(&app.config, &registry);
    let month = posted.with_timezone(&registry.time_zone()).format("%Y-%m").to_string();
    let mut row = None;
    for _ in 0..100 {
        let board = tvarit_metrics::leaderboard::leaderboard(&pool, &month, &settings).await.unwrap();
        row = board.rows.into_iter().find(|r| r.unit == "balotra" && r.answered > 0);
        if row.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = row.expect("balotra ranked with its answered case");
    assert_eq!((row.cases, row.answered), (1, 1), "{row:?}");
    let frt = row.mean_frt_s.expect("a first-response time");
    assert!((frt - 90.0).abs() < 1.0, "first response after 90 s, not {frt}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retired_ingested_consumer_of_an_earlier_release_is_deleted_at_start() {
    let config = MetricsConfig { common: testing::common("m"), ..Default::default() };
    let ns = Namespace::new(&config.common.namespace);
    let js = jetstream::new(async_nats::connect(&config.common.nats_url).await.unwrap());
    let ingested =
        tvarit_bus::ensure_stream(&js, &ns, tvarit_bus::StreamKind::Ingested, Default::default()).await.unwrap();
    tvarit_bus::ensure_consumer(&ingested, "metrics-ingested", ns.post_ingested("*"), Duration::from_secs(30))
        .await
        .unwrap();

    let app = spawn_app_with(config).await;
    let left = ingested.consumer_info("metrics-ingested").await;
    assert!(left.is_err(), "the retired consumer is gone: {left:?}");
    assert!(app.js.get_stream(app.ns.stream_name("ingested")).await.is_ok(), "the stream itself stays");
    app.stop().await;
}
