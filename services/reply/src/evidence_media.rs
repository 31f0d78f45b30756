//! Evidence of a sensitive case includes its photos and videos, not only
//! the post's words: once `evidence` holds a case's post, this worker
//! fetches each attachment's file (the full photo, or a video's still when
//! the platform gives no file) with a time-out and a size cap, and stores
//! the bytes with their SHA-256 in `evidence_media`. Fetching is apart from
//! intake, so a slow CDN never holds a case back. Every reply instance runs
//! it; a row is claimed before its fetch, so each file is fetched by one.

use std::time::Duration;

use prost::Message;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::FetchError;
use tvarit_proto::v1::Post;

/// Larger files are recorded as `too_large`, with their URL, not stored.
pub const MAX_BYTES: usize = 25 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// A claim older than this (its holder died) is taken over.
const LEASE: Duration = Duration::from_secs(120);
const ATTEMPTS: i32 = 5;
const IDLE: Duration = Duration::from_secs(2);

pub struct MediaFetcher {
    pub pool: PgPool,
    pub http: reqwest::Client,
}

/// One attachment to fetch.
struct Claimed {
    case_id: i64,
    position: i32,
    url: String,
    attempts: i32,
}

enum Outcome {
    Stored { bytes: Vec<u8>, content_type: String },
    TooLarge(u64),
    Failed(String),
}

impl MediaFetcher {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let worked = match self.step().await {
                Ok(n) => n > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "evidence media: cannot claim now");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(IDLE) => {}
                }
            } else if shutdown.is_cancelled() {
                return;
            }
        }
    }

    /// Lists new evidence's attachments, claims a few due files and fetches them.
    async fn step(&self) -> sqlx::Result<usize> {
        self.list_new().await?;
        let claimed = self.claim().await?;
        for c in &claimed {
            let outcome = fetch(&self.http, &c.url).await;
            self.record(c, outcome).await?;
        }
        Ok(claimed.len())
    }

    /// A row per attachment of evidence not yet listed, and the evidence
    /// marked listed, in one transaction (so each is listed once).
    async fn list_new(&self) -> sqlx::Result<()> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT case_id, post FROM evidence WHERE media_listed_at IS NULL
              ORDER BY preserved_at LIMIT 50 FOR UPDATE SKIP LOCKED",
        )
        .fetch_all(&mut *tx)
        .await?;
        for (case_id, bytes) in rows {
            let post = Post::decode(bytes.as_slice()).unwrap_or_default();
            for (position, m) in post.media.iter().enumerate() {
                let url = if m.url.is_empty() { &m.preview_url } else { &m.url };
                // Claimed long ago, so the first claim below takes it at once.
                sqlx::query(
                    "INSERT INTO evidence_media (case_id, position, url, status, claimed_at)
                     VALUES ($1, $2, $3, 'fetching', 'epoch') ON CONFLICT DO NOTHING",
                )
                .bind(case_id)
                .bind(position as i32)
                .bind(url)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("UPDATE evidence SET media_listed_at = now() WHERE case_id = $1")
                .bind(case_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }

    async fn claim(&self) -> sqlx::Result<Vec<Claimed>> {
        let rows: Vec<(i64, i32, String, i32)> = sqlx::query_as(
            "UPDATE evidence_media m SET claimed_at = now(), attempts = m.attempts + 1
               FROM (SELECT case_id, position FROM evidence_media
                      WHERE status = 'fetching' AND claimed_at < now() - make_interval(secs => $1)
                      ORDER BY claimed_at LIMIT 4 FOR UPDATE SKIP LOCKED) due
              WHERE m.case_id = due.case_id AND m.position = due.position
              RETURNING m.case_id, m.position, m.url, m.attempts",
        )
        .bind(LEASE.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(case_id, position, url, attempts)| Claimed { case_id, position, url, attempts })
            .collect())
    }

    async fn record(&self, c: &Claimed, outcome: Outcome) -> sqlx::Result<()> {
        let q = match outcome {
            Outcome::Stored { bytes, content_type } => {
                let sha = Sha256::digest(&bytes).to_vec();
                sqlx::query(
                    "UPDATE evidence_media SET status = 'stored', size = $3, sha256 = $4, bytes = $5,
                            content_type = $6, error = '', fetched_at = now()
                      WHERE case_id = $1 AND position = $2",
                )
                .bind(c.case_id)
                .bind(c.position)
                .bind(bytes.len() as i64)
                .bind(sha)
                .bind(bytes)
                .bind(content_type)
            }
            Outcome::TooLarge(size) => sqlx::query(
                "UPDATE evidence_media SET status = 'too_large', size = $3, fetched_at = now(),
                        error = 'larger than the evidence cap' WHERE case_id = $1 AND position = $2",
            )
            .bind(c.case_id)
            .bind(c.position)
            .bind(size as i64),
            Outcome::Failed(reason) => {
                tracing::warn!(case_id = c.case_id, url = %c.url, attempt = c.attempts, %reason, "evidence media not fetched");
                // Retried after the lease, until the attempts are spent.
                let status = if c.attempts >= ATTEMPTS { "failed" } else { "fetching" };
                sqlx::query(
                    "UPDATE evidence_media SET status = $3, error = $4,
                            claimed_at = now() - make_interval(secs => $5) + make_interval(secs => $6)
                      WHERE case_id = $1 AND position = $2",
                )
                .bind(c.case_id)
                .bind(c.position)
                .bind(status)
                .bind(reason)
                .bind(LEASE.as_secs_f64())
                .bind(f64::from(5 * c.attempts))
            }
        };
        q.execute(&self.pool).await?;
        Ok(())
    }
}

/// The file, whole, or why not (a platform's error or a slow CDN is retried).
async fn fetch(http: &reqwest::Client, url: &str) -> Outcome {
    match tvarit_platforms::fetch_capped(http, url, MAX_BYTES, FETCH_TIMEOUT, None).await {
        Ok(f) => Outcome::Stored { bytes: f.bytes, content_type: f.content_type },
        Err(FetchError::TooLarge(size)) => Outcome::TooLarge(size),
        Err(FetchError::Failed(why) | FetchError::WrongType(why)) => Outcome::Failed(why),
    }
}
