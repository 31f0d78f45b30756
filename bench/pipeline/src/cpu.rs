//! CPU per post, by process: the figure of merit of issue 21 (every
//! process's CPU-seconds from the first send to the last case queued, over
//! the cases queued), with each process's share, so that a report shows
//! where the floor is.

use std::fmt::Write;

use crate::run::{Path, Row};

/// The processes in the order the table lists them.
const PROCESSES: [&str; 8] = [
    "ingest",
    crate::usage::REPLAY_CHILDREN,
    "classify",
    "reply",
    "metrics",
    "nats-server",
    "postgres (all processes)",
    "bench (load + clients)",
];

fn cell(r: &Row, process: &str) -> String {
    let Some(s) = r.whole.services.iter().find(|s| s.service == process) else { return "–".into() };
    if r.queued == 0 {
        return "–".into();
    }
    let per_post = s.cpu_s * 1000.0 / r.queued as f64;
    let share = s.cpu_s / r.whole.cpu_s().max(1e-9) * 100.0;
    format!("{per_post:.3} ({share:.0} %)")
}

/// Markdown: CPU ms per post and each process's share, at 1,000 posts/s on
/// both paths, the fastest replay step and the burst.
pub fn per_post_table(o: &mut String, latency: &[Row], rising_replay: &[Row], burst: Option<&Row>) {
    let mut cols: Vec<(String, &Row)> = Vec::new();
    for p in [Path::Replay, Path::Webhook] {
        if let Some(r) = latency.iter().find(|r| r.rate == Some(1000) && r.path == p) {
            cols.push((format!("{p:?} 1,000/s"), r));
        }
    }
    if let Some(r) = rising_replay.iter().max_by(|a, b| a.end_to_end_per_s.total_cmp(&b.end_to_end_per_s)) {
        cols.push((format!("Replay {}/s offered", r.rate.map_or("unpaced".into(), |v| v.to_string())), r));
    }
    if let Some(b) = burst {
        cols.push(("burst".into(), b));
    }
    if cols.is_empty() {
        return;
    }
    o.push_str(
        "\n### CPU per post (ms of CPU per queued post, from the first send to the last case queued; each process's share)\n\n",
    );
    let _ = writeln!(o, "| process | {} |", cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(o, "|---|{}", "---:|".repeat(cols.len()));
    for p in PROCESSES {
        let cells: Vec<String> = cols.iter().map(|c| cell(c.1, p)).collect();
        let _ = writeln!(o, "| {p} | {} |", cells.join(" | "));
    }
    let total: Vec<String> = cols.iter().map(|c| format!("**{:.3}**", c.1.cpu_ms_per_post)).collect();
    let _ = writeln!(o, "| all processes | {} |", total.join(" | "));
}
