//! Accepting posts: archive first (keyed by platform id, so a post is new
//! once however many routes bring it) with a row in `posts_pending` in the
//! same statement, then publish to JetStream with the same key as
//! `Nats-Msg-Id`, then delete the pending row. A crash between the steps
//! leaves a pending row whose post is published again later; JetStream's
//! dedupe window and classify's keyed writes absorb the repeat. The archive
//! row itself is written once (migration 0004 says why).
//!
//! With a NATS sync window (`nats_sync_window_seconds`), the pending row is
//! deleted only that long after the ack: until NATS has synced the post to
//! disk, the row is the post's durable record, so a power cut that loses
//! NATS's unsynced tail leaves rows that the sweeper publishes again.

use std::collections::HashSet;
use std::time::Duration;

use async_nats::jetstream;
use chrono::{DateTime, Utc};
use prost::Message;
use sqlx::PgPool;
use tvarit_bus::{Namespace, Outgoing, SyncWindow, publish_batch, publish_headers};
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::Post;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    New,
    Duplicate,
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("post archive unavailable: {0}")]
    Database(#[from] sqlx::Error),
    #[error("message broker unavailable: {0}")]
    Publish(String),
    /// The batch a webhook post joined failed (crate::coalesce): either of the above.
    #[error("{0}")]
    Batch(String),
}

#[derive(Clone)]
pub struct Acceptor {
    js: jetstream::Context,
    pool: PgPool,
    ns: Namespace,
    /// Pending rows outlive their post's ack by NATS's sync window.
    sync: SyncWindow,
}

/// The business id of a post: one per `(platform, platform post id)`.
pub fn post_key(platform: &str, post_id: &str) -> String {
    format!("{platform}:{post_id}")
}

impl Acceptor {
    pub fn new(js: jetstream::Context, pool: PgPool, ns: Namespace) -> Self {
        Self { js, pool, ns, sync: SyncWindow::default() }
    }

    /// Keeps each pending row `window` past its post's ack (see the module).
    pub fn with_sync_window(self, window: Duration) -> Self {
        Self { sync: SyncWindow::new(window), ..self }
    }

    /// How long a pending row outlives its ack.
    pub fn sync_window(&self) -> &SyncWindow {
        &self.sync
    }

    /// The archive's database (retention works on it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Stores and publishes `posts`; returns once every new post is
    /// acknowledged by JetStream. Outcomes are in input order.
    pub async fn accept(&self, posts: &[Post]) -> Result<Vec<Outcome>, AcceptError> {
        // Within one call a repeated id is a duplicate of its first copy.
        let mut seen = HashSet::new();
        let firsts: Vec<&Post> = posts.iter().filter(|p| seen.insert(post_key(&p.platform, &p.post_id))).collect();
        let to_publish = self.archive(&firsts).await?;
        let publish: Vec<&Post> =
            firsts.iter().copied().filter(|p| to_publish.contains_key(&post_key(&p.platform, &p.post_id))).collect();
        self.publish_all(&publish).await?;
        self.settle(&publish).await?;

        let mut counted = HashSet::new();
        Ok(posts
            .iter()
            .map(|p| {
                let key = post_key(&p.platform, &p.post_id);
                if to_publish.get(&key) == Some(&true) && counted.insert(key) {
                    record_lag(p);
                    Outcome::New
                } else {
                    Outcome::Duplicate
                }
            })
            .collect())
    }

    /// Inserts the posts and their pending rows; returns the keys that must
    /// be published, with `true` for newly inserted and `false` for stored
    /// but never published (still pending from an earlier attempt).
    async fn archive(&self, posts: &[&Post]) -> Result<std::collections::HashMap<String, bool>, AcceptError> {
        let mut cols = Columns::default();
        for p in posts {
            cols.push(p);
        }
        let rows: Vec<(String, String, bool)> = sqlx::query_as(
            "WITH new AS (
                 INSERT INTO posts (platform, post_id, unit, account, source, created_at, received_at, payload)
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                                      $6::timestamptz[], $7::timestamptz[], $8::bytea[])
                 ON CONFLICT (platform, post_id) DO NOTHING
                 RETURNING platform, post_id, received_at),
             pending AS (INSERT INTO posts_pending (platform, post_id, received_at) SELECT * FROM new)
             SELECT platform, post_id, true FROM new
             UNION ALL
             -- The statement's snapshot predates `pending`'s rows: these are
             -- earlier attempts' posts, stored but never acknowledged.
             SELECT q.platform, q.post_id, false FROM posts_pending q
             JOIN UNNEST($1::text[], $2::text[]) AS k(platform, post_id)
               ON q.platform = k.platform AND q.post_id = k.post_id",
        )
        .bind(&cols.platform)
        .bind(&cols.post_id)
        .bind(&cols.unit)
        .bind(&cols.account)
        .bind(&cols.source)
        .bind(&cols.created_at)
        .bind(&cols.received_at)
        .bind(&cols.payload)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(pl, id, inserted)| (post_key(&pl, &id), inserted)).collect())
    }

    async fn publish_all(&self, posts: &[&Post]) -> Result<(), AcceptError> {
        let batch = posts
            .iter()
            .map(|p| {
                let span =
                    tracing::info_span!("ingest.publish", platform = %p.platform, post_id = %p.post_id, unit = %p.unit);
                let _entered = span.enter();
                tracing::debug!("post published");
                Outgoing {
                    subject: self.ns.post_ingested(&p.unit),
                    headers: publish_headers(&post_key(&p.platform, &p.post_id)),
                    payload: p.encode_to_vec().into(),
                }
            })
            .collect();
        publish_batch(&self.js, batch).await.map_err(|e| AcceptError::Publish(e.to_string()))?;
        for p in posts {
            metrics::counter!("tvarit_ingest_published_total", "unit" => p.unit.clone()).increment(1);
        }
        Ok(())
    }

    /// Ends the posts' pending rows: at once, or after the sync window in
    /// the background (a row the process dies holding is published again).
    async fn settle(&self, posts: &[&Post]) -> Result<(), AcceptError> {
        if posts.is_empty() {
            return Ok(());
        }
        let platforms: Vec<String> = posts.iter().map(|p| p.platform.clone()).collect();
        let ids: Vec<String> = posts.iter().map(|p| p.post_id.clone()).collect();
        let pool = self.pool.clone();
        self.sync.end_after("posts_pending", async move { Self::mark_published(&pool, &platforms, &ids).await }).await
    }

    /// Waits until every row waiting out the sync window has ended (a
    /// replay calls it before it exits, so the service's sweeper does not
    /// publish those posts again).
    pub async fn settled(&self) {
        self.sync.settled().await;
    }

    async fn mark_published(pool: &PgPool, platforms: &[String], ids: &[String]) -> Result<(), AcceptError> {
        sqlx::query(
            "DELETE FROM posts_pending q USING UNNEST($1::text[], $2::text[]) AS k(platform, post_id)
             WHERE q.platform = k.platform AND q.post_id = k.post_id",
        )
        .bind(platforms)
        .bind(ids)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Posts stored but not yet acknowledged by JetStream: above zero for
    /// long means the broker is refusing them (down, or its store is full).
    /// Rows inside the sync window are acknowledged and not counted.
    pub async fn unpublished(&self) -> Result<i64, AcceptError> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM posts_pending WHERE received_at < now() - make_interval(secs => $1)",
        )
        .bind(self.sync.duration().as_secs_f64())
        .fetch_one(&self.pool)
        .await?)
    }

    /// Publishes posts stored more than `older_than` ago but never
    /// acknowledged (their process died in between). Returns how many.
    pub async fn republish_stale(&self, older_than: Duration) -> Result<usize, AcceptError> {
        let cutoff = Utc::now() - chrono::Duration::from_std(older_than).unwrap_or_default();
        let payloads: Vec<(Vec<u8>,)> = sqlx::query_as(
            "SELECT p.payload FROM posts_pending q JOIN posts p USING (platform, post_id)
             WHERE q.received_at < $1 ORDER BY q.received_at LIMIT 5000",
        )
        .bind(cutoff)
        .fetch_all(&self.pool)
        .await?;
        let posts: Vec<Post> = payloads.iter().filter_map(|(b,)| Post::decode(b.as_slice()).ok()).collect();
        let refs: Vec<&Post> = posts.iter().collect();
        self.publish_all(&refs).await?;
        self.settle(&refs).await?;
        Ok(refs.len())
    }
}

#[derive(Default)]
struct Columns {
    platform: Vec<String>,
    post_id: Vec<String>,
    unit: Vec<String>,
    account: Vec<String>,
    source: Vec<String>,
    created_at: Vec<DateTime<Utc>>,
    received_at: Vec<DateTime<Utc>>,
    payload: Vec<Vec<u8>>,
}

impl Columns {
    fn push(&mut self, p: &Post) {
        let time = |t: &Option<prost_types::Timestamp>| {
            t.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t))).unwrap_or_else(Utc::now)
        };
        self.platform.push(p.platform.clone());
        self.post_id.push(p.post_id.clone());
        self.unit.push(p.unit.clone());
        self.account.push(p.account.clone());
        self.source.push(p.source.clone());
        self.created_at.push(time(&p.created_at));
        self.received_at.push(time(&p.received_at));
        self.payload.push(p.encode_to_vec());
    }
}

/// `tvarit_ingest_lag_seconds{unit}`: from the post's creation on the
/// platform to its acceptance here, once per new post. Recorded where the
/// post is accepted: metrics used to consume every ingested post again
/// only to record this (a NATS delivery and ack per post).
fn record_lag(p: &Post) {
    if let (Some(created), Some(received)) = (&p.created_at, &p.received_at) {
        let lag = to_millis(received).saturating_sub(to_millis(created)).max(0) as f64 / 1000.0;
        metrics::histogram!("tvarit_ingest_lag_seconds", "unit" => p.unit.clone()).record(lag);
    }
}
