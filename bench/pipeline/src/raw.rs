//! The raw parts, measured in the same run on the same servers: JetStream
//! publish (acks in flight) → pull consume of messages the size of an
//! encoded `Post`, and PostgreSQL inserts of the rows ingest archives, with
//! ingest's archive insert (`INSERT … SELECT FROM UNNEST … ON CONFLICT DO NOTHING`,
//! without its outbox row: the ceiling of the table, not of ingest).

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use async_nats::jetstream::{self, consumer, stream};
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use sqlx::Connection;

use crate::hist::Hist;

#[derive(Debug, Clone, Serialize)]
pub struct RawJetStream {
    pub message_bytes: usize,
    pub messages: u64,
    /// Publish (512 acks in flight) while a pull consumer drains: messages/s end to end.
    pub publish_consume_per_s: f64,
    /// At a paced 1,000 messages/s: publish → consume latency.
    pub paced_p50_ms: f64,
    pub paced_p99_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RawPostgres {
    pub rows: u64,
    /// Batches of 500 rows (replay's batch), one connection: rows/s.
    pub batch_500_per_s: f64,
    /// One row per statement on 8 connections (the webhook's shape, ingest's pool size): rows/s.
    pub single_row_8_conns_per_s: f64,
}

fn now_us() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_micros() as u64
}

/// A payload of `size` bytes whose first 8 are the send time in µs.
fn payload(size: usize) -> bytes::Bytes {
    let mut v = now_us().to_le_bytes().to_vec();
    v.resize(size.max(8), b'x');
    v.into()
}

/// A raw part's stream: file storage and the pipeline streams' 2-minute
/// duplicate window, so each message costs what a pipeline message does.
pub(crate) fn scratch_stream(name: &str, subjects: String) -> stream::Config {
    stream::Config {
        name: name.into(),
        subjects: vec![subjects],
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    }
}

pub async fn jetstream(nats_url: &str, ns: &str, size: usize, messages: u64) -> anyhow::Result<RawJetStream> {
    let js = jetstream::new(async_nats::connect(nats_url).await?);
    let name = format!("{}_RAW", ns.to_uppercase());
    let subject = format!("{ns}.raw.post");
    let s = js.get_or_create_stream(scratch_stream(&name, format!("{ns}.raw.>"))).await?;
    let js_run = js.clone();
    let result = async {
        let js = js_run;
        let c = s
            .create_consumer(consumer::pull::Config {
                durable_name: Some("raw".into()),
                ack_policy: consumer::AckPolicy::Explicit,
                ..Default::default()
            })
            .await?;
        // Throughput: publish with acks in flight while the consumer drains.
        let mut msgs = c.messages().await?;
        let start = Instant::now();
        let consume = tokio::spawn(async move {
            let mut got = 0u64;
            while got < messages {
                let Some(m) = msgs.next().await else { break };
                m?.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
                got += 1;
            }
            anyhow::Ok((got, msgs))
        });
        let subject2 = subject.clone();
        let js2 = js.clone();
        futures::stream::iter(0..messages)
            .map(|n| {
                let (js, subject) = (js2.clone(), subject2.clone());
                async move {
                    let mut h = async_nats::HeaderMap::new();
                    h.insert("Nats-Msg-Id", format!("raw:{n}").as_str());
                    js.publish_with_headers(subject, h, payload(size)).await?.await?;
                    anyhow::Ok(())
                }
            })
            .buffer_unordered(512)
            .try_collect::<()>()
            .await?;
        let (got, mut msgs) = consume.await??;
        let publish_consume_per_s = got as f64 / start.elapsed().as_secs_f64();

        // Latency: a paced 1,000 messages/s for 3 s.
        let mut hist = Hist::default();
        let paced = 3_000u64;
        let pace_start = Instant::now();
        let sender = tokio::spawn(async move {
            for n in 0..paced {
                tokio::time::sleep_until((pace_start + Duration::from_micros(n * 1000)).into()).await;
                let mut h = async_nats::HeaderMap::new();
                h.insert("Nats-Msg-Id", format!("paced:{n}").as_str());
                js.publish_with_headers(subject.clone(), h, payload(size)).await?;
            }
            anyhow::Ok(())
        });
        for _ in 0..paced {
            let Some(m) = msgs.next().await else { break };
            let m = m?;
            let sent = u64::from_le_bytes(m.payload[..8].try_into()?);
            hist.record(now_us().saturating_sub(sent));
            m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        sender.await??;
        anyhow::Ok(RawJetStream {
            message_bytes: size,
            messages: got,
            publish_consume_per_s,
            paced_p50_ms: hist.quantile_ms(0.5),
            paced_p99_ms: hist.quantile_ms(0.99),
        })
    }
    .await;
    let _ = js.delete_stream(&name).await;
    result
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS bench_raw.posts (
    platform text NOT NULL, post_id text NOT NULL, unit text NOT NULL, account text NOT NULL,
    source text NOT NULL, created_at timestamptz NOT NULL, received_at timestamptz NOT NULL,
    payload bytea NOT NULL, PRIMARY KEY (platform, post_id))";

const INSERT: &str =
    "INSERT INTO bench_raw.posts (platform, post_id, unit, account, source, created_at, received_at, payload)
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                         $6::timestamptz[], $7::timestamptz[], $8::bytea[])
    ON CONFLICT (platform, post_id) DO NOTHING
    RETURNING platform, post_id, true";

async fn insert(conn: &mut sqlx::PgConnection, prefix: &str, from: u64, to: u64, size: usize) -> anyhow::Result<()> {
    let n = (to - from) as usize;
    let now = chrono::Utc::now();
    let ids: Vec<String> = (from..to).map(|i| format!("{prefix}-{i}")).collect();
    let text = |s: &str| vec![s.to_owned(); n];
    let rows: Vec<(String, String, bool)> = sqlx::query_as(INSERT)
        .bind(text("x"))
        .bind(&ids)
        .bind(text("ajmer"))
        .bind(text("@bench_ajm"))
        .bind(text("webhook"))
        .bind(vec![now; n])
        .bind(vec![now; n])
        .bind(vec![vec![b'x'; size]; n])
        .fetch_all(&mut *conn)
        .await?;
    anyhow::ensure!(rows.len() == n, "inserted {} of {n}", rows.len());
    Ok(())
}

pub async fn postgres(database_url: &str, payload_bytes: usize, rows: u64) -> anyhow::Result<RawPostgres> {
    let mut conn = sqlx::PgConnection::connect(database_url).await.context("raw PostgreSQL")?;
    sqlx::query("CREATE SCHEMA IF NOT EXISTS bench_raw").execute(&mut conn).await?;
    sqlx::query(CREATE).execute(&mut conn).await?;
    let start = Instant::now();
    let mut from = 0;
    while from < rows {
        let to = (from + 500).min(rows);
        insert(&mut conn, "batch", from, to, payload_bytes).await?;
        from = to;
    }
    let batch_500_per_s = rows as f64 / start.elapsed().as_secs_f64();

    let single_rows = rows / 4;
    let start = Instant::now();
    let per_conn = single_rows / 8;
    let workers = (0..8u64).map(|w| {
        let url = database_url.to_owned();
        tokio::spawn(async move {
            let mut c = sqlx::PgConnection::connect(&url).await?;
            for i in w * per_conn..(w + 1) * per_conn {
                insert(&mut c, "single", i, i + 1, payload_bytes).await?;
            }
            anyhow::Ok(())
        })
    });
    for w in futures::future::join_all(workers).await {
        w??;
    }
    let single_row_8_conns_per_s = (per_conn * 8) as f64 / start.elapsed().as_secs_f64();
    sqlx::query("DROP SCHEMA bench_raw CASCADE").execute(&mut conn).await?;
    Ok(RawPostgres { rows, batch_500_per_s, single_row_8_conns_per_s })
}
