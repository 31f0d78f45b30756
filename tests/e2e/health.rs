use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tvarit_e2e::TestEnv;

/// Every service answers gRPC health as SERVING and serves Prometheus
/// metrics, so compose healthchecks and Prometheus can rely on both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_reports_health_and_metrics() {
    let env = TestEnv::new().await;
    let running = env.start_all().await;
    for r in &running {
        let mut health = health_client(r.grpc_addr).await;
        let resp = health.check(HealthCheckRequest { service: String::new() }).await.unwrap().into_inner();
        assert_eq!(resp.status, 1, "{} is not SERVING", r.service.binary());

        let (status, body) = crate::metrics_http::get(r.http_addr, "/metrics").await;
        assert_eq!(status, 200, "{}: {body}", r.service.binary());
        let (status, health) = crate::metrics_http::get(r.http_addr, "/healthz").await;
        assert_eq!(status, 200, "{}: {health}", r.service.binary());
    }
    // The Desk service reports its own health entry too.
    let mut health = health_client(running[2].grpc_addr).await;
    let desk = health.check(HealthCheckRequest { service: "tvarit.v1.Desk".into() }).await.unwrap().into_inner();
    assert_eq!(desk.status, 1);
    env.cleanup(running).await;
}

async fn health_client(addr: std::net::SocketAddr) -> HealthClient<tonic::transport::Channel> {
    HealthClient::new(
        tonic::transport::Channel::from_shared(format!("http://{addr}")).unwrap().connect().await.unwrap(),
    )
}
