use std::future::Future;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tvarit_tls::{Serving, TlsConfig};

/// Serves `routes` plus gRPC health and reflection (v1 and v1alpha) on
/// `listener` until `shutdown`, over TLS as `tls` says. Health reports
/// SERVING for the whole server ("") and for each of `services` (their full
/// gRPC names, e.g. `tvarit.v1.Desk`), so `grpc_health_probe` and compose
/// healthchecks work on every service.
///
/// The TLS files are read and checked here, before the future is returned:
/// a bad certificate fails the start, naming `listen_key`, instead of the
/// spawned server's result surfacing only at shutdown.
pub fn serve_grpc(
    listener: TcpListener,
    listen_key: &str,
    tls: &TlsConfig,
    shutdown: CancellationToken,
    routes: Routes,
    services: &[&str],
) -> anyhow::Result<impl Future<Output = anyhow::Result<()>> + Send + 'static> {
    let addr = listener.local_addr()?;
    let mut server = tonic::transport::Server::builder();
    if let Serving::Tls(tls) = tls.server(addr, listen_key)? {
        tracing::info!(listen = %addr, mutual = tls.mutual(), "gRPC over TLS");
        server = server.tls_config(tls.tonic()).with_context(|| format!("TLS for {listen_key}"))?;
    }
    let names: Vec<String> = std::iter::once("").chain(services.iter().copied()).map(String::from).collect();
    Ok(async move {
        let (reporter, health) = tonic_health::server::health_reporter();
        for name in names {
            reporter.set_service_status(name, tonic_health::ServingStatus::Serving).await;
        }
        let routes = routes
            .add_service(health)
            .add_service(tvarit_proto::reflection_service())
            .add_service(tvarit_proto::reflection_service_v1alpha());
        server
            .add_routes(routes)
            .serve_with_incoming_shutdown(
                tokio_stream::wrappers::TcpListenerStream::new(listener),
                shutdown.cancelled_owned(),
            )
            .await?;
        Ok(())
    })
}

/// Health and reflection only, for a service with no gRPC API of its own.
pub fn serve_grpc_health(
    listener: TcpListener,
    listen_key: &str,
    tls: &TlsConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<impl Future<Output = anyhow::Result<()>> + Send + 'static> {
    serve_grpc(listener, listen_key, tls, shutdown, Routes::default(), &[])
}
