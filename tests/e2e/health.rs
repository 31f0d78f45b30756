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

        let body = http_get(r.http_addr, "/metrics").await;
        assert!(body.starts_with("HTTP/1.1 200"), "{}: {body}", r.service.binary());
        let health = http_get(r.http_addr, "/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200"), "{}: {health}", r.service.binary());
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

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
