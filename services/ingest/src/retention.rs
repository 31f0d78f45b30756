//! Purpose-bound retention of ingest's raw archive (India's DPDP Act 2023,
//! s. 8(7)), as reply does for its cases: a post received longer ago than
//! `ingest_retention_days` keeps its identity, unit, account and times but
//! loses its words, author, mentions and attachments (`tvarit_proto::redact`).
//! A post not yet acknowledged by JetStream is never purged (it is still to
//! be published). Ingest's copy is not evidence: a sensitive case's post is
//! preserved by reply, whose legal hold keeps it. Runs daily in `serve` and
//! as `tvarit-ingest retention apply [--dry-run]`; counted in Prometheus and
//! logged (the audit chain is reply's).

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// As reply's default: a year.
pub const DEFAULT_DAYS: u32 = 365;
const BATCH: i64 = 500;
const EVERY: Duration = Duration::from_secs(24 * 3600);

pub fn cutoff(days: u32) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days.into())
}

/// How many archived posts the period reaches (what `--dry-run` reports).
pub async fn due(pool: &PgPool, cutoff: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM posts WHERE purged_at IS NULL AND received_at < $1 AND NOT EXISTS
             (SELECT 1 FROM posts_pending q WHERE q.platform = posts.platform AND q.post_id = posts.post_id)",
    )
    .bind(cutoff)
    .fetch_one(pool)
    .await
}

/// Purges every due post, a batch per transaction; returns how many.
pub async fn apply(pool: &PgPool, cutoff: DateTime<Utc>) -> sqlx::Result<u64> {
    let mut purged = 0;
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<(String, String, Vec<u8>)> = sqlx::query_as(
            "SELECT platform, post_id, payload FROM posts
              WHERE purged_at IS NULL AND received_at < $1 AND NOT EXISTS
                    (SELECT 1 FROM posts_pending q WHERE q.platform = posts.platform AND q.post_id = posts.post_id)
              ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        )
        .bind(cutoff)
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(purged);
        }
        for (platform, post_id, payload) in &rows {
            sqlx::query("UPDATE posts SET payload = $3, purged_at = now() WHERE platform = $1 AND post_id = $2")
                .bind(platform)
                .bind(post_id)
                .bind(tvarit_proto::redact::post_bytes(payload))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        purged += rows.len() as u64;
        metrics::counter!("tvarit_retention_purged_posts_total", "service" => "ingest").increment(rows.len() as u64);
    }
}

/// The daily run inside `serve`; `days` 0 keeps everything.
pub async fn run(pool: PgPool, days: u32, shutdown: CancellationToken) {
    if days == 0 {
        tracing::info!("retention off (ingest_retention_days = 0): the archive keeps every post whole");
        return;
    }
    loop {
        match apply(&pool, cutoff(days)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(posts = n, days, "retention: archived posts purged of personal data"),
            Err(e) => tracing::warn!(error = %e, "retention: cannot purge now; next run tomorrow"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
