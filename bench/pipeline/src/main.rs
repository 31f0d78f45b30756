//! `tvarit-bench-pipeline`: the whole pipeline under load, through ingest's
//! real entry points, to the cases on the desk's live queues; beside the raw
//! ceilings of its parts measured in the same run. See docs/benchmarks.md.

mod compare;
mod consumer_cost;
mod cpu;
mod deploy;
mod hist;
mod hot;
mod load;
mod plan;
mod raw;
mod registry_file;
mod report;
mod run;
mod usage;
mod watch;
mod writes;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use prost::Message;

use crate::deploy::{Deployment, Env};
use crate::plan::Plan;
use crate::report::{ClientsRow, Report, ScaleRow};
use crate::run::{Ctx, Path};
use crate::watch::Watchers;

#[derive(Parser)]
struct Args {
    /// A short run (≤ 2 min) that checks the harness; figures are indicative only.
    #[arg(long)]
    quick: bool,
    /// Where the release binaries are.
    #[arg(long, default_value = "target/release")]
    bins: PathBuf,
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    admin_url: String,
    /// Report (report.md, report.json) and service logs go here.
    #[arg(long, default_value = "bench/results/pipeline")]
    out: PathBuf,
    /// Only the hot-district comparison (80 % of the posts to one district,
    /// with and without its own reply instance), a few minutes.
    #[arg(long)]
    hot_district: bool,
    /// No run: prints the runs in these folders (each `LABEL=DIR` holding a
    /// report.json) side by side and writes the table to `--out`/sync.md.
    #[arg(long, num_args = 2.., value_name = "LABEL=DIR")]
    side_by_side: Vec<String>,
}

/// The size of the `Post` ingest publishes for a bench post.
pub(crate) fn encoded_post_bytes(d: &Deployment) -> usize {
    let json: serde_json::Value = serde_json::from_str(&load::post_json(d, 1, 12345)).unwrap_or_default();
    let s = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
    let now = tvarit_proto::time::from_millis(chrono::Utc::now().timestamp_millis());
    tvarit_proto::v1::Post {
        platform: s("platform"),
        post_id: s("id"),
        text: s("text"),
        mentions: vec![d.units[0].handle.clone()],
        author: Some(tvarit_proto::v1::Author {
            id: "u2345".into(),
            handle: "citizen2345".into(),
            name: String::new(),
        }),
        created_at: Some(now),
        received_at: Some(now),
        account: d.units[0].handle.clone(),
        unit: d.units[0].slug.clone(),
        source: "webhook".into(),
        ..Default::default()
    }
    .encoded_len()
}

async fn watch_all(d: &Deployment) -> anyhow::Result<(Watchers, f64)> {
    let mut w = Watchers::new(format!("http://{}", d.service("reply").grpc), d.token.clone());
    let start = Instant::now();
    for u in &d.units {
        w.watch(&u.slug, true).await?;
    }
    Ok((w, start.elapsed().as_secs_f64()))
}

/// The run's context once the deployment's queues are watched.
async fn context<'a>(d: &'a Deployment, watchers: &Watchers, nats: &str, plan: &Plan) -> anyhow::Result<Ctx<'a>> {
    Ok(Ctx {
        d,
        seen: watchers.seen.clone(),
        clients: watchers.clients(),
        pids: pids(d, nats),
        drain_timeout: Duration::from_secs(plan.drain_timeout_seconds),
        js: async_nats::jetstream::new(async_nats::connect(nats).await?),
        next_phase: 1,
    })
}

fn pids(d: &Deployment, nats_url: &str) -> Vec<(String, u32)> {
    let mut p: Vec<(String, u32)> = d.services.iter().map(|s| (s.name.to_string(), s.pid)).collect();
    p.push(("bench (load + clients)".into(), std::process::id()));
    p.push((usage::REPLAY_CHILDREN.into(), std::process::id()));
    p.extend(usage::server_pids(nats_port(nats_url)));
    p
}

/// The port of a `nats://host:port` URL (4222 when it names none).
fn nats_port(url: &str) -> u16 {
    url.rsplit_once(':').and_then(|(_, p)| p.trim_end_matches('/').parse().ok()).unwrap_or(4222)
}

/// Rising offered rates on one path until the first step that falls behind.
async fn rising(ctx: &mut Ctx<'_>, path: Path, rates: &[u32], seconds: f64) -> anyhow::Result<Vec<run::Row>> {
    let mut rows = Vec::new();
    for &r in rates {
        let row = ctx.run(&format!("rising {path:?} {r}/s"), path, Some(r), seconds, None).await?;
        let behind = row.fell_behind;
        rows.push(row);
        if behind {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(rows)
}

/// Runs `phases`, or stops at Ctrl-C / SIGTERM so the caller can still
/// stop the services and drop the database.
async fn until_interrupted(phases: impl std::future::Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = phases => r,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
        _ = term.recv() => Err(anyhow::anyhow!("terminated")),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let plan = if a.quick { Plan::quick() } else { Plan::full() };
    std::fs::create_dir_all(&a.out)?;
    if !a.side_by_side.is_empty() {
        let runs: Vec<(&str, &std::path::Path)> = a
            .side_by_side
            .iter()
            .map(|s| s.split_once('=').map(|(l, d)| (l, std::path::Path::new(d))))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("--side-by-side takes LABEL=DIR"))?;
        let md = compare::side_by_side(&runs)?;
        std::fs::write(a.out.join("sync.md"), &md)?;
        println!("{md}");
        return Ok(());
    }
    let env = Env {
        bins: a.bins.clone(),
        nats_url: a.nats.clone(),
        admin_url: a.admin_url.clone(),
        work: a.out.join("logs"),
    };
    if a.hot_district {
        let seconds = if a.quick { 5.0 } else { 20.0 };
        return hot::run(&env, &a.nats, &a.out, 1000, seconds).await;
    }
    let started = Instant::now();
    let mut report = Report::new(&plan);

    // The 41 districts: latency, clients, rising rates, burst, raw parts.
    let d = Deployment::start(&env, "p41", 41).await?;
    eprintln!("deployment {} (41 districts) ready; logs in {}", d.ns, d.dir().display());
    let result = until_interrupted(async {
        let (mut watchers, connect_s) = watch_all(&d).await?;
        report.units_41_connect_s = connect_s;
        let mut ctx = context(&d, &watchers, &a.nats, &plan).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        report.idle_41 = Some(ctx.idle(plan.idle_seconds).await);
        report.post_bytes = encoded_post_bytes(&d);

        for &rate in &plan.latency_rates {
            for path in [Path::Webhook, Path::Replay] {
                let name = format!("latency {path:?} {rate}/s");
                // What PostgreSQL writes per post, at 1,000/s on each path.
                let before = if rate == 1000 { Some(writes::snapshot(&d.database_url).await?) } else { None };
                let row = ctx.run(&name, path, Some(rate), plan.latency_seconds, None).await?;
                if let Some(before) = before {
                    let after = writes::snapshot(&d.database_url).await?;
                    report.writes.push((name.clone(), writes::per_post(&before, &after, row.queued)));
                }
                report.latency.push(row);
            }
        }

        // More desk clients, before the queues hold many cases (each new
        // watch starts with a snapshot of its unit's open cases).
        for &extra in &plan.extra_clients {
            let start = Instant::now();
            for i in 0..extra {
                watchers.watch(&d.units[i % d.units.len()].slug, false).await?;
            }
            let connect_s = start.elapsed().as_secs_f64();
            ctx.clients = watchers.clients();
            let name = format!("clients +{extra}");
            let row = ctx.run(&name, Path::Webhook, Some(plan.clients_rate), plan.clients_seconds, None).await?;
            report.clients.push(ClientsRow { extra, connect_s, row });
            watchers.close_from(d.units.len());
            ctx.clients = watchers.clients();
        }

        report.rising_webhook = rising(&mut ctx, Path::Webhook, &plan.webhook_rates, plan.step_seconds).await?;
        report.rising_replay = rising(&mut ctx, Path::Replay, &plan.replay_rates, plan.step_seconds).await?;

        let burst = ctx.run("burst", Path::Replay, None, 0.0, Some(plan.burst_posts)).await?;
        report.burst = Some(burst);
        report.ended_streams = watchers.seen.ended_streams.load(std::sync::atomic::Ordering::Relaxed);

        report.raw_jetstream = Some(raw::jetstream(&a.nats, &d.ns, report.post_bytes, plan.raw_messages).await?);
        report.raw_postgres = Some(raw::postgres(&d.database_url, report.post_bytes, plan.raw_rows).await?);
        let nats_pids: Vec<_> =
            usage::server_pids(nats_port(&a.nats)).into_iter().filter(|(name, _)| name == "nats-server").collect();
        report.consumer_cost = consumer_cost::sweep(
            &a.nats,
            &nats_pids,
            &d.ns,
            report.post_bytes,
            plan.consumer_cost_seconds,
            &consumer_cost::COUNTS,
        )
        .await?;
        anyhow::Ok(())
    })
    .await;
    d.stop().await?;
    result?;

    // The same at many more units: memory and the intake path's cost.
    let d = Deployment::start(&env, "p800", plan.scale_units).await?;
    eprintln!("deployment {} ({} districts) ready", d.ns, plan.scale_units);
    let result = until_interrupted(async {
        let (watchers, connect_s) = watch_all(&d).await?;
        let mut ctx = context(&d, &watchers, &a.nats, &plan).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let idle = ctx.idle(plan.idle_seconds).await;
        let name = format!("{} units", plan.scale_units);
        let row = ctx.run(&name, Path::Webhook, Some(plan.scale_rate), plan.scale_seconds, None).await?;
        report.scale = Some(ScaleRow { units: plan.scale_units, connect_s, idle, row });
        anyhow::Ok(())
    })
    .await;
    d.stop().await?;
    result?;

    report.total_seconds = started.elapsed().as_secs_f64();
    let md = report.markdown();
    std::fs::write(a.out.join("report.md"), &md)?;
    std::fs::write(a.out.join("report.json"), serde_json::to_string_pretty(&report)?)?;
    println!("{md}");
    Ok(())
}
