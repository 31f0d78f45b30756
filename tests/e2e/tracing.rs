//! One trace per post: ingest → classify → reply → metrics, joined by the
//! W3C context in NATS headers, exported over OTLP/gRPC to a real receiver.

use std::time::Duration;

use tvarit_e2e::{OtlpReceiver, TestEnv, eventually, post_line};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_one_trace_across_the_four_services() {
    let (receiver, addr) = OtlpReceiver::start().await;
    let env = TestEnv::new().await;
    env.set_env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"));
    env.set_env("OTEL_BSP_SCHEDULE_DELAY", "100");
    let running = env.start_all().await;
    let line = post_line("trace-1", "@SP_Balotra bike chori ho gayi bus stand se", &["@SP_Balotra"], None);
    assert!(env.replay(&env.write_file("one.jsonl", &[line])).status.success());
    let metrics_db = env.schema_pool("metrics").await;
    eventually(Duration::from_secs(30), "the post's fact in metrics", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM case_facts").fetch_one(&metrics_db).await.ok()?;
        (n == 1).then_some(())
    })
    .await;
    // SIGTERM flushes every service's exporter.
    env.cleanup(running).await;

    let spans = receiver.spans();
    let stage =
        |service: &str, name: &str| spans.iter().find(|(s, n, _)| s == service && n == name).map(|(_, _, t)| t.clone());
    let ingest = stage("tvarit-ingest", "ingest.publish").unwrap_or_else(|| panic!("no ingest span in {spans:?}"));
    for (service, name) in [
        ("tvarit-classify", "classify.post"),
        ("tvarit-reply", "reply.open_case"),
        ("tvarit-metrics", "metrics.record"),
    ] {
        let trace =
            spans.iter().filter(|(s, n, _)| s == service && n == name).map(|(_, _, t)| t.clone()).collect::<Vec<_>>();
        assert!(trace.contains(&ingest), "{service} {name} is not in the post's trace {ingest}: {spans:?}");
    }
}
