//! The harness: the sim on port 0 in this process, a raw HTTP/1.1 client
//! (so the stream's bytes are seen as sent), and a webhook receiver.

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
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;
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

fn request_head(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body_len: usize) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if body_len > 0 || method == "POST" {
        head.push_str(&format!("Content-Length: {body_len}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn parse_head(head: &str) -> (u16, HashMap<String, String>) {
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    (status, headers)
}

/// Decodes a complete chunked body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..i]).unwrap().trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[i + 2..i + 2 + size]);
        raw = &raw[i + 2 + size + 2..];
    }
    out
}

pub async fn http(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request_head(addr, method, path, headers, body.len()).as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    timeout(Duration::from_secs(10), s.read_to_end(&mut raw)).await.expect("response within 10 s").unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete head");
    let (status, headers) = parse_head(&String::from_utf8_lossy(&raw[..split]));
    let mut body = raw[split + 4..].to_vec();
    if headers.get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        body = dechunk(&body);
    }
    Resp { status, headers, body: String::from_utf8(body).unwrap() }
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

/// An open filtered-stream connection, read as raw (de-chunked) bytes.
pub struct StreamConn {
    pub status: u16,
    pub headers: HashMap<String, String>,
    sock: TcpStream,
    raw: Vec<u8>,
    /// De-chunked body bytes not yet returned.
    pub body: Vec<u8>,
    pub eof: bool,
}

impl StreamConn {
    pub async fn open(addr: SocketAddr, path: &str, token: &str) -> StreamConn {
        let mut sock = TcpStream::connect(addr).await.unwrap();
        let auth = bearer(token);
        sock.write_all(request_head(addr, "GET", path, &[("Authorization", &auth)], 0).as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        let split = loop {
            if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            let mut buf = [0u8; 4096];
            let n = timeout(Duration::from_secs(10), sock.read(&mut buf)).await.unwrap().unwrap();
            assert!(n > 0, "connection closed before the head");
            raw.extend_from_slice(&buf[..n]);
        };
        let (status, headers) = parse_head(&String::from_utf8_lossy(&raw[..split]));
        let mut raw = raw[split + 4..].to_vec();
        if !headers.get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
            // An error answer with a Content-Length: read it whole.
            timeout(Duration::from_secs(10), sock.read_to_end(&mut raw)).await.unwrap().unwrap();
            return StreamConn { status, headers, sock, raw: Vec::new(), body: raw, eof: true };
        }
        let mut c = StreamConn { status, headers, sock, raw, body: Vec::new(), eof: false };
        c.decode();
        c
    }

    /// Moves whole chunks from `raw` to `body`.
    fn decode(&mut self) {
        loop {
            let Some(i) = self.raw.windows(2).position(|w| w == b"\r\n") else { return };
            let size = usize::from_str_radix(std::str::from_utf8(&self.raw[..i]).unwrap().trim(), 16).unwrap();
            if size == 0 {
                self.eof = true;
                return;
            }
            if self.raw.len() < i + 2 + size + 2 {
                return;
            }
            self.body.extend_from_slice(&self.raw[i + 2..i + 2 + size]);
            self.raw.drain(..i + 2 + size + 2);
        }
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
            let mut buf = [0u8; 8192];
            let n = match tokio::time::timeout_at(deadline, self.sock.read(&mut buf)).await {
                Err(_) => panic!("no stream line within {wait:?}; have {:?}", String::from_utf8_lossy(&self.body)),
                Ok(r) => r.unwrap_or(0),
            };
            if n == 0 {
                self.eof = true;
            }
            self.raw.extend_from_slice(&buf[..n]);
            self.decode();
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
