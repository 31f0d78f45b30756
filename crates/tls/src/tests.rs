use std::net::SocketAddr;

use super::*;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn plain_text_on_the_network_needs_tls_off() {
    let none = TlsConfig::default();
    assert!(matches!(none.server(addr("127.0.0.1:50053"), "reply_grpc_listen"), Ok(Serving::Plain)));
    let err = none.server(addr("0.0.0.0:50053"), "reply_grpc_listen").unwrap_err().to_string();
    assert!(err.contains("reply_grpc_listen = 0.0.0.0:50053") && err.contains("TVARIT_TLS=off"), "{err}");
    let empty = TlsConfig { tls_client_ca_file: Some("".into()), ..Default::default() };
    assert!(matches!(empty.server(addr("127.0.0.1:50053"), "x"), Ok(Serving::Plain)), "an empty path is unset");
    let off = TlsConfig { tls: Some("off".into()), ..Default::default() };
    assert!(matches!(off.server(addr("0.0.0.0:50053"), "reply_grpc_listen"), Ok(Serving::Plain)));
}

#[test]
fn half_a_setting_is_an_error_naming_the_missing_key() {
    let on = TlsConfig { tls: Some("on".into()), ..Default::default() };
    assert!(on.server(addr("127.0.0.1:1"), "x").unwrap_err().to_string().contains("`tls_cert_file`"));
    let cert_only = TlsConfig { tls_cert_file: Some("/nonexistent.crt".into()), ..Default::default() };
    assert!(cert_only.server(addr("127.0.0.1:1"), "x").unwrap_err().to_string().contains("`tls_key_file`"));
    let typo = TlsConfig { tls: Some("of".into()), ..Default::default() };
    assert!(typo.server(addr("127.0.0.1:1"), "x").unwrap_err().to_string().contains("`tls`"));
}

#[test]
fn unreadable_or_non_pem_files_fail_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let missing = TlsConfig {
        tls_cert_file: Some(dir.path().join("absent.crt")),
        tls_key_file: Some(junk.clone()),
        ..Default::default()
    };
    let err = missing.server(addr("127.0.0.1:1"), "x").unwrap_err().to_string();
    assert!(err.contains("`tls_cert_file`") && err.contains("absent.crt"), "{err}");
    let junk_cert =
        TlsConfig { tls_cert_file: Some(junk.clone()), tls_key_file: Some(junk.clone()), ..Default::default() };
    let err = junk_cert.server(addr("127.0.0.1:1"), "x").unwrap_err().to_string();
    assert!(err.contains("no certificate"), "{err}");
    assert!(ClientTls::load(Some(&junk), None, None).unwrap_err().to_string().contains("`tls_ca_file`"));
}

#[test]
fn a_client_certificate_needs_a_ca_and_https_needs_one_too() {
    let p = std::path::Path::new("/x");
    assert!(ClientTls::load(None, Some(p), Some(p)).unwrap_err().to_string().contains("`tls_ca_file`"));
    assert!(ClientTls::load(None, None, None).unwrap().is_none());
    assert!(endpoint("https://hq:50053", None).unwrap_err().to_string().contains("--ca"));
    assert!(endpoint("http://127.0.0.1:50053", None).is_ok());
}
