//! Purpose-bound retention of what classify keeps (India's DPDP Act 2023,
//! s. 8(7)), as ingest and reply do: past `classify_retention_days` a
//! decision keeps its labels, language, confidence and model but not its
//! reasons (which quote the post's words), and an operator's relabel is no
//! longer kept as a training example (its row holds the post's text). Runs
//! daily in `serve`; counted in Prometheus and logged.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// As reply's and ingest's default: a year.
pub const DEFAULT_DAYS: u32 = 365;
const EVERY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub decisions: u64,
    pub examples: u64,
}

pub async fn apply(pool: &PgPool, cutoff: DateTime<Utc>) -> sqlx::Result<Purged> {
    let decisions = sqlx::query("UPDATE decisions SET reasons = '{}' WHERE decided_at < $1 AND reasons <> '{}'")
        .bind(cutoff)
        .execute(pool)
        .await?
        .rows_affected();
    let examples = sqlx::query("DELETE FROM label_feedback WHERE received_at < $1")
        .bind(cutoff)
        .execute(pool)
        .await?
        .rows_affected();
    metrics::counter!("tvarit_retention_purged_posts_total", "service" => "classify").increment(decisions + examples);
    Ok(Purged { decisions, examples })
}

/// The daily run inside `serve`; `days` 0 keeps everything.
pub async fn run(pool: PgPool, days: u32, shutdown: CancellationToken) {
    if days == 0 {
        tracing::info!("retention off (classify_retention_days = 0): decisions keep their reasons");
        return;
    }
    loop {
        match apply(&pool, Utc::now() - chrono::Duration::days(days.into())).await {
            Ok(p) if p == Purged::default() => {}
            Ok(p) => tracing::info!(decisions = p.decisions, examples = p.examples, days, "retention applied"),
            Err(e) => tracing::warn!(error = %e, "retention: cannot purge now; next run tomorrow"),
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
