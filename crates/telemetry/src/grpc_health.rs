use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;

/// Serves `routes` plus gRPC health and reflection on `listener` until
/// `shutdown`. Health reports SERVING for the whole server ("") and for each
/// of `services` (their full gRPC names, e.g. `tvarit.v1.Desk`), so
/// `grpc_health_probe` and compose healthchecks work on every service.
pub async fn serve_grpc(
    listener: TcpListener,
    shutdown: CancellationToken,
    routes: Routes,
    services: &[&str],
) -> anyhow::Result<()> {
    let (reporter, health) = tonic_health::server::health_reporter();
    for name in std::iter::once(&"").chain(services) {
        reporter.set_service_status(*name, tonic_health::ServingStatus::Serving).await;
    }
    tonic::transport::Server::builder()
        .add_routes(routes.add_service(health).add_service(tvarit_proto::reflection_service()))
        .serve_with_incoming_shutdown(
            tokio_stream::wrappers::TcpListenerStream::new(listener),
            shutdown.cancelled_owned(),
        )
        .await?;
    Ok(())
}

/// Health and reflection only, for a service with no gRPC API of its own.
pub async fn serve_grpc_health(listener: TcpListener, shutdown: CancellationToken) -> anyhow::Result<()> {
    serve_grpc(listener, shutdown, Routes::default(), &[]).await
}
