//! TLS for the tests: certificates made by deploy/tls/make-certs.sh (the
//! script HQ runs), the servers told to use them, and clients that verify.

use std::path::{Path, PathBuf};
use std::process::Command;

use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;
use tvarit_proto::v1::metrics_client::MetricsClient;

use crate::{Running, TestEnv};

/// One CA's certificates: `ca.crt`, `server.crt|.key`, `clients/<unit>.crt|.key`.
pub struct Certs {
    pub dir: PathBuf,
}

impl Certs {
    /// Runs make-certs.sh into `dir` (a new CA there).
    pub fn make(dir: &Path) -> Certs {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/tls/make-certs.sh");
        let out = Command::new("bash").arg(script).arg(dir).output().expect("bash runs make-certs.sh");
        assert!(out.status.success(), "make-certs.sh failed: {}", String::from_utf8_lossy(&out.stderr));
        Certs { dir: dir.to_owned() }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// A unit's client certificate and key.
    pub fn client(&self, unit: &str) -> (PathBuf, PathBuf) {
        let dir = self.dir.join("clients");
        (dir.join(format!("{unit}.crt")), dir.join(format!("{unit}.key")))
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl TestEnv {
    /// Every server started from now on serves TLS with `certs`; with
    /// `mutual`, only clients with a certificate from `certs`' CA get in.
    pub fn serve_tls(&self, certs: &Certs, mutual: bool) {
        self.set_env("TVARIT_TLS_CERT_FILE", certs.file("server.crt"));
        self.set_env("TVARIT_TLS_KEY_FILE", certs.file("server.key"));
        if mutual {
            self.set_env("TVARIT_TLS_CLIENT_CA_FILE", certs.file("ca.crt"));
        }
    }
}

/// Adds `authorization: Bearer <token>` to every call.
#[derive(Clone)]
pub struct Bearer(tonic::metadata::MetadataValue<tonic::metadata::Ascii>);

impl Interceptor for Bearer {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        req.metadata_mut().insert("authorization", self.0.clone());
        Ok(req)
    }
}

pub type AuthedMetrics = MetricsClient<InterceptedService<Channel, Bearer>>;

/// A `Metrics` client (plain text) whose every call carries `token`.
pub async fn metrics_client(metrics: &Running, token: &str) -> AuthedMetrics {
    let channel = Channel::from_shared(format!("http://{}", metrics.grpc_addr)).unwrap().connect().await.unwrap();
    MetricsClient::with_interceptor(channel, Bearer(format!("Bearer {token}").parse().unwrap()))
}
