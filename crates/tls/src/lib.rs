//! TLS for every link a district cell uses across the state network: the
//! gRPC servers (ingest, classify, reply, metrics), the console, and the
//! gRPC clients (tvarit-desk, the console). One set of settings, read from
//! `TVARIT_TLS*`, turned here into tonic's and rustls's configurations, so
//! no service carries its own copy. rustls with ring: no OpenSSL linkage.
//!
//! Server: TLS when `TVARIT_TLS_CERT_FILE` and `TVARIT_TLS_KEY_FILE` are set;
//! mutual TLS (a client certificate signed by that CA is required) when
//! `TVARIT_TLS_CLIENT_CA_FILE` is set too. Plain text needs `TVARIT_TLS=off`
//! (logged as a warning) unless the server listens on loopback only.
//! Client: verifies the server with `TVARIT_TLS_CA_FILE` (`--ca`) and shows
//! `TVARIT_TLS_CLIENT_CERT_FILE` / `_KEY_FILE` when the server asks.

mod client;
mod server;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use client::{ClientTls, endpoint};
pub use server::ServerTls;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("configuration key `{key}`: cannot read {path}: {source}")]
    Read { key: &'static str, path: PathBuf, source: std::io::Error },
    #[error("configuration key `{key}`: {path}: {message}")]
    Pem { key: &'static str, path: PathBuf, message: String },
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: &'static str, message: String },
}

/// The `TVARIT_TLS*` settings; flattened into each process's configuration
/// (`TVARIT_TLS_CERT_FILE` → `tls_cert_file`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TlsConfig {
    /// `off`: serve plain text, knowingly. Unset or `on`: TLS when the
    /// certificate and key are set (`on` insists on them).
    pub tls: Option<String>,
    /// This server's certificate chain (PEM).
    pub tls_cert_file: Option<PathBuf>,
    /// This server's private key (PEM, PKCS#8, PKCS#1 or SEC1).
    pub tls_key_file: Option<PathBuf>,
    /// Mutual TLS: clients must show a certificate signed by this CA (PEM).
    pub tls_client_ca_file: Option<PathBuf>,
    /// As a client: the CA that signed the servers' certificates (PEM).
    pub tls_ca_file: Option<PathBuf>,
    /// As a client under mutual TLS: this process's certificate (PEM).
    pub tls_client_cert_file: Option<PathBuf>,
    /// As a client under mutual TLS: its private key (PEM).
    pub tls_client_key_file: Option<PathBuf>,
}

/// How a server listens, decided once at start.
#[derive(Debug)]
pub enum Serving {
    Tls(ServerTls),
    Plain,
}

impl TlsConfig {
    /// Reads and checks the server's certificate, key and client CA for a
    /// listener on `addr` (named `key` in messages). Fails at start, naming
    /// the setting, rather than on the first connection.
    pub fn server(&self, addr: std::net::SocketAddr, key: &str) -> Result<Serving, TlsError> {
        let off = match self.tls.as_deref().map(str::trim) {
            None | Some("") | Some("on") => false,
            Some("off") => true,
            Some(other) => {
                return Err(TlsError::Invalid { key: "tls", message: format!("{other:?} must be `on` or `off`") });
            }
        };
        if off {
            tracing::warn!(
                listen = %addr,
                setting = key,
                "TVARIT_TLS=off: serving plain text; tokens and posts cross the network readable"
            );
            return Ok(Serving::Plain);
        }
        match (given(&self.tls_cert_file), given(&self.tls_key_file)) {
            (Some(cert), Some(key_file)) => {
                Ok(Serving::Tls(ServerTls::load(cert, key_file, given(&self.tls_client_ca_file))?))
            }
            (Some(_), None) => Err(missing("tls_key_file", "tls_cert_file is set")),
            (None, Some(_)) => Err(missing("tls_cert_file", "tls_key_file is set")),
            (None, None) if self.tls.is_some() => Err(missing("tls_cert_file", "TVARIT_TLS=on")),
            // On loopback nothing crosses a network: a developer's machine
            // and the tests run without certificates.
            (None, None) if addr.ip().is_loopback() => Ok(Serving::Plain),
            (None, None) => Err(TlsError::Invalid {
                key: "tls_cert_file",
                message: format!(
                    "{key} = {addr} is reachable from the network: set TVARIT_TLS_CERT_FILE and TVARIT_TLS_KEY_FILE \
                     (deploy/tls/make-certs.sh makes them), or TVARIT_TLS=off to serve plain text knowingly"
                ),
            }),
        }
    }

    /// The client side: `None` (plain text) when no CA is set or with
    /// `TVARIT_TLS=off`, which turns off both sides of a deployment at once.
    pub fn client(&self) -> Result<Option<ClientTls>, TlsError> {
        if self.tls.as_deref().map(str::trim) == Some("off") {
            return Ok(None);
        }
        ClientTls::load(given(&self.tls_ca_file), given(&self.tls_client_cert_file), given(&self.tls_client_key_file))
    }
}

/// A path setting that is set and not empty: compose passes
/// `TVARIT_TLS_CLIENT_CA_FILE=` for "none".
fn given(path: &Option<PathBuf>) -> Option<&Path> {
    path.as_deref().filter(|p| !p.as_os_str().is_empty())
}

fn missing(key: &'static str, because: &str) -> TlsError {
    TlsError::Invalid { key, message: format!("required because {because}") }
}

fn read(key: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read { key, path: path.to_owned(), source })
}

/// The certificates in a PEM file; at least one.
fn certificates(
    key: &'static str,
    path: &Path,
    pem: &[u8],
) -> Result<Vec<rustls::pki_types::CertificateDer<'static>>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    let bad = |message: String| TlsError::Pem { key, path: path.to_owned(), message };
    let certs = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not PEM certificates: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    Ok(certs)
}

fn private_key(
    key: &'static str,
    path: &Path,
    pem: &[u8],
) -> Result<rustls::pki_types::PrivateKeyDer<'static>, TlsError> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::PrivateKeyDer::from_pem_slice(pem).map_err(|e| TlsError::Pem {
        key,
        path: path.to_owned(),
        message: format!("holds no private key: {e}"),
    })
}

/// ring, explicitly: the process may link more than one provider (reqwest).
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests;
