//! A server's certificate, key and (for mutual TLS) client CA, read once.

use std::path::Path;
use std::sync::Arc;

use rustls::server::WebPkiClientVerifier;

use crate::{TlsError, certificates, private_key, provider, read};

#[derive(Clone)]
pub struct ServerTls {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    client_ca_pem: Option<Vec<u8>>,
    /// Built at load, so a bad file fails the start; the console serves it.
    rustls: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("mutual", &self.client_ca_pem.is_some()).finish_non_exhaustive()
    }
}

impl ServerTls {
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Self, TlsError> {
        let cert_pem = read("tls_cert_file", cert)?;
        let key_pem = read("tls_key_file", key)?;
        let chain = certificates("tls_cert_file", cert, &cert_pem)?;
        let private = private_key("tls_key_file", key, &key_pem)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Invalid { key: "tls", message: e.to_string() })?;
        let (builder, client_ca_pem) = match client_ca {
            Some(path) => {
                let pem = read("tls_client_ca_file", path)?;
                let mut roots = rustls::RootCertStore::empty();
                for ca in certificates("tls_client_ca_file", path, &pem)? {
                    roots.add(ca).map_err(|e| TlsError::Pem {
                        key: "tls_client_ca_file",
                        path: path.to_owned(),
                        message: e.to_string(),
                    })?;
                }
                let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                    .build()
                    .map_err(|e| TlsError::Invalid { key: "tls_client_ca_file", message: e.to_string() })?;
                (builder.with_client_cert_verifier(verifier), Some(pem))
            }
            None => (builder.with_no_client_auth(), None),
        };
        let mut config = builder.with_single_cert(chain, private).map_err(|e| TlsError::Pem {
            key: "tls_key_file",
            path: key.to_owned(),
            message: format!("does not fit the certificate in {}: {e}", cert.display()),
        })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self { cert_pem, key_pem, client_ca_pem, rustls: Arc::new(config) })
    }

    /// Whether clients must show a certificate.
    pub fn mutual(&self) -> bool {
        self.client_ca_pem.is_some()
    }

    /// For tonic's gRPC server (HTTP/2).
    pub fn tonic(&self) -> tonic::transport::ServerTlsConfig {
        let identity = tonic::transport::Identity::from_pem(&self.cert_pem, &self.key_pem);
        let config = tonic::transport::ServerTlsConfig::new().identity(identity);
        match &self.client_ca_pem {
            Some(ca) => config.client_ca_root(tonic::transport::Certificate::from_pem(ca)),
            None => config,
        }
    }

    /// For an HTTP server (the console): offers HTTP/2 and HTTP/1.1.
    pub fn rustls(&self) -> Arc<rustls::ServerConfig> {
        self.rustls.clone()
    }
}
