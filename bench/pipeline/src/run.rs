//! One measured load run: offer posts through a path, wait for their cases
//! to reach the units' queues, and sum up what was seen.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::deploy::Deployment;
use crate::load::{self, Sent};
use crate::usage::{Meter, Usage};
use std::sync::Arc;

use crate::watch::Seen;

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Path {
    /// Signed `POST /v1/posts`, one post per request.
    Webhook,
    /// `tvarit-ingest replay FILE [--rate N]`, batches of rate/10 (≤ 500).
    Replay,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub name: String,
    pub path: Path,
    pub units: usize,
    pub clients: usize,
    /// Offered posts/s (None: as fast as ingest acknowledges).
    pub rate: Option<u32>,
    pub sent: Sent,
    /// Posts ingest acknowledged per second while sending.
    pub accept_per_s: f64,
    pub queued: u64,
    /// Acknowledged posts / (first send → last case queued).
    pub end_to_end_per_s: f64,
    /// From the last send to the last case queued.
    pub drain_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Deliveries to all clients, and their p99.
    pub deliveries: u64,
    pub deliveries_p99_ms: f64,
    /// Messages waiting for (pending + unacknowledged by) classify and
    /// reply when the last post was sent: where the backlog sits.
    pub waiting_classify: u64,
    pub waiting_reply: u64,
    /// The offered rate was not kept, posts failed, cases were still
    /// arriving more than 2 s after the last send, or end to end was below
    /// 85 % of the offered rate.
    pub fell_behind: bool,
    /// While sending.
    pub usage: Usage,
    /// From the first send to the last case queued: the work the posts
    /// caused, drain included.
    pub whole: Usage,
    /// `whole`'s CPU-seconds of every process (services, NATS, every
    /// PostgreSQL process, the load generator and its desk clients) per
    /// queued post, in ms.
    pub cpu_ms_per_post: f64,
}

pub struct Ctx<'a> {
    pub d: &'a Deployment,
    pub seen: Arc<Seen>,
    /// Desk clients connected now.
    pub clients: usize,
    pub pids: Vec<(String, u32)>,
    pub drain_timeout: Duration,
    pub js: async_nats::jetstream::Context,
    pub next_phase: usize,
}

impl Ctx<'_> {
    /// Sends `seconds` worth of posts at `rate` (replay: `None` = unpaced;
    /// `count` overrides the number), then waits for the cases to drain.
    pub async fn run(
        &mut self,
        name: &str,
        path: Path,
        rate: Option<u32>,
        seconds: f64,
        count: Option<u64>,
    ) -> anyhow::Result<Row> {
        let phase = self.next_phase;
        self.next_phase += 1;
        let seen = self.seen.clone();
        seen.current.store(phase, Ordering::Relaxed);
        let count = count.unwrap_or_else(|| (f64::from(rate.unwrap_or(1000)) * seconds).round() as u64);
        let meter = Meter::start(self.pids.clone());
        let start = Instant::now();
        let sent = match path {
            Path::Webhook => load::webhook(self.d, phase, count, f64::from(rate.unwrap_or(1000)), 64).await?,
            Path::Replay => load::replay(self.d, phase, count, rate).await?,
        };
        let usage = meter.read();
        let sent_at = Instant::now();
        let waiting_classify = waiting(&self.js, self.d, "INGESTED", "classify-ingested", None).await;
        let waiting_reply = waiting(&self.js, self.d, "CLASSIFIED", "reply-classified", None).await;
        // Drain: until every acknowledged post's case is queued, or no new
        // case arrived for the timeout.
        let mut last_progress = (seen.queued(phase), Instant::now());
        while seen.queued(phase) < sent.accepted {
            tokio::time::sleep(Duration::from_millis(50)).await;
            let q = seen.queued(phase);
            if q != last_progress.0 {
                last_progress = (q, Instant::now());
            } else if last_progress.1.elapsed() > self.drain_timeout {
                eprintln!("{name}: {} of {} cases queued; gave up waiting", q, sent.accepted);
                break;
            }
        }
        let whole = meter.read();
        let p = seen.phase(phase);
        let last = p.last.unwrap_or(sent_at);
        let drain_s = last.saturating_duration_since(sent_at).as_secs_f64();
        let accept_per_s = sent.accepted as f64 / sent.seconds.max(1e-3);
        let kept_rate = rate.is_none_or(|r| sent.seconds <= count as f64 / f64::from(r) * 1.05 + 0.2);
        let row = Row {
            name: name.into(),
            path,
            units: self.d.units.len(),
            clients: self.clients,
            rate,
            accept_per_s,
            queued: p.queued,
            end_to_end_per_s: p.queued as f64 / last.duration_since(start).as_secs_f64().max(1e-3),
            drain_s,
            p50_ms: p.to_queue.quantile_ms(0.5),
            p99_ms: p.to_queue.quantile_ms(0.99),
            max_ms: p.to_queue.quantile_ms(1.0),
            deliveries: p.deliveries.len(),
            waiting_classify,
            waiting_reply,
            deliveries_p99_ms: p.deliveries.quantile_ms(0.99),
            fell_behind: !kept_rate
                || sent.failed > 0
                || p.queued < sent.accepted
                || drain_s > 2.0
                || rate
                    .is_some_and(|r| p.queued as f64 / last.duration_since(start).as_secs_f64() < 0.85 * f64::from(r)),
            sent,
            usage,
            cpu_ms_per_post: if p.queued > 0 { whole.cpu_s() * 1000.0 / p.queued as f64 } else { f64::NAN },
            whole,
        };
        eprintln!(
            "{name}: {} posts, waiting classify {} reply {}, accepted {:.0}/s, end to end {:.0}/s, queued {}, drain {:.1} s, p50 {:.1} ms p99 {:.1} ms max {:.1} ms, CPU {:.2} ms/post{}",
            row.sent.offered,
            row.waiting_classify,
            row.waiting_reply,
            row.accept_per_s,
            row.end_to_end_per_s,
            row.queued,
            row.drain_s,
            row.p50_ms,
            row.p99_ms,
            row.max_ms,
            row.cpu_ms_per_post,
            if row.fell_behind { "  [fell behind]" } else { "" }
        );
        Ok(row)
    }

    /// Resident memory and CPU with no load, over `seconds`.
    pub async fn idle(&self, seconds: f64) -> Usage {
        let meter = Meter::start(self.pids.clone());
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        meter.read()
    }
}

/// Pending plus unacknowledged messages of a service's consumers: one per
/// unit, `<base>-<unit>` (`units`: every unit when `None`).
pub async fn waiting(
    js: &async_nats::jetstream::Context,
    d: &Deployment,
    stream: &str,
    base: &str,
    units: Option<&[String]>,
) -> u64 {
    let stream = format!("{}_{stream}", d.ns.to_uppercase());
    let Ok(s) = js.get_stream(&stream).await else { return 0 };
    let all: Vec<String> = d.units.iter().map(|u| u.slug.clone()).chain(["hq".to_owned()]).collect();
    let mut total = 0;
    for unit in units.unwrap_or(&all) {
        if let Ok(info) = s.consumer_info(format!("{base}-{unit}")).await {
            total += info.num_pending + info.num_ack_pending as u64;
        }
    }
    total
}
