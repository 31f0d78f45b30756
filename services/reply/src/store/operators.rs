//! Operators and their bearer tokens. Only a token's SHA-256 is stored; the
//! token itself is shown once, when the operator is added. Who an operator
//! is, and the token check, are shared with tvarit-metrics (`tvarit-auth`).

use rand::RngCore;
use sqlx::PgPool;
use tvarit_auth::token_hash;
pub use tvarit_auth::{Operator, ROLES};

use super::audit;

/// The active operator called `name`, if any.
pub async fn by_name(pool: &PgPool, name: &str) -> Result<Option<Operator>, sqlx::Error> {
    sqlx::query_as("SELECT name, role, units FROM operators WHERE name = $1 AND revoked_at IS NULL")
        .bind(name)
        .fetch_optional(pool)
        .await
}

/// The active operators who may work `unit`: its own, and those with every
/// unit (HQ), by name.
pub async fn of_unit(pool: &PgPool, unit: &str) -> Result<Vec<Operator>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, role, units FROM operators
         WHERE revoked_at IS NULL AND ($1 = ANY(units) OR '*' = ANY(units)) ORDER BY name",
    )
    .bind(unit)
    .fetch_all(pool)
    .await
}

/// Adds (or re-issues, if revoked) an operator; returns the new token.
pub async fn add(pool: &PgPool, name: &str, role: &str, units: &[String], actor: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("tvt_{}", hex::encode(bytes));
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "INSERT INTO operators (name, role, units, token_sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET role = $2, units = $3, token_sha256 = $4, revoked_at = NULL, created_at = now()
             WHERE operators.revoked_at IS NOT NULL",
    )
    .bind(name)
    .bind(role)
    .bind(units)
    .bind(token_hash(&token))
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        anyhow::bail!("operator {name:?} exists; revoke it first to issue a new token");
    }
    let detail = format!("role={role} units={}", units.join(","));
    audit::append(&mut tx, audit::Entry { actor, action: "operator.add", subject: name, detail: &detail }).await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn revoke(pool: &PgPool, name: &str, actor: &str) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("UPDATE operators SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        anyhow::bail!("no active operator {name:?}");
    }
    audit::append(&mut tx, audit::Entry { actor, action: "operator.revoke", subject: name, detail: "" }).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list(pool: &PgPool) -> Result<Vec<(Operator, bool)>, sqlx::Error> {
    let rows: Vec<(String, String, Vec<String>, bool)> =
        sqlx::query_as("SELECT name, role, units, revoked_at IS NOT NULL FROM operators ORDER BY name")
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(name, role, units, revoked)| (Operator { name, role, units }, revoked)).collect())
}
