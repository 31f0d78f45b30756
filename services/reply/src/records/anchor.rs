//! Signed checkpoints of the audit chain's head, kept outside the audit
//! table, so that what the chain alone cannot show is caught: the newest
//! entries deleted (the chain that remains is intact) and the whole table
//! re-hashed after an edit (every hash recomputed). See docs/operations.md,
//! "The audit chain's anchor", for the threat model.
//!
//! A checkpoint is one JSON line appended to a file: the newest entry's id,
//! how many entries there were up to it, its hash, when, and an Ed25519
//! signature over those by a key read from a file the database never sees.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// One signed statement of the chain's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The newest entry's id.
    pub id: i64,
    /// Entries with an id up to `id`.
    pub count: i64,
    /// The newest entry's hash (hex).
    pub head: String,
    pub at: DateTime<Utc>,
    /// The signing key's public half (hex), to tell which key signed.
    pub public_key: String,
    /// Ed25519 over [`Checkpoint::message`] (hex).
    pub signature: String,
}

impl Checkpoint {
    fn message(id: i64, count: i64, head: &str, at: &DateTime<Utc>) -> Vec<u8> {
        format!("tvarit-audit-checkpoint/v1\n{id}\n{count}\n{head}\n{}", at.to_rfc3339()).into_bytes()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("audit signing key {path}: {why}")]
    Key { path: PathBuf, why: String },
    #[error("audit checkpoint file {path}: {source}")]
    File { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The signing key: a file holding the 32-byte Ed25519 seed as 64 hex
/// characters (`tvarit-reply audit keygen` writes one).
pub fn read_key(path: &Path) -> Result<SigningKey, AnchorError> {
    let bad = |why: String| AnchorError::Key { path: path.to_owned(), why };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("expected 64 hex characters (an Ed25519 seed)".into()))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes a new random key to `path` (refusing to overwrite one), readable
/// by its owner only; returns the public key (hex) to record elsewhere.
pub fn generate_key(path: &Path) -> Result<String, AnchorError> {
    use rand::RngCore as _;
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let key_err = |e: std::io::Error| AnchorError::Key { path: path.to_owned(), why: e.to_string() };
    let mut file = options.open(path).map_err(key_err)?;
    file.write_all(format!("{}\n", hex::encode(seed)).as_bytes()).map_err(key_err)?;
    Ok(hex::encode(SigningKey::from_bytes(&seed).verifying_key().as_bytes()))
}

/// The chain's head now: `(id, count up to it, hash)`, `None` when empty.
async fn head(pool: &PgPool) -> Result<Option<(i64, i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, (SELECT count(*) FROM audit_log a WHERE a.id <= l.id), hash
         FROM audit_log l ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
}

/// Every checkpoint in `path`, oldest first; a line that is not one is an
/// error (the file is evidence: nothing in it is skipped).
pub fn read_checkpoints(path: &Path) -> Result<Vec<Result<Checkpoint, String>>, AnchorError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(AnchorError::File { path: path.to_owned(), source }),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).map_err(|e| format!("not a checkpoint: {e}")))
        .collect())
}

/// Appends a signed checkpoint of the head when it moved since the last
/// one (and logs it, a second copy off the file); returns it, or `None`
/// when there was nothing new.
pub async fn write(pool: &PgPool, key: &SigningKey, path: &Path) -> Result<Option<Checkpoint>, AnchorError> {
    let Some((id, count, hash)) = head(pool).await? else { return Ok(None) };
    let head = hex::encode(&hash);
    let last = read_checkpoints(path)?.into_iter().rev().find_map(Result::ok);
    if last.is_some_and(|c| c.id == id && c.head == head) {
        return Ok(None);
    }
    let at = Utc::now();
    let signature = key.sign(&Checkpoint::message(id, count, &head, &at));
    let cp = Checkpoint {
        id,
        count,
        head,
        at,
        public_key: hex::encode(key.verifying_key().as_bytes()),
        signature: hex::encode(signature.to_bytes()),
    };
    let line = serde_json::to_string(&cp).expect("a checkpoint serialises");
    let file_err = |source| AnchorError::File { path: path.to_owned(), source };
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(file_err)?;
    file.write_all(format!("{line}\n").as_bytes()).map_err(file_err)?;
    file.sync_all().map_err(file_err)?;
    tracing::info!(id = cp.id, count = cp.count, head = %cp.head, signature = %cp.signature, "audit checkpoint");
    metrics::counter!("tvarit_audit_checkpoints_total").increment(1);
    Ok(Some(cp))
}

/// What a checkpoint says that the table no longer does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The line is not a checkpoint, or its signature is not `key`'s.
    Unsigned { line: usize, why: String },
    /// The table ends before the checkpointed entry: its newest rows were deleted.
    Truncated { checkpoint_id: i64, newest_id: Option<i64> },
    /// The checkpointed entry is there with another hash: the chain was re-hashed.
    Rehashed { id: i64 },
    /// Fewer or more entries up to the checkpointed one than it counted.
    Recounted { id: i64, signed: i64, now: i64 },
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Finding::Unsigned { line, why } => write!(f, "checkpoint line {line}: {why}"),
            Finding::Truncated { checkpoint_id, newest_id } => write!(
                f,
                "truncated: a signed checkpoint covers entry {checkpoint_id} but the log ends at {}",
                newest_id.map_or_else(|| "no entry".into(), |i| format!("entry {i}"))
            ),
            Finding::Rehashed { id } => {
                write!(f, "re-hashed: entry {id}'s hash is not the one signed at its checkpoint")
            }
            Finding::Recounted { id, signed, now } => {
                write!(f, "entries removed or inserted: {signed} entries up to {id} when signed, {now} now")
            }
        }
    }
}

/// Checks every checkpoint in `path` against the table with `key`'s public
/// half. Empty when the table still holds what every checkpoint signed.
pub async fn verify(pool: &PgPool, key: &VerifyingKey, path: &Path) -> Result<Vec<Finding>, AnchorError> {
    let mut findings = Vec::new();
    let newest: Option<i64> = sqlx::query_scalar("SELECT max(id) FROM audit_log").fetch_one(pool).await?;
    for (i, cp) in read_checkpoints(path)?.into_iter().enumerate() {
        let line = i + 1;
        let cp = match cp {
            Ok(cp) => cp,
            Err(why) => {
                findings.push(Finding::Unsigned { line, why });
                continue;
            }
        };
        let signature = hex::decode(&cp.signature).ok().and_then(|b| Signature::from_slice(&b).ok());
        let message = Checkpoint::message(cp.id, cp.count, &cp.head, &cp.at);
        if signature.is_none_or(|s| key.verify(&message, &s).is_err()) {
            findings.push(Finding::Unsigned { line, why: "signature does not verify with this key".into() });
            continue;
        }
        let row: Option<(Vec<u8>, i64)> = sqlx::query_as(
            "SELECT hash, (SELECT count(*) FROM audit_log a WHERE a.id <= $1) FROM audit_log WHERE id = $1",
        )
        .bind(cp.id)
        .fetch_optional(pool)
        .await?;
        match row {
            None if newest.is_none_or(|n| n < cp.id) => {
                findings.push(Finding::Truncated { checkpoint_id: cp.id, newest_id: newest })
            }
            // The entry itself is gone from the middle; the chain walk names it too.
            None => findings.push(Finding::Rehashed { id: cp.id }),
            Some((hash, _)) if hex::encode(&hash) != cp.head => findings.push(Finding::Rehashed { id: cp.id }),
            Some((_, now)) if now != cp.count => findings.push(Finding::Recounted { id: cp.id, signed: cp.count, now }),
            Some(_) => {}
        }
    }
    findings.dedup();
    Ok(findings)
}
