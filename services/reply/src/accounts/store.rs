//! The rows behind connected accounts: `account_credentials` (sealed
//! tokens, their end, status) and `account_authorizations` (a consent in
//! progress). Sealing and opening is the caller's ([`super::seal`]).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgArguments;
use sqlx::{PgPool, Postgres, Transaction};

/// The PostgreSQL channel `accounts connect` notifies, so a running reply
/// takes a new connection at once instead of at its next look.
pub const CHANNEL: &str = "tvarit_credentials";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredRow {
    pub account: String,
    pub handle: String,
    pub platform: String,
    pub sealed: Vec<u8>,
    pub renewable: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub scope: String,
    pub status: String,
    pub generation: i64,
    pub connected_at: DateTime<Utc>,
    pub last_refresh_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

const COLUMNS: &str = "account, handle, platform, sealed, renewable, expires_at, scope, status, generation, \
                       connected_at, last_refresh_at, last_error";

fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

pub async fn get(pool: &PgPool, account: &str) -> Result<Option<StoredRow>, sqlx::Error> {
    sqlx::query_as(sql(format!("SELECT {COLUMNS} FROM account_credentials WHERE account = $1")))
        .bind(account.to_lowercase())
        .fetch_optional(pool)
        .await
}

pub async fn all(pool: &PgPool) -> Result<Vec<StoredRow>, sqlx::Error> {
    sqlx::query_as(sql(format!("SELECT {COLUMNS} FROM account_credentials ORDER BY account"))).fetch_all(pool).await
}

/// The row, locked until the transaction ends: one renewal at a time per
/// account, across replicas, because a rotated refresh token is good once.
pub async fn lock(tx: &mut Transaction<'_, Postgres>, account: &str) -> Result<Option<StoredRow>, sqlx::Error> {
    sqlx::query_as(sql(format!("SELECT {COLUMNS} FROM account_credentials WHERE account = $1 FOR UPDATE")))
        .bind(account.to_lowercase())
        .fetch_optional(&mut **tx)
        .await
}

/// What a token endpoint gave, sealed, ready to store.
pub struct Sealed<'a> {
    pub sealed: &'a [u8],
    pub renewable: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub scope: &'a str,
}

/// A write of `account`'s sealed token returning the new generation:
/// `sql` takes the account as `$1` and the token's fields as `$2`–`$5`.
fn write_sealed<'q>(
    sql: &'static str,
    account: &str,
    s: &Sealed<'q>,
) -> sqlx::query::QueryScalar<'q, Postgres, i64, PgArguments> {
    sqlx::query_scalar(sql)
        .bind(account.to_lowercase())
        .bind(s.sealed)
        .bind(s.renewable)
        .bind(s.expires_at)
        .bind(s.scope)
}

/// Stores renewed tokens; returns the new generation.
pub async fn save_renewed(
    tx: &mut Transaction<'_, Postgres>,
    account: &str,
    s: &Sealed<'_>,
) -> Result<i64, sqlx::Error> {
    let sql = "UPDATE account_credentials SET sealed = $2, renewable = $3, expires_at = $4,
             scope = CASE WHEN $5 = '' THEN scope ELSE $5 END, generation = generation + 1,
             last_refresh_at = now(), last_error = NULL, status = 'ok', updated_at = now()
         WHERE account = $1 RETURNING generation";
    write_sealed(sql, account, s).fetch_one(&mut **tx).await
}

/// Stores a new connection (or a reconnection), ready to use.
pub async fn save_connected(
    tx: &mut Transaction<'_, Postgres>,
    account: &str,
    handle: &str,
    platform: &str,
    s: &Sealed<'_>,
) -> Result<i64, sqlx::Error> {
    let sql = "INSERT INTO account_credentials (account, sealed, renewable, expires_at, scope, handle, platform)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (account) DO UPDATE SET sealed = $2, renewable = $3, expires_at = $4, scope = $5,
             handle = $6, platform = $7, status = 'ok', generation = account_credentials.generation + 1,
             connected_at = now(), last_refresh_at = NULL, last_error = NULL, updated_at = now()
         RETURNING generation";
    write_sealed(sql, account, s).bind(handle).bind(platform).fetch_one(&mut **tx).await
}

/// The platform refused the renewal: nothing but a person reconnecting
/// helps. Tells the renewer, whose gauges then show it.
pub async fn mark_reconnect(tx: &mut Transaction<'_, Postgres>, account: &str, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE account_credentials SET status = 'reconnect_needed', last_error = $2, updated_at = now()
         WHERE account = $1",
    )
    .bind(account.to_lowercase())
    .bind(error)
    .execute(&mut **tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut **tx).await?;
    Ok(())
}

/// A renewal that may succeed later (the endpoint was unreachable).
pub async fn note_error(tx: &mut Transaction<'_, Postgres>, account: &str, error: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE account_credentials SET last_error = $2, updated_at = now() WHERE account = $1")
        .bind(account.to_lowercase())
        .bind(error)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Authorization {
    pub state: String,
    pub account: String,
    pub platform: String,
    pub redirect_uri: String,
    pub sealed_verifier: Vec<u8>,
}

pub async fn begin_authorization(pool: &PgPool, a: &Authorization) -> Result<(), sqlx::Error> {
    // Consents never finished are of no use after an hour.
    sqlx::query("DELETE FROM account_authorizations WHERE created_at < now() - interval '1 hour'")
        .execute(pool)
        .await?;
    sqlx::query(
        "INSERT INTO account_authorizations (state, account, platform, redirect_uri, sealed_verifier)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&a.state)
    .bind(a.account.to_lowercase())
    .bind(&a.platform)
    .bind(&a.redirect_uri)
    .bind(&a.sealed_verifier)
    .execute(pool)
    .await?;
    Ok(())
}

/// The consent `state` names, or else the account's newest.
pub async fn find_authorization(
    pool: &PgPool,
    account: &str,
    state: Option<&str>,
) -> Result<Option<Authorization>, sqlx::Error> {
    sqlx::query_as(
        "SELECT state, account, platform, redirect_uri, sealed_verifier FROM account_authorizations
         WHERE account = $1 AND ($2::text IS NULL OR state = $2) AND created_at > now() - interval '1 hour'
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(account.to_lowercase())
    .bind(state)
    .fetch_optional(pool)
    .await
}

pub async fn end_authorization(tx: &mut Transaction<'_, Postgres>, state: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM account_authorizations WHERE state = $1").bind(state).execute(&mut **tx).await?;
    Ok(())
}
