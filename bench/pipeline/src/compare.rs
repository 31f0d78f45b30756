//! Two runs side by side (`--side-by-side A B`): the same bench against
//! NATS with its default 2-minute fsync and with `sync_interval: always`
//! as deployed (`deploy/nats/nats.conf`), read back from their report.json.

use std::fmt::Write;
use std::path::Path;

use serde_json::Value;

use crate::report::n;

fn load(dir: &Path) -> anyhow::Result<Value> {
    let file = dir.join("report.json");
    let text = std::fs::read_to_string(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    Ok(serde_json::from_str(&text)?)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// "2,000/s (fell at 4,000: 2,342/s)": the highest step kept, and the first
/// that was not with what it reached end to end.
fn kept_up(rows: &Value) -> String {
    let rows = rows.as_array().cloned().unwrap_or_default();
    let kept = rows.iter().filter(|r| r["fell_behind"] == false).filter_map(|r| r["rate"].as_u64()).max();
    let fell = rows.iter().find(|r| r["fell_behind"] == true);
    let mut s = kept.map_or("none".into(), |k| format!("{}/s", n(k as f64)));
    if let Some(f) = fell {
        let rate = n(f["rate"].as_u64().unwrap_or(0) as f64);
        let _ = write!(s, " (fell at {rate}: {}/s)", n(num(&f["end_to_end_per_s"])));
    }
    s
}

fn latency(report: &Value, path: &str, rate: u64, field: &str) -> f64 {
    report["latency"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["path"] == path && r["rate"].as_u64() == Some(rate)))
        .map_or(f64::NAN, |r| num(&r[field]))
}

/// The markdown table of runs `(label, dir)`.
pub fn side_by_side(runs: &[(&str, &Path)]) -> anyhow::Result<String> {
    let mut o = String::from(
        "| NATS | raw JetStream msgs/s | replay kept up | webhook kept up | burst/s | p99 ms at 100/s replay | p99 ms at 1,000/s replay / webhook | CPU ms/post at 1,000/s replay / webhook |\n\
         |---|---:|---|---|---:|---:|---:|---:|\n",
    );
    for (label, dir) in runs {
        let r = load(dir)?;
        let _ = writeln!(
            o,
            "| {label} | {} | {} | {} | {} | {:.1} | {:.1} / {:.1} | {:.2} / {:.2} |",
            n(num(&r["raw_jetstream"]["publish_consume_per_s"])),
            kept_up(&r["rising_replay"]),
            kept_up(&r["rising_webhook"]),
            n(num(&r["burst"]["end_to_end_per_s"])),
            latency(&r, "replay", 100, "p99_ms"),
            latency(&r, "replay", 1000, "p99_ms"),
            latency(&r, "webhook", 1000, "p99_ms"),
            latency(&r, "replay", 1000, "cpu_ms_per_post"),
            latency(&r, "webhook", 1000, "cpu_ms_per_post"),
        );
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_up_names_the_highest_step_kept_and_the_first_that_fell() {
        let rows = serde_json::json!([
            {"rate": 1000, "fell_behind": false, "end_to_end_per_s": 1000.0},
            {"rate": 2000, "fell_behind": false, "end_to_end_per_s": 1990.0},
            {"rate": 4000, "fell_behind": true, "end_to_end_per_s": 2342.4},
        ]);
        assert_eq!(kept_up(&rows), "2,000/s (fell at 4,000: 2,342/s)");
        assert_eq!(
            kept_up(&serde_json::json!([{"rate": 1000, "fell_behind": true, "end_to_end_per_s": 786.0}])),
            "none (fell at 1,000: 786/s)"
        );
    }
}
