//! Engagement afterwards: each sent target's post measured on its platform
//! (X public metrics; Facebook reactions, shares and comments) and kept as
//! the latest figures, for the monthly report.

use sqlx::PgPool;

use super::accounts::PostingAccounts;
use super::store::TargetRow;

/// Measures every sent target; returns how many were updated. A platform
/// that fails keeps the figures fetched before.
pub async fn refresh(pool: &PgPool, accounts: &PostingAccounts, targets: &[TargetRow]) -> Result<usize, sqlx::Error> {
    let mut updated = 0;
    for t in targets.iter().filter(|t| t.status == "sent") {
        let Some(post_id) = &t.platform_post_id else { continue };
        let m = match accounts.engagement(&t.account, post_id).await {
            Ok(m) => m,
            Err(e) => {
                tracing::info!(account = %t.account, error = %e, "engagement unavailable");
                continue;
            }
        };
        sqlx::query(
            "INSERT INTO publication_engagement (target_id, fetched_at, likes, reposts, replies, quotes, impressions)
             VALUES ($1, now(), $2, $3, $4, $5, $6)
             ON CONFLICT (target_id) DO UPDATE SET fetched_at = now(), likes = $2, reposts = $3, replies = $4,
                 quotes = $5, impressions = $6",
        )
        .bind(t.id)
        .bind(m.likes as i64)
        .bind(m.reposts as i64)
        .bind(m.replies as i64)
        .bind(m.quotes as i64)
        .bind(m.impressions as i64)
        .execute(pool)
        .await?;
        updated += 1;
    }
    Ok(updated)
}
