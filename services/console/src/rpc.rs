//! The gRPC clients, always speaking with the signed-in person's token, so
//! tvarit-reply and tvarit-metrics apply that person's rules.

use tonic::Request;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::library_client::LibraryClient;
use tvarit_proto::v1::metrics_client::MetricsClient;
use tvarit_proto::v1::publishing_client::PublishingClient;

use crate::AppState;

/// `msg` with `authorization: Bearer <token>`. A token with characters a
/// header cannot carry goes without one, and the server refuses it.
pub fn authed<T>(token: &str, msg: T) -> Request<T> {
    let mut req = Request::new(msg);
    if let Ok(v) = format!("Bearer {token}").parse::<MetadataValue<_>>() {
        req.metadata_mut().insert("authorization", v);
    }
    req
}

/// A channel that connects on first use, over TLS when `tls` is set.
pub fn lazy_channel(url: &str, tls: Option<&tvarit_tls::ClientTls>) -> anyhow::Result<Channel> {
    Ok(tvarit_tls::endpoint(url, tls)?.connect_lazy())
}

impl AppState {
    pub fn desk(&self) -> DeskClient<Channel> {
        DeskClient::new(self.reply_channel.clone())
    }

    pub fn library(&self) -> LibraryClient<Channel> {
        LibraryClient::new(self.reply_channel.clone())
    }

    pub fn publishing(&self) -> PublishingClient<Channel> {
        PublishingClient::new(self.reply_channel.clone())
    }

    pub fn metrics(&self) -> MetricsClient<Channel> {
        MetricsClient::new(self.metrics_channel.clone())
    }
}
