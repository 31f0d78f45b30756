//! NATS's cost per message against the number of busy consumers (issue 21),
//! measured beside the pipeline on the same server: one hop of the
//! pipeline's shape (publish with a `Nats-Msg-Id` and its ack, delivery on
//! a pull consumer, explicit ack), 1,000 messages/s sent as a burst of 100
//! every 100 ms (replay's shape), spread evenly over N subjects that each
//! have their own durable filtered consumer, as each unit has. The same
//! messages over 1 consumer and over 83 (the pipeline's 41 units × classify
//! and reply, and `metrics-cases`) show how much of nats-server's cost is
//! per busy consumer rather than per message: it rewrites each consumer's
//! state file up to ten times a second while that consumer is busy.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, consumer, stream};
use futures::StreamExt;
use serde::Serialize;

use crate::usage::Meter;

/// The consumer counts compared: one, one per unit, and the pipeline's.
pub const COUNTS: [usize; 3] = [1, 41, 83];

/// Messages per burst and bursts per second: 1,000 messages/s.
const BURST: usize = 100;
const BURST_EVERY: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Serialize)]
pub struct ConsumerCost {
    pub consumers: usize,
    pub messages: u64,
    pub seconds: f64,
    /// nats-server's cores over the window (1.0 = one core busy).
    pub nats_cores: f64,
    pub nats_cpu_ms_per_message: f64,
}

/// Runs the hop for `seconds` at each of `counts` consumers, one after the
/// other, each on a stream of its own that is deleted afterwards.
pub async fn sweep(
    nats_url: &str,
    nats_pids: &[(String, u32)],
    ns: &str,
    size: usize,
    seconds: f64,
    counts: &[usize],
) -> anyhow::Result<Vec<ConsumerCost>> {
    let js = jetstream::new(async_nats::connect(nats_url).await?);
    let mut out = Vec::new();
    for &n in counts {
        let name = format!("{}_RAWC{n}", ns.to_uppercase());
        let prefix = format!("{ns}.rawc{n}");
        let s = js.create_stream(crate::raw::scratch_stream(&name, format!("{prefix}.>"))).await?;
        let result = one(&js, &s, nats_pids, &prefix, n, size, seconds).await;
        let _ = js.delete_stream(&name).await;
        out.push(result?);
    }
    Ok(out)
}

async fn one(
    js: &jetstream::Context,
    s: &stream::Stream,
    nats_pids: &[(String, u32)],
    prefix: &str,
    n: usize,
    size: usize,
    seconds: f64,
) -> anyhow::Result<ConsumerCost> {
    let acked = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let c = s
            .create_consumer(consumer::pull::Config {
                durable_name: Some(format!("c{i}")),
                filter_subject: format!("{prefix}.u{i}"),
                ack_policy: consumer::AckPolicy::Explicit,
                ..Default::default()
            })
            .await?;
        // As the services pull each unit (crates/bus/src/consume.rs).
        let mut msgs = c
            .stream()
            .max_messages_per_batch(16)
            .expires(Duration::from_secs(30))
            .heartbeat(Duration::from_secs(5))
            .messages()
            .await?;
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(m)) = msgs.next().await {
                if m.ack().await.is_ok() {
                    acked.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let bursts = (seconds / BURST_EVERY.as_secs_f64()).ceil().max(1.0) as u64;
    let total = bursts * BURST as u64;
    let payload = bytes::Bytes::from(vec![b'x'; size]);
    let meter = Meter::start(nats_pids.to_vec());
    let start = Instant::now();
    for b in 0..bursts {
        tokio::time::sleep_until((start + BURST_EVERY * b as u32).into()).await;
        let mut acks = Vec::with_capacity(BURST);
        for k in 0..BURST {
            let seq = b as usize * BURST + k;
            let mut h = async_nats::HeaderMap::new();
            h.insert("Nats-Msg-Id", format!("rawc:{seq}").as_str());
            acks.push(js.publish_with_headers(format!("{prefix}.u{}", seq % n), h, payload.clone()).await?);
        }
        for ack in acks {
            ack.await?;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acked.load(Ordering::Relaxed) < total && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let usage = meter.read();
    for t in tasks {
        t.abort();
    }
    let got = acked.load(Ordering::Relaxed);
    anyhow::ensure!(got >= total, "{n} consumers: {got} of {total} messages acked in time");
    let nats_cpu_s: f64 = usage.services.iter().filter(|s| s.service == "nats-server").map(|s| s.cpu_s).sum();
    Ok(ConsumerCost {
        consumers: n,
        messages: total,
        seconds: usage.seconds,
        nats_cores: nats_cpu_s / usage.seconds,
        nats_cpu_ms_per_message: nats_cpu_s * 1000.0 / total as f64,
    })
}

/// Markdown: the sweep, each row against the single consumer.
pub fn table(o: &mut String, rows: &[ConsumerCost]) {
    let Some(base) = rows.iter().find(|r| r.consumers == 1) else { return };
    o.push_str(
        "\n### NATS per busy consumer (one hop, 1,000 msgs/s in bursts of 100 every 100 ms, \
         spread over N filtered durable consumers; same server)\n\n\
         | consumers | messages | nats-server cores | nats-server CPU ms per message | ÷ one consumer |\n\
         |---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            o,
            "| {} | {} | {:.3} | {:.3} | {:.1}× |",
            r.consumers,
            crate::report::n(r.messages as f64),
            r.nats_cores,
            r.nats_cpu_ms_per_message,
            r.nats_cpu_ms_per_message / base.nats_cpu_ms_per_message.max(1e-9)
        );
    }
}
