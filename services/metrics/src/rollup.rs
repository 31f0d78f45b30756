//! The exact month figures kept per unit and per account: which facts each
//! row counts, the marks that put it out of date, and its recomputation
//! from the raw facts.

use std::sync::LazyLock;

use chrono_tz::Tz;
use sqlx::{PgPool, Postgres, Transaction};

/// What a month's rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// The unit a case counts for (`ranked_unit`: HQ for a case handed to it).
    Unit,
    /// The account the post tagged.
    Account,
}

const ROLLUP_TEMPLATE: &str = include_str!("../sql/rollup.sql");
const LEADERBOARD_TEMPLATE: &str = include_str!("../sql/leaderboard.sql");

/// `(table, its key column, the facts' column it groups, dirty marks table)`.
/// A closed set: nothing from a request reaches the SQL text.
const fn names(d: Dimension) -> (&'static str, &'static str, &'static str, &'static str) {
    match d {
        Dimension::Unit => ("unit_month_rollup", "unit", "ranked_unit", "rollup_dirty"),
        Dimension::Account => ("account_month_rollup", "account", "account", "account_rollup_dirty"),
    }
}

fn fill(template: &str, d: Dimension) -> String {
    let (table, column, key, _) = names(d);
    crate::figures::with_frt_figures(template)
        .replace("{table}", table)
        .replace("{column}", column)
        .replace("{key}", key)
}

static SQL: LazyLock<[(String, String); 2]> = LazyLock::new(|| {
    [Dimension::Unit, Dimension::Account].map(|d| (fill(ROLLUP_TEMPLATE, d), fill(LEADERBOARD_TEMPLATE, d)))
});

impl Dimension {
    pub const ALL: [Dimension; 2] = [Dimension::Unit, Dimension::Account];

    fn sql(self) -> &'static (String, String) {
        &SQL[self as usize]
    }

    /// Recomputes the rows of `(month, key)` pairs; $3/$4 default targets.
    pub fn rollup_sql(self) -> sqlx::AssertSqlSafe<&'static str> {
        sqlx::AssertSqlSafe(self.sql().0.as_str())
    }

    /// A month's rows: `key` and the figures, `current` when computed with
    /// the default targets $2/$3.
    pub fn leaderboard_sql(self) -> sqlx::AssertSqlSafe<&'static str> {
        sqlx::AssertSqlSafe(self.sql().1.as_str())
    }

    /// The facts' column the rows group.
    pub fn fact_column(self) -> &'static str {
        names(self).2
    }

    /// Marks `(month, key)` pairs out of date.
    pub async fn mark(
        self,
        tx: &mut Transaction<'_, Postgres>,
        months: &[&str],
        keys: &[&str],
    ) -> Result<(), sqlx::Error> {
        let sql = format!(
            "INSERT INTO {} (month, {}) SELECT * FROM UNNEST($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
            names(self).3,
            names(self).1
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(months).bind(keys).execute(&mut **tx).await?;
        Ok(())
    }
}

/// Recomputes the rollups marked out of date; returns how many rows.
/// Safe to run from several places at once: each mark is taken by one
/// transaction.
pub async fn refresh_dirty(pool: &PgPool, goal_s: f64, breach_s: f64) -> sqlx::Result<usize> {
    let mut tx = pool.begin().await?;
    let mut total = 0;
    for d in Dimension::ALL {
        let (_, column, _, dirty_table) = names(d);
        let sql = format!("DELETE FROM {dirty_table} RETURNING month, {column}");
        let dirty: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&mut *tx).await?;
        if dirty.is_empty() {
            continue;
        }
        total += dirty.len();
        let (months, keys): (Vec<String>, Vec<String>) = dirty.into_iter().unzip();
        sqlx::query(d.rollup_sql()).bind(&months).bind(&keys).bind(goal_s).bind(breach_s).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(total)
}

/// Fills `month` for facts recorded before it existed and recomputes every
/// rollup row whose default limits differ from `goal_s`/`breach_s` (or all
/// with `all`). Returns how many rows were rebuilt.
pub async fn rebuild_rollups(pool: &PgPool, tz: Tz, goal_s: f64, breach_s: f64, all: bool) -> sqlx::Result<usize> {
    sqlx::query(
        "UPDATE case_facts SET month = to_char(post_created_at AT TIME ZONE $1, 'YYYY-MM') WHERE month IS NULL",
    )
    .bind(tz.name())
    .execute(pool)
    .await?;
    let mut total = 0;
    for d in Dimension::ALL {
        let (table, column, key, _) = names(d);
        let sql = format!(
            "SELECT DISTINCT f.month, f.{key} FROM case_facts f
             LEFT JOIN {table} r ON r.month = f.month AND r.{column} = f.{key}
             WHERE $1 OR r.{column} IS NULL OR r.goal_s <> $2 OR r.breach_s <> $3"
        );
        let stale: Vec<(String, String)> =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(all).bind(goal_s).bind(breach_s).fetch_all(pool).await?;
        total += stale.len();
        let (months, keys): (Vec<String>, Vec<String>) = stale.into_iter().unzip();
        sqlx::query(d.rollup_sql()).bind(&months).bind(&keys).bind(goal_s).bind(breach_s).execute(pool).await?;
    }
    Ok(total)
}
