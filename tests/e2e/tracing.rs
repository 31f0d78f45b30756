//! One trace per post: ingest → classify → reply → metrics, joined by the
//! W3C context in NATS headers, exported over OTLP/gRPC to a real receiver,
//! and the same trace id on each service's JSON log lines for that post.

use std::time::Duration;

use tvarit_e2e::{OtlpReceiver, TestEnv, eventually, post_line, post_raw, sign};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_is_one_trace_across_the_four_services() {
    let (receiver, addr) = OtlpReceiver::start().await;
    let env = TestEnv::new().await;
    env.set_env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{addr}"));
    env.set_env("OTEL_BSP_SCHEDULE_DELAY", "100");
    env.set_env("RUST_LOG", "info,tvarit_ingest=debug,tvarit_classify=debug,tvarit_reply=debug,tvarit_metrics=debug");
    let running = env.start_all().await;
    let logs: Vec<_> = running.iter().map(|r| (r.service.binary(), r.log.clone())).collect();
    // Through the running ingest's signed endpoint, so its own log has the post.
    let line = post_line("trace-1", "@SP_Balotra bike chori ho gayi bus stand se", &["@SP_Balotra"], None);
    let sig = sign(&env.webhook_secret, line.as_bytes());
    let resp = post_raw(running[0].http_addr, "/v1/posts", &[("X-Tvarit-Signature", &sig)], line.as_bytes()).await;
    assert!(resp.status < 300, "{}: {}", resp.status, resp.body);
    let metrics_db = env.schema_pool("metrics").await;
    eventually(Duration::from_secs(30), "the post's fact in metrics", || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM case_facts").fetch_one(&metrics_db).await.ok()?;
        (n == 1).then_some(())
    })
    .await;
    // Every stage has logged by now (the fact is the last); read the logs
    // before the test's folder goes.
    let logs: Vec<(&str, String)> =
        logs.into_iter().map(|(service, log)| (service, std::fs::read_to_string(log).unwrap())).collect();
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
    // An ops engineer greps any service's log for the trace id of a post.
    for (service, text) in logs {
        let stage_lines = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["trace_id"] == ingest.as_str())
            .count();
        assert!(stage_lines > 0, "no {service} log line carries the trace id {ingest}:\n{text}");
    }
}
