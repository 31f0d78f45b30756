//! Publications and their targets in PostgreSQL, and their protobuf form.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{Engagement, FactCheck, PostContent, Publication, Target};

pub const PUBLICATION_COLUMNS: &str = "id, kind, scope, units, text_hi, text_en, links, media, claim, verdict, \
     variants, claim_id, author, state, approved_by, approved_at, fast_tracked, rejected_by, reject_reason, \
     scheduled_at, created_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicationRow {
    pub id: i64,
    pub kind: String,
    pub scope: String,
    pub units: Vec<String>,
    pub text_hi: String,
    pub text_en: String,
    pub links: Vec<String>,
    pub media: Vec<String>,
    pub claim: String,
    pub verdict: String,
    pub variants: Vec<String>,
    pub claim_id: String,
    pub author: String,
    pub state: String,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub fast_tracked: bool,
    pub rejected_by: Option<String>,
    pub reject_reason: String,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const TARGET_COLUMNS: &str = "t.id, t.publication_id, t.platform, t.account, t.unit, t.idempotency_key, t.status, \
     t.attempts, t.next_attempt_at, t.platform_post_id, t.link, t.last_error, t.sent_at, \
     e.fetched_at, e.likes, e.reposts, e.replies, e.quotes, e.impressions";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetRow {
    pub id: i64,
    pub publication_id: i64,
    pub platform: String,
    pub account: String,
    pub unit: String,
    pub idempotency_key: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub platform_post_id: Option<String>,
    pub link: String,
    pub last_error: String,
    pub sent_at: Option<DateTime<Utc>>,
    pub fetched_at: Option<DateTime<Utc>>,
    pub likes: Option<i64>,
    pub reposts: Option<i64>,
    pub replies: Option<i64>,
    pub quotes: Option<i64>,
    pub impressions: Option<i64>,
}

impl PublicationRow {
    pub fn content(&self) -> PostContent {
        let fact_check = (self.kind == "fact_check").then(|| FactCheck {
            claim: self.claim.clone(),
            verdict: self.verdict.clone(),
            variants: self.variants.clone(),
            claim_id: self.claim_id.clone(),
        });
        PostContent {
            kind: self.kind.clone(),
            text_hi: self.text_hi.clone(),
            text_en: self.text_en.clone(),
            links: self.links.clone(),
            media: self.media.clone(),
            fact_check,
        }
    }

    /// The text posted on every platform.
    pub fn body(&self) -> String {
        super::content::body(&self.content())
    }

    /// The summary a person reads: the state, or once approved how far
    /// delivery has got.
    fn status(&self, targets: &[TargetRow], now: DateTime<Utc>) -> &'static str {
        let any = |s: &[&str]| targets.iter().any(|t| s.contains(&t.status.as_str()));
        match self.state.as_str() {
            "draft" => "draft",
            "pending_approval" => "pending_approval",
            "rejected" => "rejected",
            "cancelled" => "cancelled",
            _ if self.scheduled_at.is_some_and(|t| t > now) && !any(&["sent", "sending", "failed"]) => "scheduled",
            _ if any(&["queued", "sending", "held"]) => "publishing",
            _ if any(&["failed", "needs_check"]) => "partly_failed",
            _ => "published",
        }
    }

    pub fn to_proto(&self, targets: &[TargetRow]) -> Publication {
        Publication {
            id: self.id as u64,
            content: Some(self.content()),
            scope: self.scope.clone(),
            units: self.units.clone(),
            author: self.author.clone(),
            state: self.state.clone(),
            status: self.status(targets, Utc::now()).into(),
            approved_by: self.approved_by.clone().unwrap_or_default(),
            approved_at: self.approved_at.map(from_datetime),
            fast_tracked: self.fast_tracked,
            rejected_by: self.rejected_by.clone().unwrap_or_default(),
            reject_reason: self.reject_reason.clone(),
            scheduled_at: self.scheduled_at.map(from_datetime),
            created_at: Some(from_datetime(self.created_at)),
            targets: targets.iter().map(TargetRow::to_proto).collect(),
        }
    }
}

impl TargetRow {
    pub fn to_proto(&self) -> Target {
        let n = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
        Target {
            account: self.account.clone(),
            platform: self.platform.clone(),
            unit: self.unit.clone(),
            status: self.status.clone(),
            attempts: self.attempts.max(0) as u32,
            platform_post_id: self.platform_post_id.clone().unwrap_or_default(),
            link: self.link.clone(),
            error: self.last_error.clone(),
            sent_at: self.sent_at.map(from_datetime),
            next_attempt_at: (self.status == "queued").then(|| from_datetime(self.next_attempt_at)),
            idempotency_key: self.idempotency_key.clone(),
            engagement: self.fetched_at.map(|at| Engagement {
                fetched_at: Some(from_datetime(at)),
                likes: n(self.likes),
                reposts: n(self.reposts),
                replies: n(self.replies),
                quotes: n(self.quotes),
                impressions: n(self.impressions),
            }),
        }
    }
}

pub async fn get(db: &mut PgConnection, id: i64) -> Result<Option<PublicationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {PUBLICATION_COLUMNS} FROM publications WHERE id = $1")))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Locks the publication for a change (inside the caller's transaction).
pub async fn get_for_update(db: &mut PgConnection, id: i64) -> Result<Option<PublicationRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PUBLICATION_COLUMNS} FROM publications WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The targets of these publications, by handle.
pub async fn targets(db: &mut PgConnection, ids: &[i64]) -> Result<Vec<TargetRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {TARGET_COLUMNS} FROM publication_targets t
         LEFT JOIN publication_engagement e ON e.target_id = t.id
         WHERE t.publication_id = ANY($1) ORDER BY t.publication_id, lower(t.account)"
    )))
    .bind(ids)
    .fetch_all(db)
    .await
}

/// A publication with its targets, as the API returns it.
pub async fn load(db: &mut PgConnection, id: i64) -> Result<Option<Publication>, sqlx::Error> {
    let Some(p) = get(db, id).await? else { return Ok(None) };
    let targets = targets(db, &[id]).await?;
    Ok(Some(p.to_proto(&targets)))
}

/// Publications touching any of `units` (`*` for all) whose time (planned,
/// approved or created) is in `[from, to)`, soonest first.
pub async fn calendar(
    db: &mut PgConnection,
    units: &[String],
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<Publication>, sqlx::Error> {
    let rows: Vec<PublicationRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PUBLICATION_COLUMNS} FROM publications
         WHERE ('*' = ANY($1) OR units && $1)
           AND ($2::timestamptz IS NULL OR COALESCE(scheduled_at, approved_at, created_at) >= $2)
           AND ($3::timestamptz IS NULL OR COALESCE(scheduled_at, approved_at, created_at) < $3)
         ORDER BY COALESCE(scheduled_at, approved_at, created_at), id LIMIT $4"
    )))
    .bind(units)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(&mut *db)
    .await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let all = targets(db, &ids).await?;
    Ok(rows
        .iter()
        .map(|p| {
            let mine: Vec<TargetRow> = all.iter().filter(|t| t.publication_id == p.id).cloned().collect();
            p.to_proto(&mine)
        })
        .collect())
}
