//! The publication's life, each step one transaction with its audit entry:
//! compose, submit, approve (fact-checks also publish their rebuttal),
//! reject, schedule, cancel, retry a target.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use tvarit_proto::v1::PostContent;
use tvarit_registry::Registry;

use super::accounts::PostingAccounts;
use super::rules::{self, ForApproval, Refusal, Resolved};
use super::store::{self, PublicationRow};
use crate::library::drafts;
use crate::library::rebuttals::NewRebuttal;
use crate::store::audit;
use crate::store::operators::Operator;

#[derive(Debug)]
pub enum Failure {
    Refused(Refusal),
    NotFound(i64),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Db(e)
    }
}

impl From<Refusal> for Failure {
    fn from(r: Refusal) -> Self {
        Failure::Refused(r)
    }
}

fn precondition(msg: impl Into<String>) -> Failure {
    Failure::Refused(Refusal::Precondition(msg.into()))
}

fn denied(msg: impl Into<String>) -> Failure {
    Failure::Refused(Refusal::Denied(msg.into()))
}

/// Whether `op` may see the publication (it touches one of their units, or
/// they wrote it). Others are told it does not exist.
pub fn visible(op: &Operator, p: &PublicationRow) -> bool {
    p.author == op.name || p.units.iter().any(|u| op.may_see(u))
}

async fn audit(
    tx: &mut Transaction<'_, Postgres>,
    op: &Operator,
    action: &str,
    id: i64,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let subject = format!("pub-{id}");
    audit::append(tx, audit::Entry { actor: &op.name, action, subject: &subject, detail }).await
}

/// Locks a publication the operator may see.
async fn locked(tx: &mut PgConnection, op: &Operator, id: i64) -> Result<PublicationRow, Failure> {
    match store::get_for_update(tx, id).await? {
        Some(p) if visible(op, &p) => Ok(p),
        _ => Err(Failure::NotFound(id)),
    }
}

async fn insert_targets(tx: &mut PgConnection, id: i64, resolved: &Resolved) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM publication_targets WHERE publication_id = $1").bind(id).execute(&mut *tx).await?;
    for t in &resolved.targets {
        sqlx::query(
            "INSERT INTO publication_targets (publication_id, platform, account, unit, idempotency_key)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&t.platform)
        .bind(&t.account)
        .bind(&t.unit)
        .bind(format!("pub-{id}:{}", t.account.to_lowercase()))
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// A new draft (`id` 0) or new content for the author's own draft.
#[allow(clippy::too_many_arguments)]
pub async fn compose(
    pool: &PgPool,
    op: &Operator,
    id: i64,
    c: &PostContent,
    resolved: &Resolved,
    scheduled_at: Option<DateTime<Utc>>,
    submit: bool,
) -> Result<i64, Failure> {
    let f = c.fact_check.clone().unwrap_or_default();
    let mut tx = pool.begin().await?;
    let sql = if id == 0 {
        "INSERT INTO publications (kind, scope, units, text_hi, text_en, links, media, claim, verdict, variants,
             author, scheduled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
    } else {
        let p = locked(&mut tx, op, id).await?;
        if p.author != op.name {
            return Err(denied("only the author edits a post"));
        }
        if !matches!(p.state.as_str(), "draft" | "rejected") {
            return Err(precondition(format!("the post is {}; only drafts and rejected posts are edited", p.state)));
        }
        "UPDATE publications SET kind = $1, scope = $2, units = $3, text_hi = $4, text_en = $5, links = $6,
             media = $7, claim = $8, verdict = $9, variants = $10, scheduled_at = $12, state = 'draft',
             rejected_by = NULL, reject_reason = '', updated_at = now()
         WHERE id = $13 AND author = $11 RETURNING id"
    };
    let mut query = sqlx::query_scalar(sql)
        .bind(&c.kind)
        .bind(resolved.scope)
        .bind(&resolved.units)
        .bind(c.text_hi.trim())
        .bind(c.text_en.trim())
        .bind(&c.links)
        .bind(&c.media)
        .bind(f.claim.trim())
        .bind(&f.verdict)
        .bind(&f.variants)
        .bind(&op.name)
        .bind(scheduled_at);
    if id != 0 {
        query = query.bind(id);
    }
    let id: i64 = query.fetch_one(&mut *tx).await?;
    insert_targets(&mut tx, id, resolved).await?;
    let detail = format!("kind={} scope={} targets={}", c.kind, resolved.scope, resolved.targets.len());
    audit(&mut tx, op, "publication.compose", id, &detail).await?;
    if submit {
        submit_in(&mut tx, op, id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

async fn submit_in(tx: &mut Transaction<'_, Postgres>, op: &Operator, id: i64) -> Result<(), Failure> {
    let p = locked(tx, op, id).await?;
    if p.author != op.name {
        return Err(denied("only the author submits a post"));
    }
    if p.state != "draft" {
        return Err(precondition(format!("the post is {}, not a draft", p.state)));
    }
    sqlx::query(
        "UPDATE publications SET state = 'pending_approval', submitted_at = now(), updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    audit(tx, op, "publication.submit", id, "").await?;
    Ok(())
}

pub async fn submit(pool: &PgPool, op: &Operator, id: i64) -> Result<(), Failure> {
    let mut tx = pool.begin().await?;
    submit_in(&mut tx, op, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Approves; queues every target that can be posted (from the scheduled
/// time), skips the rest with the reason. A fact-check's rebuttal is saved
/// to the library and drafted for every matching open case.
pub async fn approve(
    pool: &PgPool,
    registry: &Registry,
    accounts: &PostingAccounts,
    op: &Operator,
    id: i64,
    fast_track: bool,
) -> Result<(), Failure> {
    let mut tx = pool.begin().await?;
    let p = locked(&mut tx, op, id).await?;
    let view = ForApproval { author: &p.author, state: &p.state, kind: &p.kind, scope: &p.scope, units: &p.units };
    rules::may_approve(op, &view, fast_track)?;
    let mut detail = format!("fast_track={fast_track}");
    let mut claim_id = p.claim_id.clone();
    if p.kind == "fact_check" {
        let new = NewRebuttal {
            claim_id: &p.claim_id,
            claim: &p.claim,
            verdict: &p.verdict,
            text_hi: &p.text_hi,
            text_en: &p.text_en,
            evidence_url: p.links.first().map_or("", String::as_str),
            variants: &p.variants,
        };
        let (row, dockets) = drafts::publish_rebuttal(&mut tx, registry, &new, &op.name).await?;
        detail.push_str(&format!(" claim={} drafted={}", row.claim_id, dockets.len()));
        claim_id = row.claim_id;
    }
    sqlx::query(
        "UPDATE publications SET state = 'approved', approved_by = $2, approved_at = now(), fast_tracked = $3,
             claim_id = $4, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&op.name)
    .bind(fast_track)
    .bind(&claim_id)
    .execute(&mut *tx)
    .await?;
    let targets = store::targets(&mut tx, &[id]).await?;
    for t in targets.iter().filter(|t| t.status == "held") {
        match accounts.cannot_post(&t.account) {
            Some(why) => {
                sqlx::query("UPDATE publication_targets SET status = 'skipped', last_error = $2 WHERE id = $1")
                    .bind(t.id)
                    .bind(why)
                    .execute(&mut *tx)
                    .await?
            }
            None => sqlx::query(
                "UPDATE publication_targets SET status = 'queued', next_attempt_at = GREATEST(now(), $2) WHERE id = $1",
            )
            .bind(t.id)
            .bind(p.scheduled_at)
            .execute(&mut *tx)
            .await?,
        };
    }
    audit(&mut tx, op, "publication.approve", id, &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reject(pool: &PgPool, op: &Operator, id: i64, reason: &str) -> Result<(), Failure> {
    if reason.trim().is_empty() {
        return Err(Failure::Refused(Refusal::Invalid("say why the post is rejected".into())));
    }
    let mut tx = pool.begin().await?;
    let p = locked(&mut tx, op, id).await?;
    let view = ForApproval { author: &p.author, state: &p.state, kind: &p.kind, scope: &p.scope, units: &p.units };
    rules::may_approve(op, &view, false)?;
    sqlx::query(
        "UPDATE publications SET state = 'rejected', rejected_by = $2, reject_reason = $3, updated_at = now() WHERE id = $1",
    )
    .bind(id)
    .bind(&op.name)
    .bind(reason.trim())
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, op, "publication.reject", id, reason.trim()).await?;
    tx.commit().await?;
    Ok(())
}

/// The author, or a supervisor or HQ holding every targeted unit.
fn may_manage(op: &Operator, p: &PublicationRow) -> Result<(), Failure> {
    let oversees = op.supervises() && p.units.iter().all(|u| op.may_see(u)) && (p.scope != "state" || op.role == "hq");
    if p.author == op.name || oversees { Ok(()) } else { Err(denied("only the author or an approver may do that")) }
}

/// Whether any target has started going out.
async fn started(tx: &mut PgConnection, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM publication_targets WHERE publication_id = $1
             AND (attempts > 0 OR status IN ('sending', 'sent', 'failed', 'needs_check')))",
    )
    .bind(id)
    .fetch_one(tx)
    .await
}

pub async fn schedule(pool: &PgPool, op: &Operator, id: i64, at: Option<DateTime<Utc>>) -> Result<(), Failure> {
    let mut tx = pool.begin().await?;
    let p = locked(&mut tx, op, id).await?;
    may_manage(op, &p)?;
    if matches!(p.state.as_str(), "rejected" | "cancelled") || started(&mut tx, id).await? {
        return Err(precondition("the post is closed or has started going out"));
    }
    sqlx::query("UPDATE publications SET scheduled_at = $2, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE publication_targets SET next_attempt_at = GREATEST(now(), $2)
         WHERE publication_id = $1 AND status = 'queued'",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let detail = at.map_or_else(|| "now".to_owned(), |t| t.to_rfc3339());
    audit(&mut tx, op, "publication.schedule", id, &detail).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn cancel(pool: &PgPool, op: &Operator, id: i64) -> Result<(), Failure> {
    let mut tx = pool.begin().await?;
    let p = locked(&mut tx, op, id).await?;
    may_manage(op, &p)?;
    if matches!(p.state.as_str(), "rejected" | "cancelled") || started(&mut tx, id).await? {
        return Err(precondition("the post is closed or has started going out"));
    }
    sqlx::query("UPDATE publications SET state = 'cancelled', updated_at = now() WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE publication_targets SET status = 'cancelled' WHERE publication_id = $1 AND status IN ('held', 'queued')",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, op, "publication.cancel", id, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a failed or `needs_check` target again (an operator of its unit).
pub async fn retry(pool: &PgPool, op: &Operator, id: i64, account: &str) -> Result<(), Failure> {
    let mut tx = pool.begin().await?;
    let p = locked(&mut tx, op, id).await?;
    if p.state != "approved" {
        return Err(precondition(format!("the post is {}, not approved", p.state)));
    }
    let target: Option<(i64, String, String)> = sqlx::query_as(
        "SELECT id, unit, status FROM publication_targets WHERE publication_id = $1 AND lower(account) = lower($2) FOR UPDATE",
    )
    .bind(id)
    .bind(account)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((target_id, unit, status)) = target else {
        return Err(Failure::Refused(Refusal::Invalid(format!("{account} is not a target of pub-{id}"))));
    };
    if !op.may_see(&unit) {
        return Err(denied(format!("{account} belongs to {unit}, not your units")));
    }
    if !matches!(status.as_str(), "failed" | "needs_check") {
        return Err(precondition(format!("{account} is {status}; only failed or needs_check targets are retried")));
    }
    sqlx::query(
        "UPDATE publication_targets SET status = 'queued', next_attempt_at = now(), last_error = '' WHERE id = $1",
    )
    .bind(target_id)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, op, "publication.retry", id, &format!("account={account} was={status}")).await?;
    tx.commit().await?;
    Ok(())
}
