//! The report: every figure with the run that produced it, as markdown (for
//! docs/benchmarks.md) and JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::plan::Plan;
use crate::raw::{RawJetStream, RawPostgres};
use crate::run::{Path, Row};
use crate::usage::Usage;

#[derive(Serialize)]
pub struct ClientsRow {
    pub extra: usize,
    pub connect_s: f64,
    pub row: Row,
}

#[derive(Serialize)]
pub struct ScaleRow {
    pub units: usize,
    pub connect_s: f64,
    pub idle: Usage,
    pub row: Row,
}

#[derive(Serialize)]
pub struct Report {
    pub plan: Plan,
    pub date: String,
    pub load_average_at_start: String,
    pub cores: usize,
    pub total_seconds: f64,
    pub post_bytes: usize,
    pub units_41_connect_s: f64,
    pub idle_41: Option<Usage>,
    pub latency: Vec<Row>,
    pub clients: Vec<ClientsRow>,
    pub rising_webhook: Vec<Row>,
    pub rising_replay: Vec<Row>,
    pub burst: Option<Row>,
    pub ended_streams: u64,
    pub raw_jetstream: Option<RawJetStream>,
    pub raw_postgres: Option<RawPostgres>,
    /// NATS's CPU per message at 1, 41 and 83 busy consumers.
    pub consumer_cost: Vec<crate::consumer_cost::ConsumerCost>,
    pub scale: Option<ScaleRow>,
    /// PostgreSQL's rows and WAL per post, by run.
    pub writes: Vec<(String, crate::writes::Writes)>,
}

fn rate(r: Option<u32>) -> String {
    r.map_or_else(|| "unpaced".into(), |r| format!("{r}"))
}

pub(crate) fn n(v: f64) -> String {
    if v.is_nan() {
        return "–".into();
    }
    let s = format!("{:.0}", v);
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn ms(v: f64) -> String {
    if v.is_nan() { "–".into() } else { format!("{v:.1}") }
}

fn usage_cell(u: &Usage, service: &str) -> String {
    u.services
        .iter()
        .find(|s| s.service == service)
        .map_or("–".into(), |s| format!("{:.0} MB · {:.2}", s.rss_mb, s.cores))
}

/// The highest offered rate that did not fall behind.
pub fn sustained(rows: &[Row]) -> Option<&Row> {
    rows.iter().filter(|r| !r.fell_behind && r.rate.is_some()).max_by_key(|r| r.rate)
}

fn best_end_to_end(rows: &[Row]) -> f64 {
    rows.iter().map(|r| r.end_to_end_per_s).fold(f64::NAN, f64::max)
}

impl Report {
    pub fn new(plan: &Plan) -> Self {
        Self {
            plan: plan.clone(),
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            load_average_at_start: std::fs::read_to_string("/proc/loadavg")
                .unwrap_or_default()
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" "),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            total_seconds: 0.0,
            post_bytes: 0,
            units_41_connect_s: 0.0,
            idle_41: None,
            latency: Vec::new(),
            clients: Vec::new(),
            rising_webhook: Vec::new(),
            rising_replay: Vec::new(),
            burst: None,
            ended_streams: 0,
            raw_jetstream: None,
            raw_postgres: None,
            consumer_cost: Vec::new(),
            scale: None,
            writes: Vec::new(),
        }
    }

    fn services() -> [&'static str; 7] {
        ["ingest", "classify", "reply", "metrics", "bench (load + clients)", "nats-server", "postgres (all processes)"]
    }

    fn rows_table(out: &mut String, rows: &[&Row]) {
        out.push_str(
            "| run | path | offered/s | posts | accepted/s | end to end/s | drain s | p50 ms | p99 ms | max ms | waiting at classify / reply | machine busy | CPU ms/post | kept up |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|\n",
        );
        for r in rows {
            let _ = writeln!(
                out,
                "| {} | {:?} | {} | {} | {} | {} | {:.1} | {} | {} | {} | {} / {} | {:.0} % | {:.2} | {} |",
                r.name,
                r.path,
                rate(r.rate),
                n(r.sent.offered as f64),
                n(r.accept_per_s),
                n(r.end_to_end_per_s),
                r.drain_s,
                ms(r.p50_ms),
                ms(r.p99_ms),
                ms(r.max_ms),
                n(r.waiting_classify as f64),
                n(r.waiting_reply as f64),
                r.usage.machine_busy * 100.0,
                r.cpu_ms_per_post,
                if r.fell_behind { "**no**" } else { "yes" }
            );
        }
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "## pipeline ({} run, {})\n\n`bench/pipeline/run.sh{}`: {} cores, load average {} at the start, {:.0} s in all. \
             An encoded `Post` is {} bytes. Latency is from `Post.received_at` (stamped by ingest when it accepts the \
             post, ms resolution) to the case's `opened` update on its unit's `Desk.WatchQueue` stream. CPU is in cores \
             (1.00 = one core busy), memory is resident (VmRSS).\n",
            self.plan.mode,
            self.date,
            if self.plan.mode == "quick" { " --quick" } else { "" },
            self.cores,
            self.load_average_at_start,
            self.total_seconds,
            self.post_bytes
        );

        // Targets.
        let at_1000 = |p: Path| self.latency.iter().find(|r| r.rate == Some(1000) && r.path == p);
        let sw = sustained(&self.rising_webhook).and_then(|r| r.rate);
        let sr = sustained(&self.rising_replay).and_then(|r| r.rate);
        let sustained_txt = |s: Option<u32>, rows: &[Row]| {
            format!(
                "{} (best end to end {}/s)",
                s.map_or("none of the steps".into(), |r| format!("{r}/s")),
                n(best_end_to_end(rows))
            )
        };
        let all_rows: Vec<&Row> = self
            .latency
            .iter()
            .chain(&self.rising_webhook)
            .chain(&self.rising_replay)
            .chain(&self.burst)
            .chain(self.clients.iter().map(|c| &c.row))
            .chain(self.scale.iter().map(|s| &s.row))
            .collect();
        let worst_rss = all_rows
            .iter()
            .flat_map(|r| r.usage.services.iter())
            .filter(|s| ["ingest", "classify", "reply", "metrics"].contains(&s.service.as_str()))
            .max_by(|a, b| a.rss_mb.total_cmp(&b.rss_mb));
        let p99_1000: Vec<f64> =
            [Path::Webhook, Path::Replay].iter().filter_map(|p| at_1000(*p)).map(|r| r.p99_ms).collect();
        let _ = writeln!(o, "| target | measured | met |\n|---|---|---|");
        let _ = writeln!(
            o,
            "| ≥ 5,000 posts/s sustained end to end | webhook {}; replay {} | {} |",
            sustained_txt(sw, &self.rising_webhook),
            sustained_txt(sr, &self.rising_replay),
            if sw.max(sr).unwrap_or(0) >= 5000 { "yes" } else { "**no**" }
        );
        let burst_rate = self.burst.as_ref().map_or(f64::NAN, |b| b.end_to_end_per_s);
        let _ = writeln!(
            o,
            "| the {}-post burst drained at ≥ 5,000 posts/s | {}/s | {} |",
            n(self.plan.burst_posts as f64),
            n(burst_rate),
            if burst_rate >= 5000.0 { "yes" } else { "**no**" }
        );
        let _ = writeln!(
            o,
            "| p99 ingest → queue ≤ 50 ms at 1,000 posts/s | webhook {} ms; replay {} ms | {} |",
            at_1000(Path::Webhook).map_or("–".into(), |r| ms(r.p99_ms)),
            at_1000(Path::Replay).map_or("–".into(), |r| ms(r.p99_ms)),
            if !p99_1000.is_empty() && p99_1000.iter().all(|p| *p <= 50.0) { "yes" } else { "**no**" }
        );
        let at_100: Vec<&Row> = self.latency.iter().filter(|r| r.rate == Some(100)).collect();
        let _ = writeln!(
            o,
            "| p99 ingest → queue ≤ 20 ms at 100 posts/s | {} | {} |",
            at_100.iter().map(|r| format!("{:?} {} ms", r.path, ms(r.p99_ms))).collect::<Vec<_>>().join("; "),
            if !at_100.is_empty() && at_100.iter().all(|r| r.p99_ms <= 20.0) { "yes" } else { "**no**" }
        );
        let cpu_replay = at_1000(Path::Replay).map_or(f64::NAN, |r| r.cpu_ms_per_post);
        let _ = writeln!(
            o,
            "| CPU ≤ 0.4 ms per post at 1,000 posts/s replay (every process) | {:.2} ms (webhook {:.2} ms) | {} |",
            cpu_replay,
            at_1000(Path::Webhook).map_or(f64::NAN, |r| r.cpu_ms_per_post),
            if cpu_replay <= 0.4 { "yes" } else { "**no**" }
        );
        let _ = writeln!(
            o,
            "| each service < 100 MB resident under load | largest: {} | {} |\n",
            worst_rss.map_or("–".into(), |s| format!("{} {:.0} MB", s.service, s.rss_mb)),
            if worst_rss.is_some_and(|s| s.rss_mb < 100.0) { "yes" } else { "**no**" }
        );

        o.push_str("### Latency at fixed rates, and at the highest rate each path kept up with\n\n");
        let mut rows: Vec<&Row> = self.latency.iter().collect();
        rows.extend(sustained(&self.rising_webhook));
        rows.extend(sustained(&self.rising_replay));
        Self::rows_table(&mut o, &rows);

        let _ = writeln!(
            o,
            "\n### Rising rates ({} s a step; a path stops at its first step that falls behind)\n",
            self.plan.step_seconds
        );
        let rows: Vec<&Row> = self.rising_webhook.iter().chain(&self.rising_replay).collect();
        Self::rows_table(&mut o, &rows);
        o.push_str(
            "\n\"Kept up\": the sender kept the offered rate (within 5 %), nothing failed, every case was queued, and \
             the last case was queued within 2 s of the last send, and end to end/s was at least 85 % of the offered rate. End to end/s = acknowledged posts ÷ (first send → \
             last case queued).\n",
        );

        if let Some(b) = &self.burst {
            let _ = writeln!(
                o,
                "\n### Burst\n\n{} posts across {} districts, replayed unpaced: ingest acknowledged them in {:.1} s \
                 ({}/s); the last case was queued {:.1} s after the last acknowledgement, so the burst drained {:.1} s \
                 after it began ({}/s end to end). p50 {} ms, p99 {} ms, max {} ms. Watch streams ended by the server \
                 over the whole run: {}.",
                n(b.sent.offered as f64),
                b.units,
                b.sent.seconds,
                n(b.accept_per_s),
                b.drain_s,
                b.sent.seconds + b.drain_s,
                n(b.end_to_end_per_s),
                ms(b.p50_ms),
                ms(b.p99_ms),
                ms(b.max_ms),
                self.ended_streams
            );
        }

        if let (Some(js), Some(pg)) = (&self.raw_jetstream, &self.raw_postgres) {
            let wh = best_end_to_end(&self.rising_webhook);
            let rp = best_end_to_end(&self.rising_replay).max(self.burst.as_ref().map_or(0.0, |b| b.end_to_end_per_s));
            let _ = writeln!(
                o,
                "\n### The raw parts, same run, same servers\n\n\
                 | part | raw | pipeline | pipeline ÷ raw |\n|---|---:|---:|---:|\n\
                 | JetStream publish (512 acks in flight) → pull consume, {} B messages, msgs/s | {} | replay {} posts/s; webhook {} | {:.3}; {:.3} |\n\
                 | PostgreSQL `INSERT … SELECT FROM UNNEST`, 500-row batches, rows/s | {} | replay {} posts/s | {:.3} |\n\
                 | PostgreSQL single-row inserts on 8 connections, rows/s | {} | webhook {} posts/s | {:.3} |\n\
                 | JetStream publish → consume p99 at 1,000 msgs/s, ms | {} | webhook {} / replay {} at 1,000 posts/s | {:.0}× / {:.0}× |\n",
                js.message_bytes,
                n(js.publish_consume_per_s),
                n(rp),
                n(wh),
                rp / js.publish_consume_per_s,
                wh / js.publish_consume_per_s,
                n(pg.batch_500_per_s),
                n(rp),
                rp / pg.batch_500_per_s,
                n(pg.single_row_8_conns_per_s),
                n(wh),
                wh / pg.single_row_8_conns_per_s,
                ms(js.paced_p99_ms),
                at_1000(Path::Webhook).map_or("–".into(), |r| ms(r.p99_ms)),
                at_1000(Path::Replay).map_or("–".into(), |r| ms(r.p99_ms)),
                at_1000(Path::Webhook).map_or(f64::NAN, |r| r.p99_ms) / js.paced_p99_ms,
                at_1000(Path::Replay).map_or(f64::NAN, |r| r.p99_ms) / js.paced_p99_ms,
            );
            o.push_str(
                "A post crosses JetStream three times (ingested, classified, case event) and PostgreSQL four times \
                 (archive with its pending row, decision, case transaction), so a pipeline at ⅓ of the JetStream ceiling \
                 or ¼ of the insert ceiling would be at the parts' limit.\n",
            );
        }

        crate::consumer_cost::table(&mut o, &self.consumer_cost);
        crate::cpu::per_post_table(&mut o, &self.latency, &self.rising_replay, self.burst.as_ref());
        for (label, w) in &self.writes {
            crate::writes::markdown(&mut o, label, w);
        }

        // Memory and CPU.
        o.push_str("\n### Memory and CPU per service (resident MB · cores)\n\n");
        let mut cols: Vec<(String, &Usage)> = Vec::new();
        if let Some(u) = &self.idle_41 {
            cols.push(("idle".into(), u));
        }
        for r in self.latency.iter().filter(|r| r.rate == Some(1000)) {
            cols.push((format!("{:?} 1,000/s", r.path), &r.usage));
        }
        for rows in [&self.rising_webhook, &self.rising_replay] {
            if let Some(r) = rows.iter().max_by(|a, b| a.accept_per_s.total_cmp(&b.accept_per_s)) {
                cols.push((format!("{:?} {}/s offered", r.path, rate(r.rate)), &r.usage));
            }
        }
        if let Some(b) = &self.burst {
            cols.push(("burst".into(), &b.usage));
        }
        let _ = writeln!(o, "| service | {} |", cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(" | "));
        let _ = writeln!(o, "|---|{}", "---:|".repeat(cols.len()));
        for s in Self::services() {
            let cells: Vec<String> = cols.iter().map(|c| usage_cell(c.1, s)).collect();
            let _ = writeln!(o, "| {s} | {} |", cells.join(" | "));
        }
        let busy: Vec<String> = cols.iter().map(|c| format!("{:.0} %", c.1.machine_busy * 100.0)).collect();
        let _ = writeln!(o, "| whole machine busy | {} |", busy.join(" | "));

        // Scaling.
        if let Some(s) = &self.scale {
            let base = self.latency.iter().find(|r| r.rate == Some(s.row.rate.unwrap_or(0)) && r.path == Path::Webhook);
            let _ = writeln!(
                o,
                "\n### Units and accounts: 41 → {} (one X account each)\n\n\
                 | | 41 districts | {} districts |\n|---|---:|---:|\n\
                 | one watch stream per unit, opened in s | {:.2} | {:.2} |",
                s.units, s.units, self.units_41_connect_s, s.connect_s
            );
            for svc in ["ingest", "classify", "reply", "metrics"] {
                let _ = writeln!(
                    o,
                    "| {svc} idle | {} | {} |",
                    self.idle_41.as_ref().map_or("–".into(), |u| usage_cell(u, svc)),
                    usage_cell(&s.idle, svc)
                );
            }
            for svc in ["ingest", "classify", "reply", "metrics"] {
                let _ = writeln!(
                    o,
                    "| {svc} at {}/s webhook | {} | {} |",
                    rate(s.row.rate),
                    base.map_or("–".into(), |b| usage_cell(&b.usage, svc)),
                    usage_cell(&s.row.usage, svc)
                );
            }
            let lat = |r: &Row| format!("{} / {} / {}", ms(r.p50_ms), ms(r.p99_ms), ms(r.max_ms));
            let _ = writeln!(
                o,
                "| p50 / p99 / max ms at {}/s | {} | {} |\n| kept up | {} | {} |",
                rate(s.row.rate),
                base.map_or("–".into(), lat),
                lat(&s.row),
                base.map_or("–", |b| if b.fell_behind { "**no**" } else { "yes" }),
                if s.row.fell_behind { "**no**" } else { "yes" }
            );
        }
        if !self.clients.is_empty() {
            let _ = writeln!(
                o,
                "\n### Connected desk clients ({} posts/s webhook, {} s each; one measuring client per district plus the extra ones)\n\n\
                 | clients | connect s | deliveries | delivery p99 ms | queue p99 ms | reply | bench (clients) | kept up |\n\
                 |---:|---:|---:|---:|---:|---:|---:|---|",
                self.plan.clients_rate, self.plan.clients_seconds
            );
            for c in &self.clients {
                let _ = writeln!(
                    o,
                    "| {} | {:.2} | {} | {} | {} | {} | {} | {} |",
                    c.row.clients,
                    c.connect_s,
                    n(c.row.deliveries as f64),
                    ms(c.row.deliveries_p99_ms),
                    ms(c.row.p99_ms),
                    usage_cell(&c.row.usage, "reply"),
                    usage_cell(&c.row.usage, "bench (load + clients)"),
                    if c.row.fell_behind { "**no**" } else { "yes" }
                );
            }
        }
        o
    }
}
