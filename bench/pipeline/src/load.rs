//! The offered load, through ingest's real entry points: the signed
//! `POST /v1/posts` (one post per request, as a bridge would send them) and
//! `tvarit-ingest replay FILE --rate N` (batches, as an import would).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncBufReadExt;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use sha2::Sha256;

use crate::deploy::Deployment;
use crate::hist::Hist;

/// Complaint texts, so every case lands in the live queue (not `other`).
const TEXTS: [&str; 4] = [
    "mera mobile chori ho gaya bus stand par, kripya madad karein",
    "मेरी बाइक चोरी हो गई है, थाने में रिपोर्ट नहीं लिखी जा रही",
    "Someone snatched my chain near the market, please register an FIR",
    "हमारे मोहल्ले में रात को शराबी झगड़ा कर रहे हैं, पुलिस भेजें",
];

/// One post in the webhook/replay JSON form: id `b<phase>-<n>`, tagging the
/// account of unit `n mod units` (round robin over the districts); with a
/// hot district, four posts in five tag it and the fifth goes round robin
/// over the others.
pub fn post_json(d: &Deployment, phase: usize, n: u64) -> String {
    let i = match d.hot {
        Some(hot) if n % 5 != 4 => hot,
        Some(hot) => (hot + 1 + (n / 5) as usize % (d.units.len() - 1)) % d.units.len(),
        None => n as usize % d.units.len(),
    };
    let unit = &d.units[i];
    serde_json::json!({
        "id": format!("b{phase}-{n}"),
        "text": format!("{} {} (#{n})", unit.handle, TEXTS[n as usize % TEXTS.len()]),
        "mentions": [unit.handle],
        "platform": "x",
        "author": { "id": format!("u{}", n % 10_000), "handle": format!("citizen{}", n % 10_000) },
    })
    .to_string()
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Sent {
    pub offered: u64,
    pub accepted: u64,
    pub failed: u64,
    pub seconds: f64,
    /// HTTP round trip of an accepted post (webhook only), ms.
    pub accept_p50_ms: f64,
    pub accept_p99_ms: f64,
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One kept-alive HTTP/1.1 connection to ingest (a plain hyper client: the
/// workspace's reqwest is built without a TLS provider).
async fn connection(addr: std::net::SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let io = TokioIo::new(tokio::net::TcpStream::connect(addr).await?);
    let (sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(conn);
    Ok(sender)
}

/// Sends `count` posts to `POST /v1/posts` at `rate` per second over
/// `in_flight` connections (a sender that cannot keep the rate falls
/// behind it, and that shows as a lower accepted rate).
pub async fn webhook(d: &Deployment, phase: usize, count: u64, rate: f64, in_flight: usize) -> anyhow::Result<Sent> {
    let addr = d.service("ingest").http;
    let (tx, rx) = tokio::sync::mpsc::channel::<(String, String)>(in_flight);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let (accepted, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let times = Arc::new(std::sync::Mutex::new(Hist::default()));
    let mut workers = Vec::new();
    for _ in 0..in_flight {
        let mut sender = connection(addr).await?;
        let (rx, accepted, failed, times) = (rx.clone(), accepted.clone(), failed.clone(), times.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let Some((body, signature)) = rx.lock().await.recv().await else { return };
                let t0 = Instant::now();
                let req = Request::post("/v1/posts")
                    .header("host", addr.to_string())
                    .header("x-tvarit-signature", signature)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .expect("a valid request");
                let ok = match sender.send_request(req).await {
                    Ok(resp) => {
                        let status = resp.status();
                        let _ = resp.into_body().collect().await;
                        status == hyper::StatusCode::ACCEPTED
                    }
                    Err(_) => false,
                };
                if ok {
                    accepted.fetch_add(1, Ordering::Relaxed);
                    times.lock().unwrap().record(t0.elapsed().as_micros() as u64);
                } else {
                    failed.fetch_add(1, Ordering::Relaxed);
                    match connection(addr).await {
                        Ok(s) => sender = s,
                        Err(_) => return,
                    }
                }
            }
        }));
    }
    let start = Instant::now();
    for n in 0..count {
        tokio::time::sleep_until((start + Duration::from_secs_f64(n as f64 / rate)).into()).await;
        let body = post_json(d, phase, n);
        let signature = sign(&d.webhook_secret, body.as_bytes());
        if tx.send((body, signature)).await.is_err() {
            break;
        }
    }
    drop(tx);
    for w in workers {
        let _ = w.await;
    }
    let times = times.lock().unwrap();
    Ok(Sent {
        offered: count,
        accepted: accepted.load(Ordering::Relaxed),
        failed: failed.load(Ordering::Relaxed),
        seconds: start.elapsed().as_secs_f64(),
        accept_p50_ms: times.quantile_ms(0.5),
        accept_p99_ms: times.quantile_ms(0.99),
    })
}

/// Writes `count` posts to a file and runs `tvarit-ingest replay` on it
/// (`rate` None: as fast as ingest's acks allow).
pub async fn replay(d: &Deployment, phase: usize, count: u64, rate: Option<u32>) -> anyhow::Result<Sent> {
    let file = d.dir().join(format!("replay-{phase}.jsonl"));
    let mut text = String::with_capacity(count as usize * 200);
    for n in 0..count {
        text.push_str(&post_json(d, phase, n));
        text.push('\n');
    }
    std::fs::write(&file, text)?;
    let mut cmd = d.command("tvarit-ingest");
    cmd.arg("replay").arg(&file).env("RUST_LOG", "warn");
    if let Some(r) = rate {
        cmd.args(["--rate", &r.to_string()]);
    }
    let start = Instant::now();
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn()?;
    // The clock stops at the summary line, printed once every post is
    // acknowledged: with a NATS sync window the process then waits that
    // long for its pending rows, which is not ingest's rate.
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut stdout = String::new();
    let mut seconds = None;
    while let Some(line) = lines.next_line().await? {
        if line.contains("new=") {
            seconds.get_or_insert(start.elapsed().as_secs_f64());
        }
        stdout.push_str(&line);
        stdout.push('\n');
    }
    let out = child.wait_with_output().await?;
    let seconds = seconds.unwrap_or_else(|| start.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&file);
    if !out.status.success() {
        anyhow::bail!("replay failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let new = stdout
        .split(|c: char| c.is_whitespace() || c == ',')
        .find_map(|w| w.strip_prefix("new=")?.parse().ok())
        .unwrap_or(count);
    Ok(Sent { offered: count, accepted: new, failed: count - new.min(count), seconds, ..Default::default() })
}
