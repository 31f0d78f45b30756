//! `tvarit-ingest replay FILE [--rate N]`: publishes every line of a JSONL
//! file through the same archive-then-publish path as the webhook, retrying
//! while NATS or PostgreSQL is away, and exits once all are acknowledged.

use std::io::BufRead;
use std::time::{Duration, Instant};

use tvarit_proto::v1::Post;
use tvarit_registry::Registry;

use crate::accept::{Acceptor, Outcome};
use crate::post_input::parse_post;

const BATCH: usize = 500;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    pub new: u64,
    pub duplicates: u64,
    pub rejected: u64,
}

/// Replays `reader`; `rate` caps posts per second (`None`: as fast as acks
/// allow). Bad lines are reported on stderr with their line number and
/// counted as rejected; they never stop the replay.
pub async fn replay(
    reader: impl BufRead,
    acceptor: &Acceptor,
    registry: &Registry,
    rate: Option<u32>,
) -> anyhow::Result<ReplaySummary> {
    let mut summary = ReplaySummary::default();
    let batch_size = rate.map_or(BATCH, |r| (r as usize / 10).clamp(1, BATCH));
    let started = Instant::now();
    let mut sent: u64 = 0;
    let mut batch = Vec::with_capacity(batch_size);
    for (index, line) in reader.split(b'\n').enumerate() {
        let line_no = index + 1;
        let line = line?;
        let Some(parsed) = parse_line(&line, registry, chrono::Utc::now()) else {
            continue;
        };
        match parsed {
            Ok(post) => batch.push(post),
            Err(e) => {
                eprintln!("line {line_no}: {e}");
                summary.rejected += 1;
            }
        }
        if batch.len() >= batch_size {
            sent += flush(&mut batch, acceptor, &mut summary).await;
            pace(rate, sent, started).await;
        }
    }
    flush(&mut batch, acceptor, &mut summary).await;
    Ok(summary)
}

/// One line of a replay file (without its `\n`): `None` for a blank line,
/// else the post or the reason it was rejected.
pub fn parse_line(
    line: &[u8],
    registry: &Registry,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<Result<Post, String>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(
        std::str::from_utf8(line)
            .map_err(|e| format!("not valid UTF-8: {e}"))
            .and_then(|text| parse_post(text, registry, now, "replay").map_err(|e| e.to_string())),
    )
}

async fn flush(batch: &mut Vec<Post>, acceptor: &Acceptor, summary: &mut ReplaySummary) -> u64 {
    if batch.is_empty() {
        return 0;
    }
    let mut backoff = Duration::from_millis(200);
    let outcomes = loop {
        match acceptor.accept(batch).await {
            Ok(o) => break o,
            Err(e) => {
                eprintln!("{e}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    };
    for o in outcomes {
        match o {
            Outcome::New => summary.new += 1,
            Outcome::Duplicate => summary.duplicates += 1,
        }
    }
    let n = batch.len() as u64;
    batch.clear();
    n
}

async fn pace(rate: Option<u32>, sent: u64, started: Instant) {
    if let Some(rate) = rate.filter(|r| *r > 0) {
        let due = Duration::from_secs_f64(sent as f64 / f64::from(rate));
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
}
