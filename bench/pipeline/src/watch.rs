//! Desk clients: WatchQueue streams over gRPC, as an operator's console
//! holds them. One "measuring" client per unit counts each post's case once
//! (its `opened` event); extra clients stand for more operators and only add
//! deliveries. Each delivery is timed from the post's ingest time
//! (`Post.received_at`, stamped by ingest when it accepted the post).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use tonic::Request;
use tonic::transport::Channel;
use tvarit_proto::time::Timestamp;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{CaseEventKind, QueueUpdate, WatchQueueRequest};

use crate::hist::Hist;

/// What the clients saw during one phase.
#[derive(Default, Clone)]
pub struct PhaseSeen {
    /// Distinct posts whose case opened in its unit's queue.
    pub queued: u64,
    /// Ingest accept → the unit's measuring client.
    pub to_queue: Hist,
    /// Platform time (the simulator's post time) → the measuring client.
    pub from_platform: Hist,
    /// Every delivery to every client.
    pub deliveries: Hist,
    /// `to_queue` split: the hot district's cases, and every other unit's.
    pub hot: Hist,
    pub others: Hist,
    pub first: Option<Instant>,
    pub last: Option<Instant>,
}

#[derive(Default)]
pub struct Seen {
    phases: Mutex<Vec<PhaseSeen>>,
    /// Posts whose id carries no phase (the simulator's) go to this phase.
    pub current: AtomicUsize,
    /// Streams the server ended (e.g. `RESOURCE_EXHAUSTED` for a slow client).
    pub ended_streams: AtomicU64,
    /// The hot district's slug, when a run has one.
    pub hot_unit: std::sync::OnceLock<String>,
}

/// The phase a bench post id (`b<phase>-<n>`) belongs to.
pub fn phase_of(post_id: &str) -> Option<usize> {
    post_id.strip_prefix('b')?.split_once('-')?.0.parse().ok()
}

fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_micros() as i64
}

fn ts_us(t: &Timestamp) -> i64 {
    t.seconds * 1_000_000 + i64::from(t.nanos) / 1000
}

impl Seen {
    pub fn phase(&self, i: usize) -> PhaseSeen {
        self.phases.lock().unwrap().get(i).cloned().unwrap_or_default()
    }

    pub fn queued(&self, i: usize) -> u64 {
        self.phases.lock().unwrap().get(i).map_or(0, |p| p.queued)
    }

    fn record(&self, update: QueueUpdate, measuring: bool) {
        if update.snapshot || update.kind != CaseEventKind::Opened as i32 {
            return;
        }
        let Some(case) = update.case else { return };
        let hot = self.hot_unit.get().is_some_and(|u| *u == case.unit);
        let Some(post) = case.post else { return };
        let now = now_us();
        let phase = phase_of(&post.post_id).unwrap_or_else(|| self.current.load(Ordering::Relaxed));
        let mut phases = self.phases.lock().unwrap();
        if phases.len() <= phase {
            phases.resize_with(phase + 1, PhaseSeen::default);
        }
        let p = &mut phases[phase];
        let since = |t: Option<&Timestamp>| t.map(|t| (now - ts_us(t)).max(0) as u64);
        if let Some(us) = since(post.received_at.as_ref()) {
            p.deliveries.record(us);
            if measuring {
                p.to_queue.record(us);
                if hot { p.hot.record(us) } else { p.others.record(us) }
            }
        }
        if measuring {
            p.queued += 1;
            if let Some(us) = since(post.created_at.as_ref()) {
                p.from_platform.record(us);
            }
            let t = Instant::now();
            p.first.get_or_insert(t);
            p.last = Some(t);
        }
    }
}

/// Connections are shared by up to this many streams (an HTTP/2 connection
/// carries many; one per client would measure the kernel, not the desk).
const STREAMS_PER_CONNECTION: usize = 50;

pub struct Watchers {
    pub seen: Arc<Seen>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    channels: Vec<Channel>,
    desk: String,
    token: String,
}

impl Watchers {
    pub fn new(desk: String, token: String) -> Self {
        Self { seen: Arc::default(), tasks: Vec::new(), channels: Vec::new(), desk, token }
    }

    pub fn clients(&self) -> usize {
        self.tasks.len()
    }

    /// Opens one watch on `unit`; `measuring` clients count posts and time them.
    pub async fn watch(&mut self, unit: &str, measuring: bool) -> anyhow::Result<()> {
        if self.tasks.len() / STREAMS_PER_CONNECTION >= self.channels.len() {
            self.channels.push(Channel::from_shared(self.desk.clone())?.connect().await?);
        }
        let channel = self.channels.last().unwrap().clone();
        let mut req = Request::new(WatchQueueRequest { unit: unit.into() });
        req.metadata_mut().insert("authorization", format!("Bearer {}", self.token).parse()?);
        let mut stream = DeskClient::new(channel).watch_queue(req).await?.into_inner();
        let seen = self.seen.clone();
        self.tasks.push(tokio::spawn(async move {
            loop {
                match stream.next().await {
                    Some(Ok(update)) => seen.record(update, measuring),
                    Some(Err(e)) => {
                        eprintln!("watch stream ended by the server: {e}");
                        seen.ended_streams.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    None => return,
                }
            }
        }));
        Ok(())
    }

    /// Closes the extra (non-measuring) clients beyond the first `keep`.
    pub fn close_from(&mut self, keep: usize) {
        for t in self.tasks.drain(keep.min(self.tasks.len())..) {
            t.abort();
        }
        self.channels.truncate(self.tasks.len().div_ceil(STREAMS_PER_CONNECTION).max(1));
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
