use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// gRPC health (reporting SERVING) and reflection for a service that has no
/// gRPC API of its own, so every service answers `grpc_health_probe`.
pub async fn serve_grpc_health(listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_service_status("", tonic_health::ServingStatus::Serving).await;
    tonic::transport::Server::builder()
        .add_service(health)
        .add_service(tvarit_proto::reflection_service())
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            shutdown.cancelled_owned(),
        )
        .await?;
    Ok(())
}
