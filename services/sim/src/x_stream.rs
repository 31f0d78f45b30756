//! `GET /2/tweets/search/stream`: one connection per app (a second gets 429
//! TooManyConnections), one JSON object per `\r\n`-terminated line with
//! `matching_rules` and `includes.users`, a bare `\r\n` keep-alive, in-band
//! `operational-disconnect`, `backfill_minutes` from the recent posts, and the
//! stream faults (drops, disconnects, stalls, truncated lines).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, interval_at, sleep};
use tokio_stream::wrappers::ReceiverStream;

use crate::state::{Platform, Post, Sim, StreamControl};
use crate::x_http::{Endpoint, admit, invalid_request, query_get, respond};
use crate::x_json::{Fields, includes, post_json};
use crate::x_params;

/// Lines buffered for a reader before it counts as too slow and is dropped.
const READER_BUFFER: usize = 1000;
const FAR: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Frees the app's single connection when the stream ends.
struct Slot(Arc<Sim>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.stream_connected.store(false, Ordering::SeqCst);
    }
}

pub async fn stream(State(sim): State<Arc<Sim>>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let (g, pairs) = match admit(&sim, &headers, Endpoint::StreamConnect, query.as_deref(), &x_params::STREAM).await {
        Ok(admitted) => admitted,
        Err(resp) => return resp,
    };
    let backfill = match query_get(&pairs, "backfill_minutes").map(|v| v.parse::<u32>()) {
        None => 0,
        Some(Ok(n)) if n <= 5 => n,
        Some(_) => {
            let v = query_get(&pairs, "backfill_minutes").unwrap_or_default();
            let msg = format!("The `backfill_minutes` query parameter value [{v}] is not between 0 and 5");
            return invalid_request("backfill_minutes", v, &msg, &g.rate);
        }
    };
    if sim.cfg.stream_requires_rules && sim.lock().rules.is_empty() {
        let body = json!({
            "title": "ConnectionException", "detail": "This stream has no rules: add rules before connecting.",
            "connection_issue": "NoRules", "type": "https://api.twitter.com/2/problems/streaming-connection",
        });
        return respond(StatusCode::CONFLICT, body, &g.rate);
    }
    if sim.stream_connected.compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst).is_err() {
        let body = json!({
            "title": "ConnectionException", "detail": "This stream is currently at the maximum allowed connection limit.",
            "connection_issue": "TooManyConnections", "type": "https://api.twitter.com/2/problems/streaming-connection",
        });
        return respond(StatusCode::TOO_MANY_REQUESTS, body, &g.rate);
    }
    let slot = Slot(sim.clone());
    Sim::count(&sim.stats.stream_connections);
    let live = sim.live.subscribe();
    let control = sim.control.subscribe();
    let fields = Fields::parse(&pairs, sim.cfg.post_naming);
    let (backlog, seen_up_to) = if backfill > 0 {
        let since = Utc::now() - chrono::Duration::minutes(i64::from(backfill));
        let inner = sim.lock();
        let recent: Vec<Arc<Post>> =
            inner.posts.iter().filter(|p| p.platform == Platform::X && p.created_at >= since).cloned().collect();
        (recent, inner.posts.last().map_or(0, |p| p.seq))
    } else {
        (Vec::new(), 0)
    };
    let (tx, rx) = mpsc::channel::<Result<Bytes, Infallible>>(READER_BUFFER);
    tracing::info!(backfill, "stream connected");
    tokio::spawn(serve_connection(slot, tx, live, control, backlog, seen_up_to, fields));
    let mut resp = respond(StatusCode::OK, Value::Null, &g.rate);
    *resp.body_mut() = Body::from_stream(ReceiverStream::new(rx));
    resp.headers_mut().insert("connection", HeaderValue::from_static("close"));
    resp.headers_mut().remove("content-length");
    resp
}

/// The line for a post, if any rule matches it.
fn line_for(sim: &Sim, p: &Post, fields: &Fields) -> Option<String> {
    let matching: Vec<Value> = sim
        .lock()
        .rules
        .iter()
        .filter(|r| r.expr.matches(p))
        // X sends `"tag": ""` for an untagged rule (clients index it).
        .map(|r| json!({"id": r.id, "tag": r.tag.as_deref().unwrap_or_default()}))
        .collect();
    if matching.is_empty() {
        return None;
    }
    let mut obj = json!({"data": post_json(&sim.cfg, p, fields), "matching_rules": matching});
    if let Some(inc) = includes(&sim.cfg, &[p], fields) {
        obj["includes"] = inc;
    }
    Some(format!("{obj}\r\n"))
}

const DISCONNECT: &str = concat!(
    r#"{"errors":[{"title":"operational-disconnect","disconnect_type":"OperationalDisconnect","#,
    r#""detail":"This stream has been disconnected for operational reasons.","#,
    r#""type":"https://api.twitter.com/2/problems/operational-disconnect"}]}"#,
    "\r\n"
);

enum Sent {
    Ok,
    Closed,
}

fn push(tx: &mpsc::Sender<Result<Bytes, Infallible>>, bytes: Bytes) -> Sent {
    match tx.try_send(Ok(bytes)) {
        Ok(()) => Sent::Ok,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!("stream reader too slow; dropping the connection");
            Sent::Closed
        }
        Err(mpsc::error::TrySendError::Closed(_)) => Sent::Closed,
    }
}

/// Writes one post's line, or half of it (then closes) if a truncation is due.
fn send_post(sim: &Sim, tx: &mpsc::Sender<Result<Bytes, Infallible>>, line: String) -> Sent {
    let truncate = {
        let mut f = sim.faults();
        let due = f.truncate_next_lines > 0;
        if due {
            f.truncate_next_lines -= 1;
        }
        due
    };
    if truncate {
        let mut whole = Bytes::from(line);
        let _ = push(tx, whole.split_to(whole.len() / 2));
        tracing::info!("stream line truncated (fault); closing the connection");
        return Sent::Closed;
    }
    push(tx, Bytes::from(line))
}

async fn serve_connection(
    slot: Slot,
    tx: mpsc::Sender<Result<Bytes, Infallible>>,
    mut live: broadcast::Receiver<Arc<Post>>,
    mut control: broadcast::Receiver<StreamControl>,
    backlog: Vec<Arc<Post>>,
    seen_up_to: u64,
    fields: Fields,
) {
    let sim = slot.0.clone();
    let faults = sim.faults().clone();
    let after = |secs: u64| if secs > 0 { Duration::from_secs(secs) } else { FAR };
    let drop_timer = sleep(after(faults.stream_drop_secs));
    let disconnect_timer = sleep(after(faults.stream_disconnect_secs));
    tokio::pin!(drop_timer, disconnect_timer);
    let ka = sim.cfg.keepalive;
    let mut keepalive = interval_at(Instant::now() + ka, ka);
    for p in &backlog {
        if let Some(line) = line_for(&sim, p, &fields)
            && let Sent::Closed = send_post(&sim, &tx, line)
        {
            return;
        }
    }
    let why = loop {
        tokio::select! {
            _ = sim.shutdown.cancelled() => break "shutdown",
            _ = tx.closed() => break "client gone",
            _ = &mut drop_timer => break "dropped (fault)",
            _ = &mut disconnect_timer => {
                let _ = push(&tx, Bytes::from_static(DISCONNECT.as_bytes()));
                break "operational disconnect (fault)";
            }
            c = control.recv() => match c {
                Ok(StreamControl::Disconnect) => {
                    let _ = push(&tx, Bytes::from_static(DISCONNECT.as_bytes()));
                    break "operational disconnect";
                }
                Ok(StreamControl::Drop) => break "dropped",
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break "closed",
            },
            _ = keepalive.tick() => {
                if !sim.faults().stream_stall && let Sent::Closed = push(&tx, Bytes::from_static(b"\r\n")) {
                    break "client gone";
                }
            }
            r = live.recv() => match r {
                Ok(p) if p.seq <= seen_up_to || sim.faults().stream_stall => continue,
                Ok(p) => {
                    if let Some(line) = line_for(&sim, &p, &fields)
                        && let Sent::Closed = send_post(&sim, &tx, line)
                    {
                        break "closed after a write";
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "stream connection lagged behind the public");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => break "closed",
            },
        }
    };
    tracing::info!(reason = why, "stream connection ended");
    // Free the slot before the reader sees the end, so it can reconnect at once.
    drop(slot);
    drop(tx);
}
