//! Each service owns one schema, `<namespace>_<service>`, in the shared
//! database; its pool puts that schema first on the search path so that
//! migrations and queries never name it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// `url` (a `postgres://` URL, host or socket form) naming `database`
/// instead: the same server and credentials, another database.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Creates the schema if it is missing (idempotent; safe to race).
pub async fn ensure_schema(database_url: &str, schema: &str) -> Result<(), sqlx::Error> {
    let pool = PgPoolOptions::new().max_connections(1).connect(database_url).await?;
    // A race of two `CREATE SCHEMA IF NOT EXISTS` can still fail on the
    // catalog's unique index; the schema exists either way.
    // `schema` is built from a validated namespace token and a fixed service name.
    let sql = sqlx::AssertSqlSafe(format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""));
    let result = sqlx::query(sql).execute(&pool).await;
    pool.close().await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("23505") => Ok(()),
        Err(e) => Err(e),
    }
}

/// A pool whose connections use `schema` by default.
///
/// Every statement is planned for its own arguments (`plan_cache_mode =
/// force_custom_plan`). A prepared statement's generic plan is chosen after
/// five runs and kept until the table is analyzed again: chosen while a
/// table is nearly empty it is a sequential scan, and with autovacuum off or
/// behind (as on this project's CI machine) it stayed one at 100,000 rows;
/// reply's intake read every case for every batch. Planning costs tens of
/// microseconds; a stale plan cost milliseconds per statement.
pub async fn connect_schema(database_url: &str, schema: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(database_url)?
        .options([("search_path", schema), ("plan_cache_mode", "force_custom_plan")]);
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
}

/// Connects to the service's schema, creating it and applying `migrator`
/// first when `migrate` is set.
pub async fn open_schema(
    database_url: &str,
    schema: &str,
    migrator: &sqlx::migrate::Migrator,
    migrate: bool,
    max_connections: u32,
) -> Result<PgPool, sqlx::Error> {
    if migrate {
        ensure_schema(database_url, schema).await?;
    }
    let pool = connect_schema(database_url, schema, max_connections).await?;
    if migrate {
        migrator.run(&pool).await?;
    }
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres:///postgres?host=/var/run/postgresql", "x"),
            "postgres:///x?host=/var/run/postgresql"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
