//! `--hot-district`: one district's worst day. 80 % of 1,000 posts/s tag one
//! district (Jodhpur), the rest go round robin over the other 40; run once
//! with one reply instance for every unit and once with the district on a
//! reply instance of its own (`TVARIT_UNITS=jodhpur`, the main one
//! `-jodhpur`), and compare each side's p99 ingest → queue. The raw
//! JetStream and PostgreSQL parts are measured in the same run for ratios.

use std::fmt::Write as _;
use std::path::Path as FsPath;
use std::time::Duration;

use serde::Serialize;

use crate::deploy::{Deployment, Env};
use crate::raw::{self, RawJetStream, RawPostgres};
use crate::run::{Ctx, Path, waiting};
use crate::watch::Watchers;

/// The district that has the bad day.
const HOT: &str = "jodhpur";

#[derive(Debug, Serialize)]
pub struct HotRow {
    pub setup: &'static str,
    pub offered_per_s: u32,
    pub seconds: f64,
    pub hot_posts: u64,
    pub other_posts: u64,
    pub hot_p50_ms: f64,
    pub hot_p99_ms: f64,
    pub others_p50_ms: f64,
    pub others_p99_ms: f64,
    pub end_to_end_per_s: f64,
    /// Waiting at the district's reply consumer / every other unit's, when the last post was sent.
    pub waiting_hot: u64,
    pub waiting_others: u64,
    /// Cores of the reply instances (main, district) and the machine's busy share.
    pub reply_cores: Vec<(String, f64)>,
    pub machine_busy: f64,
    pub kept_up: bool,
}

#[derive(Serialize)]
struct HotReport {
    rows: Vec<HotRow>,
    raw_jetstream: Option<RawJetStream>,
    raw_postgres: Option<RawPostgres>,
}

/// Runs both setups at `rate` posts/s for `seconds` each (replay path).
pub async fn run(env: &Env, nats: &str, out: &FsPath, rate: u32, seconds: f64) -> anyhow::Result<()> {
    let mut report = HotReport { rows: Vec::new(), raw_jetstream: None, raw_postgres: None };
    for (tag, own) in [("hot1", None), ("hot2", Some(HOT))] {
        let mut d = Deployment::start_split(env, tag, 41, own).await?;
        let result = measure(&mut d, nats, rate, seconds, own.is_some(), &mut report).await;
        d.stop().await?;
        report.rows.push(result?);
    }
    let md = markdown(&report, rate, seconds);
    std::fs::write(out.join("report.md"), &md)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&report)?)?;
    println!("{md}");
    Ok(())
}

async fn measure(
    d: &mut Deployment,
    nats: &str,
    rate: u32,
    seconds: f64,
    own: bool,
    report: &mut HotReport,
) -> anyhow::Result<HotRow> {
    let hot = d.units.iter().position(|u| u.slug == HOT).ok_or_else(|| anyhow::anyhow!("no {HOT} in the registry"))?;
    d.hot = Some(hot);
    let d = &*d;
    let mut watchers = Watchers::new(format!("http://{}", d.service("reply").grpc), d.token.clone());
    let _ = watchers.seen.hot_unit.set(HOT.to_owned());
    for u in &d.units {
        watchers.watch(&u.slug, true).await?;
    }
    let replies: Vec<(String, u32)> = d
        .services
        .iter()
        .filter(|s| s.name == "reply")
        .enumerate()
        .map(|(i, s)| (if i == 0 { "reply" } else { "reply (district)" }.to_owned(), s.pid))
        .collect();
    let mut pids: Vec<(String, u32)> =
        d.services.iter().filter(|s| s.name != "reply").map(|s| (s.name.to_owned(), s.pid)).collect();
    pids.extend(replies.iter().cloned());
    let js = async_nats::jetstream::new(async_nats::connect(nats).await?);
    let mut ctx = Ctx {
        d,
        seen: watchers.seen.clone(),
        clients: watchers.clients(),
        pids,
        drain_timeout: Duration::from_secs(30),
        js: js.clone(),
        next_phase: 1,
    };
    // A short warm-up, so both setups start with their connections and caches.
    ctx.run("warm-up", Path::Replay, Some(rate), 2.0, None).await?;
    let phase = ctx.next_phase;
    let setup = if own { "Jodhpur on its own reply instance" } else { "one reply instance for every unit" };
    // The backlog is read while the load runs, half way.
    let name = format!("hot district, {setup}");
    let probe = {
        let js = js.clone();
        let hot_units = [HOT.to_owned()];
        let others: Vec<String> =
            d.units.iter().map(|u| u.slug.clone()).filter(|s| s != HOT).chain(["hq".to_owned()]).collect();
        async move {
            tokio::time::sleep(Duration::from_secs_f64(seconds / 2.0)).await;
            let hot = waiting(&js, d, "CLASSIFIED", "reply-classified", Some(&hot_units)).await;
            (hot, waiting(&js, d, "CLASSIFIED", "reply-classified", Some(&others)).await)
        }
    };
    let (row, (waiting_hot, waiting_others)) =
        tokio::join!(ctx.run(&name, Path::Replay, Some(rate), seconds, None), probe);
    let row = row?;
    let p = ctx.seen.phase(phase);
    let reply_cores = row
        .usage
        .services
        .iter()
        .filter(|s| s.service.starts_with("reply"))
        .map(|s| (s.service.clone(), s.cores))
        .collect();
    if own {
        report.raw_jetstream = Some(raw::jetstream(nats, &d.ns, crate::encoded_post_bytes(d), 20_000).await?);
        report.raw_postgres = Some(raw::postgres(&d.database_url, crate::encoded_post_bytes(d), 20_000).await?);
    }
    Ok(HotRow {
        setup,
        offered_per_s: rate,
        seconds,
        hot_posts: p.hot.len(),
        other_posts: p.others.len(),
        hot_p50_ms: p.hot.quantile_ms(0.5),
        hot_p99_ms: p.hot.quantile_ms(0.99),
        others_p50_ms: p.others.quantile_ms(0.5),
        others_p99_ms: p.others.quantile_ms(0.99),
        end_to_end_per_s: row.end_to_end_per_s,
        waiting_hot,
        waiting_others,
        reply_cores,
        machine_busy: row.usage.machine_busy,
        kept_up: !row.fell_behind,
    })
}

fn markdown(r: &HotReport, rate: u32, seconds: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Hot district: {rate} posts/s for {seconds:.0} s through `tvarit-ingest replay`, 80 % tagging {HOT}, the rest round robin over the other 40 districts.\n"
    );
    let _ = writeln!(
        s,
        "| setup | {HOT} posts | p50 ms | p99 ms | other posts | p50 ms | p99 ms | end to end/s | waiting at reply mid-run ({HOT} / others) | reply cores | machine busy | kept up |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---|");
    for row in &r.rows {
        let cores: Vec<String> = row.reply_cores.iter().map(|(n, c)| format!("{n} {c:.2}")).collect();
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} | {} | {:.1} | {:.1} | {:.0} | {} / {} | {} | {:.0} % | {} |",
            row.setup,
            row.hot_posts,
            row.hot_p50_ms,
            row.hot_p99_ms,
            row.other_posts,
            row.others_p50_ms,
            row.others_p99_ms,
            row.end_to_end_per_s,
            row.waiting_hot,
            row.waiting_others,
            cores.join(", "),
            row.machine_busy * 100.0,
            if row.kept_up { "yes" } else { "**no**" }
        );
    }
    if let (Some(js), Some(pg)) = (&r.raw_jetstream, &r.raw_postgres) {
        let _ = writeln!(s, "\n| raw part, same run | raw | ratios |\n|---|---:|---|");
        let p99: Vec<String> = r
            .rows
            .iter()
            .map(|row| {
                format!("{:.0}× / {:.0}×", row.hot_p99_ms / js.paced_p99_ms, row.others_p99_ms / js.paced_p99_ms)
            })
            .collect();
        let _ = writeln!(
            s,
            "| JetStream publish → consume p99 at 1,000 msgs/s, ms | {:.1} | {HOT} / others p99 ÷ raw: {} |",
            js.paced_p99_ms,
            p99.join("; ")
        );
        let mut throughput_row = |label: &str, raw: f64| {
            let ratios: Vec<String> = r.rows.iter().map(|row| format!("{:.3}", row.end_to_end_per_s / raw)).collect();
            let _ = writeln!(s, "| {label} | {raw:.0} | end to end ÷ raw: {} |", ratios.join("; "));
        };
        throughput_row("JetStream publish → pull consume, msgs/s", js.publish_consume_per_s);
        throughput_row("PostgreSQL `INSERT … SELECT FROM UNNEST`, 500-row batches, rows/s", pg.batch_500_per_s);
    }
    s
}
