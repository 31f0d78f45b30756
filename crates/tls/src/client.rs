//! The client side: the CA a gRPC client trusts and, under mutual TLS, the
//! certificate it shows.

use std::path::Path;

use tonic::transport::{Certificate, ClientTlsConfig, Endpoint, Identity};

use crate::{TlsError, certificates, private_key, read};

#[derive(Clone)]
pub struct ClientTls {
    ca_pem: Vec<u8>,
    identity: Option<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls").field("client_certificate", &self.identity.is_some()).finish_non_exhaustive()
    }
}

impl ClientTls {
    /// `None` without a CA. A client certificate without a CA is refused:
    /// it would be shown to nobody (plain text).
    pub fn load(ca: Option<&Path>, cert: Option<&Path>, key: Option<&Path>) -> Result<Option<Self>, TlsError> {
        let Some(ca) = ca else {
            return match cert.or(key) {
                Some(_) => Err(crate::missing("tls_ca_file", "a client certificate is set")),
                None => Ok(None),
            };
        };
        let identity = match (cert, key) {
            (Some(cert), Some(key)) => {
                let (cert_pem, key_pem) = (read("tls_client_cert_file", cert)?, read("tls_client_key_file", key)?);
                certificates("tls_client_cert_file", cert, &cert_pem)?;
                private_key("tls_client_key_file", key, &key_pem)?;
                Some((cert_pem, key_pem))
            }
            (None, None) => None,
            (Some(_), None) => return Err(crate::missing("tls_client_key_file", "a client certificate is set")),
            (None, Some(_)) => return Err(crate::missing("tls_client_cert_file", "a client key is set")),
        };
        let ca_pem = read("tls_ca_file", ca)?;
        certificates("tls_ca_file", ca, &ca_pem)?;
        Ok(Some(Self { ca_pem, identity }))
    }

    fn tonic(&self) -> ClientTlsConfig {
        let config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(&self.ca_pem));
        match &self.identity {
            Some((cert, key)) => config.identity(Identity::from_pem(cert, key)),
            None => config,
        }
    }
}

/// A gRPC endpoint for `url`. With `tls`, the connection is TLS verified
/// against its CA (an `http://` address is taken as `https://`: a CA was
/// given, so plain text is never meant); without, `https://` is refused, as
/// there is nothing to verify the server with.
pub fn endpoint(url: &str, tls: Option<&ClientTls>) -> Result<Endpoint, TlsError> {
    let bad = |message: String| TlsError::Invalid { key: "server", message };
    match tls {
        Some(tls) => {
            let url = match url.strip_prefix("http://") {
                Some(rest) => format!("https://{rest}"),
                None => url.to_owned(),
            };
            Endpoint::from_shared(url.clone())
                .map_err(|e| bad(format!("bad server address {url:?}: {e}")))?
                .tls_config(tls.tonic())
                .map_err(|e| bad(format!("TLS for {url}: {e}")))
        }
        None if url.starts_with("https://") => Err(TlsError::Invalid {
            key: "tls_ca_file",
            message: format!("{url} is TLS: give the CA that signed its certificate (--ca or TVARIT_TLS_CA_FILE)"),
        }),
        None => Endpoint::from_shared(url.to_owned()).map_err(|e| bad(format!("bad server address {url:?}: {e}"))),
    }
}
