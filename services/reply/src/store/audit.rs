//! The audit log: append-only and hash-chained. Each entry's hash covers the
//! previous entry's hash and its own fields, so editing or deleting any
//! entry breaks every hash after it (`tvarit-reply audit verify`).

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Postgres, Transaction};

pub struct Entry<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: &'a str,
}

fn entry_hash(prev: &[u8], at: DateTime<Utc>, e: &Entry<'_>) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    for field in [at.to_rfc3339().as_str(), e.actor, e.action, e.subject, e.detail] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().to_vec()
}

/// Appends an entry inside the caller's transaction. A transaction-scoped
/// advisory lock orders writers so the chain never forks.
pub async fn append(tx: &mut Transaction<'_, Postgres>, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvarit-audit-chain'))").execute(&mut **tx).await?;
    let prev: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut **tx).await?;
    let prev = prev.unwrap_or_default();
    // PostgreSQL keeps microseconds; hash what will be read back.
    let at = Utc::now().trunc_subsecs(6);
    let hash = entry_hash(&prev, at, &entry);
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(at)
    .bind(entry.actor)
    .bind(entry.action)
    .bind(entry.subject)
    .bind(entry.detail)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Walks the chain; returns the number of entries, or the id of the first
/// entry whose hash does not match.
pub async fn verify(pool: &PgPool) -> Result<Result<u64, i64>, sqlx::Error> {
    type Row = (i64, DateTime<Utc>, String, String, String, String, Vec<u8>, Vec<u8>);
    let rows: Vec<Row> =
        sqlx::query_as("SELECT id, at, actor, action, subject, detail, prev_hash, hash FROM audit_log ORDER BY id")
            .fetch_all(pool)
            .await?;
    let mut prev: Vec<u8> = Vec::new();
    for (id, at, actor, action, subject, detail, prev_hash, hash) in &rows {
        let entry = Entry { actor, action, subject, detail };
        if *prev_hash != prev || entry_hash(&prev, *at, &entry) != *hash {
            return Ok(Err(*id));
        }
        prev = hash.clone();
    }
    Ok(Ok(rows.len() as u64))
}
