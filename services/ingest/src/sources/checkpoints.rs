//! Durable poll checkpoints. A checkpoint moves only after the posts before
//! it were stored and acknowledged, so a restart resumes without gaps.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Checkpoint {
    pub since_id: String,
    pub overlap_since_id: String,
    pub next_overlap_id: String,
    pub overlap_set_at: DateTime<Utc>,
}

pub async fn load(pool: &PgPool, source: &str, account: &str) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT since_id, overlap_since_id, next_overlap_id, overlap_set_at FROM checkpoints WHERE source = $1 AND account = $2",
    )
    .bind(source)
    .bind(account)
    .fetch_optional(pool)
    .await
}

pub async fn save(pool: &PgPool, source: &str, account: &str, cp: &Checkpoint) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO checkpoints (source, account, since_id, overlap_since_id, next_overlap_id, overlap_set_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (source, account) DO UPDATE
             SET since_id = $3, overlap_since_id = $4, next_overlap_id = $5, overlap_set_at = $6, updated_at = now()",
    )
    .bind(source)
    .bind(account)
    .bind(&cp.since_id)
    .bind(&cp.overlap_since_id)
    .bind(&cp.next_overlap_id)
    .bind(cp.overlap_set_at)
    .execute(pool)
    .await?;
    Ok(())
}

/// Compares X snowflake ids (decimal strings of up to 19 digits).
pub fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

impl Checkpoint {
    /// A first checkpoint at `id`: nothing before it is fetched.
    pub fn start(id: &str, now: DateTime<Utc>) -> Checkpoint {
        Checkpoint { since_id: id.into(), overlap_since_id: id.into(), next_overlap_id: id.into(), overlap_set_at: now }
    }

    /// The checkpoint after storing posts up to `newest`. Every `window`
    /// the overlap start moves to the checkpoint of the previous rotation,
    /// so what is re-queried always reaches back one to two windows.
    pub fn advance(&self, newest: Option<&str>, now: DateTime<Utc>, window: chrono::Duration) -> Checkpoint {
        let since_id = match newest {
            Some(n) if newer(n, &self.since_id) => n.to_owned(),
            _ => self.since_id.clone(),
        };
        if now - self.overlap_set_at >= window {
            Checkpoint {
                since_id,
                overlap_since_id: self.next_overlap_id.clone(),
                next_overlap_id: self.since_id.clone(),
                overlap_set_at: now,
            }
        } else {
            Checkpoint { since_id, ..self.clone() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_compare_as_numbers() {
        assert!(newer("1000", "999"));
        assert!(!newer("999", "1000"));
        assert!(newer("1860000000000000001", "1860000000000000000"));
    }

    #[test]
    fn the_overlap_trails_by_one_to_two_windows() {
        let t0 = Utc::now();
        let w = chrono::Duration::seconds(120);
        let cp = Checkpoint {
            since_id: "100".into(),
            overlap_since_id: "50".into(),
            next_overlap_id: "80".into(),
            overlap_set_at: t0,
        };
        let a = cp.advance(Some("120"), t0 + chrono::Duration::seconds(30), w);
        assert_eq!((a.since_id.as_str(), a.overlap_since_id.as_str()), ("120", "50"));
        // An older id seen again (the overlap) never moves the checkpoint back.
        let b = a.advance(Some("110"), t0 + chrono::Duration::seconds(130), w);
        assert_eq!(
            (b.since_id.as_str(), b.overlap_since_id.as_str(), b.next_overlap_id.as_str()),
            ("120", "80", "120")
        );
        assert_eq!(b.overlap_set_at, t0 + chrono::Duration::seconds(130));
    }
}
