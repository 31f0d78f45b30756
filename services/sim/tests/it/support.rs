//! The harness: the sim on port 0 in this process, an HTTP client (reqwest:
//! the stream's body bytes are read as sent, de-chunked), and a webhook
//! receiver.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tvarit_sim::{SimConfig, Summary};

pub const USER_TOKEN: &str = "user-token-1";

pub struct TestSim {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub handle: JoinHandle<anyhow::Result<Summary>>,
}

impl Drop for TestSim {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn spawn_sim(config: SimConfig) -> TestSim {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(tvarit_sim::run(config, listener, shutdown.clone()));
    TestSim { addr, shutdown, handle }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
}

/// Lower-cased header names to values, as the tests look them up.
fn header_map(resp: &reqwest::Response) -> HashMap<String, String> {
    resp.headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}

/// With the crypto provider a workspace build needs installed.
fn builder() -> reqwest::ClientBuilder {
    tvarit_sim::delivery::client_builder()
}

/// Redirects are not followed: the OAuth tests assert on the `Location`.
fn client() -> reqwest::Client {
    let redirect = reqwest::redirect::Policy::none();
    builder().timeout(Duration::from_secs(10)).redirect(redirect).build().unwrap()
}

pub async fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = client().request(method, format!("http://{addr}{path}")).body(body.to_owned());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    let (status, headers) = (resp.status().as_u16(), header_map(&resp));
    Resp { status, headers, body: resp.text().await.unwrap() }
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    http(addr, "GET", path, &[("Authorization", &bearer(USER_TOKEN))], "").await
}

pub async fn post_json(addr: SocketAddr, path: &str, body: &Value) -> Resp {
    let auth = bearer(USER_TOKEN);
    http(addr, "POST", path, &[("Authorization", &auth), ("Content-Type", "application/json")], &body.to_string()).await
}

/// Injects one public post through `POST /sim/posts`; returns its JSON.
pub async fn inject(addr: SocketAddr, post: Value) -> Value {
    let r = http(addr, "POST", "/sim/posts", &[("Content-Type", "application/json")], &post.to_string()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()
}

/// An open filtered-stream connection, read as (de-chunked) body bytes.
pub struct StreamConn {
    pub status: u16,
    pub headers: HashMap<String, String>,
    resp: reqwest::Response,
    /// Body bytes not yet returned.
    pub body: Vec<u8>,
    pub eof: bool,
}

impl StreamConn {
    pub async fn open(addr: SocketAddr, path: &str, token: &str) -> StreamConn {
        // No overall timeout: the stream stays open; each read is bounded.
        let resp = builder()
            .build()
            .unwrap()
            .get(format!("http://{addr}{path}"))
            .header("Authorization", bearer(token))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let (status, headers) = (resp.status().as_u16(), header_map(&resp));
        StreamConn { status, headers, resp, body: Vec::new(), eof: false }
    }

    /// The next `\r\n`-terminated line (with its terminator), or what was left
    /// when the connection ended (None if nothing), waiting at most `wait`.
    pub async fn next_line(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(i) = self.body.windows(2).position(|w| w == b"\r\n") {
                return Some(self.body.drain(..i + 2).collect());
            }
            if self.eof {
                return (!self.body.is_empty()).then(|| std::mem::take(&mut self.body));
            }
            match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => panic!("no stream line within {wait:?}; have {:?}", String::from_utf8_lossy(&self.body)),
                // A cut connection ends the body as a clean end does.
                Ok(Ok(None) | Err(_)) => self.eof = true,
                Ok(Ok(Some(bytes))) => self.body.extend_from_slice(&bytes),
            }
        }
    }

    /// The next data line as JSON, skipping keep-alives; counts the keep-alives.
    pub async fn next_json(&mut self, wait: Duration, keepalives: &mut usize) -> Option<Value> {
        loop {
            let line = self.next_line(wait).await?;
            if line == b"\r\n" {
                *keepalives += 1;
                continue;
            }
            assert!(line.ends_with(b"\r\n"), "line not \\r\\n-terminated: {:?}", String::from_utf8_lossy(&line));
            return Some(serde_json::from_slice(&line[..line.len() - 2]).unwrap());
        }
    }
}

/// The reference signatures, computed here independently of the sim.
pub fn hmac_sha256(secret: &str, msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

pub fn x_sig(secret: &str, msg: &[u8]) -> String {
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(hmac_sha256(secret, msg)))
}

pub fn meta_sig(secret: &str, msg: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret, msg)))
}

/// A webhook receiver: answers X's CRC and Meta's hub handshake with its own
/// secrets and records every POST.
#[derive(Clone, Default)]
pub struct Receiver {
    pub x_secret: String,
    pub verify_token: String,
    pub posts: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn receive_get(State(r): State<Receiver>, RawQuery(q): RawQuery) -> axum::response::Response {
    let pairs: HashMap<String, String> =
        form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    if let Some(t) = pairs.get("crc_token") {
        let token = x_sig(&r.x_secret, t.as_bytes());
        return axum::Json(serde_json::json!({ "response_token": token })).into_response();
    }
    if pairs.get("hub.mode").map(String::as_str) == Some("subscribe")
        && pairs.get("hub.verify_token") == Some(&r.verify_token)
    {
        return pairs.get("hub.challenge").cloned().unwrap_or_default().into_response();
    }
    StatusCode::FORBIDDEN.into_response()
}

async fn receive_post(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.posts.lock().unwrap().push((headers, body));
    StatusCode::OK
}

impl Receiver {
    pub async fn start(self) -> (Receiver, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hook", axum::routing::get(receive_get).post(receive_post))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (self, url)
    }

    /// Waits until at least `n` POSTs arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<(HeaderMap, Bytes)> {
        for _ in 0..100 {
            let got = self.posts.lock().unwrap().clone();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("fewer than {n} webhook deliveries: {:?}", self.posts.lock().unwrap());
    }
}
