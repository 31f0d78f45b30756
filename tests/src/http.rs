//! HTTP for the tests. Well-formed requests go through reqwest; `post_raw`
//! stays a raw HTTP/1.1 writer on purpose: it sends the headers, then the
//! body, and reads whatever answer comes even when the server answers (413)
//! and closes before the body is all sent. A client library reports that as
//! a broken pipe and loses the status the test asserts on.

use std::net::SocketAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub struct HttpResponse {
    pub status: u16,
    pub body: String,
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub async fn post_raw(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    try_post_raw(addr, path, headers, body).await.unwrap_or_else(|e| panic!("POST {path} to {addr}: {e}"))
}

/// `post_raw` for a server that may be down: a refused connection is an error.
pub async fn try_post_raw(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<HttpResponse> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    // The server may answer (413) and stop reading before the body is sent.
    let _ = stream.write_all(body).await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    Ok(HttpResponse { status, body })
}

/// A reqwest builder for the tests, with the crypto provider the crate
/// graph needs installed (`tvarit_platforms::client_builder`).
pub fn http_client() -> reqwest::ClientBuilder {
    tvarit_platforms::client_builder()
}

fn client() -> reqwest::Client {
    http_client()
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn post_json(addr: SocketAddr, path: &str, body: &serde_json::Value) -> (u16, String) {
    let resp = client()
        .post(format!("http://{addr}{path}"))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path} to {addr}: {e}"));
    (resp.status().as_u16(), resp.text().await.unwrap())
}

pub async fn get_json(addr: SocketAddr, path: &str) -> serde_json::Value {
    let resp = client().get(format!("http://{addr}{path}")).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let (status, body) = (resp.status().as_u16(), resp.text().await.unwrap());
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

/// `GET path` without following a redirect: the status and the `Location`
/// header (an OAuth consent page answers with a redirect).
pub async fn get_redirect(addr: SocketAddr, path: &str) -> (u16, Option<String>) {
    let resp = client().get(format!("http://{addr}{path}")).send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let location = resp.headers().get("location").map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    (resp.status().as_u16(), location)
}
