//! `desk-latency`: publishes classified posts at a fixed rate across many
//! units into a running tvarit-reply, with desk clients watching every
//! unit's live queue, and reports how long a post takes from publish to the
//! right clients (p50/p99/max), beside a bare NATS publish→subscribe of the
//! same payloads measured in the same run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;
use futures::StreamExt;
use prost::Message;
use tonic::Request;
use tvarit_proto::v1::desk_client::DeskClient;
use tvarit_proto::v1::{Author, Classification, ClassifiedPost, Post, WatchQueueRequest};
use tvarit_proto::{Category, Urgency};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    nats: String,
    #[arg(long)]
    namespace: String,
    #[arg(long)]
    desk: String,
    #[arg(long)]
    token: String,
    /// Unit slugs, comma-separated.
    #[arg(long, value_delimiter = ',')]
    units: Vec<String>,
    #[arg(long, default_value_t = 100)]
    clients: usize,
    #[arg(long, default_value_t = 500)]
    rate: u32,
    #[arg(long, default_value_t = 20)]
    seconds: u32,
}

fn now_micros() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()
}

fn post(unit: &str, id: u64) -> ClassifiedPost {
    // The send time travels in the post id, so every receiver can time it.
    let post_id = format!("bench-{id}-{}", now_micros());
    ClassifiedPost {
        post: Some(Post {
            platform: "bench".into(),
            post_id,
            text: "bench: mobile stolen at the bus stand".into(),
            author: Some(Author { id: format!("a{id}"), ..Default::default() }),
            created_at: Some(tvarit_proto::time::from_millis((now_micros() / 1000) as i64)),
            ..Default::default()
        }),
        classification: Some(Classification {
            category: Category::Complaint as i32,
            urgency: Urgency::Normal as i32,
            unit: unit.into(),
            district: unit.into(),
            language: "en".into(),
            confidence: 0.9,
            ..Default::default()
        }),
    }
}

fn sent_at(post_id: &str) -> Option<u128> {
    post_id.rsplit('-').next()?.parse().ok()
}

fn summary(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let q = |p: f64| v.get(((v.len() as f64 - 1.0) * p).round() as usize).copied().unwrap_or(f64::NAN);
    println!("{name}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms", v.len(), q(0.5), q(0.99), q(1.0));
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let nats = async_nats::connect(&a.nats).await?;
    let js = async_nats::jetstream::new(nats.clone());
    let latencies: Arc<Mutex<Vec<f64>>> = Arc::default();
    let deliveries: Arc<Mutex<HashMap<String, usize>>> = Arc::default();

    // Desk clients: spread over the units, each watching one live queue.
    for i in 0..a.clients {
        let unit = a.units[i % a.units.len()].clone();
        let mut desk = DeskClient::connect(a.desk.clone()).await?;
        let mut req = Request::new(WatchQueueRequest { unit: unit.clone() });
        req.metadata_mut().insert("authorization", format!("Bearer {}", a.token).parse()?);
        let mut stream = desk.watch_queue(req).await?.into_inner();
        let (lat, seen) = (latencies.clone(), deliveries.clone());
        tokio::spawn(async move {
            while let Some(Ok(u)) = stream.next().await {
                let Some(case) = u.case.filter(|_| !u.snapshot) else { continue };
                let post_id = case.post.map(|p| p.post_id).unwrap_or_default();
                if let (Some(t0), true) = (sent_at(&post_id), case.unit == unit) {
                    lat.lock().unwrap().push((now_micros() - t0) as f64 / 1000.0);
                    *seen.lock().unwrap().entry(post_id).or_default() += 1;
                }
            }
        });
    }

    // The same payloads over bare NATS publish→subscribe, for the ratio.
    let bare: Arc<Mutex<Vec<f64>>> = Arc::default();
    let mut sub = nats.subscribe(format!("{}.bench.bare", a.namespace)).await?;
    let b = bare.clone();
    tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            if let Ok(cp) = ClassifiedPost::decode(m.payload.as_ref())
                && let Some(t0) = cp.post.and_then(|p| sent_at(&p.post_id))
            {
                b.lock().unwrap().push((now_micros() - t0) as f64 / 1000.0);
            }
        }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;

    let total = u64::from(a.rate) * u64::from(a.seconds);
    let start = Instant::now();
    for i in 0..total {
        let due = start + Duration::from_secs_f64(i as f64 / f64::from(a.rate));
        tokio::time::sleep_until(due.into()).await;
        let unit = &a.units[i as usize % a.units.len()];
        let payload = post(unit, i).encode_to_vec();
        let subject = format!("{}.post.classified.{unit}", a.namespace);
        js.publish(subject, payload.clone().into()).await?;
        nats.publish(format!("{}.bench.bare", a.namespace), post(unit, i).encode_to_vec().into()).await?;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let seen = deliveries.lock().unwrap();
    println!(
        "posts={total} rate={}/s units={} clients={} posts reaching their unit's clients: {}",
        a.rate,
        a.units.len(),
        a.clients,
        seen.len()
    );
    let pipeline = latencies.lock().unwrap().clone();
    let raw = bare.lock().unwrap().clone();
    let p99 = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(((v.len() as f64 - 1.0) * 0.99) as usize).copied().unwrap_or(f64::NAN)
    };
    let ratio = p99(pipeline.clone()) / p99(raw.clone());
    summary("classified → desk clients", pipeline);
    summary("bare NATS publish → subscribe", raw);
    println!("p99 ratio (pipeline / bare NATS): {ratio:.1}");
    Ok(())
}
