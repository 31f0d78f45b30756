//! What PostgreSQL writes per post (issue 21, item 3): rows inserted,
//! updated and deleted in each table of the bench's database, and WAL bytes,
//! between two snapshots, divided by the posts queued in between.
//!
//! The counters are PostgreSQL's cumulative statistics
//! (`pg_stat_user_tables`), which a busy backend reports at most once a
//! second and an idle one within 10 s; a snapshot waits 11 s for them. WAL is the whole
//! cluster's, so another database busy at the same time adds to it.

use std::fmt::Write;
use std::time::Duration;

use serde::Serialize;
use sqlx::Connection;

#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    tables: Vec<(String, i64, i64, i64)>,
    wal: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableWrites {
    pub table: String,
    pub inserted: f64,
    pub updated: f64,
    pub deleted: f64,
}

/// Per post, between two snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct Writes {
    pub posts: u64,
    pub tables: Vec<TableWrites>,
    pub rows_per_post: f64,
    pub wal_bytes_per_post: f64,
}

pub async fn snapshot(database_url: &str) -> anyhow::Result<Snapshot> {
    tokio::time::sleep(Duration::from_secs(11)).await;
    let mut db = sqlx::PgConnection::connect(database_url).await?;
    let tables: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT schemaname || '.' || relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables
         WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    )
    .fetch_all(&mut db)
    .await?;
    let wal: i64 =
        sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").fetch_one(&mut db).await?;
    Ok(Snapshot { tables, wal })
}

pub fn per_post(before: &Snapshot, after: &Snapshot, posts: u64) -> Writes {
    let n = posts.max(1) as f64;
    let mut tables = Vec::new();
    for (name, i, u, d) in &after.tables {
        let (i0, u0, d0) = before.tables.iter().find(|t| &t.0 == name).map_or((0, 0, 0), |t| (t.1, t.2, t.3));
        let (di, du, dd) = (i - i0, u - u0, d - d0);
        if di + du + dd > 0 {
            tables.push(TableWrites {
                table: name.clone(),
                inserted: di as f64 / n,
                updated: du as f64 / n,
                deleted: dd as f64 / n,
            });
        }
    }
    tables.sort_by(|a, b| (b.inserted + b.updated + b.deleted).total_cmp(&(a.inserted + a.updated + a.deleted)));
    let rows_per_post = tables.iter().map(|t| t.inserted + t.updated + t.deleted).sum();
    Writes { posts, tables, rows_per_post, wal_bytes_per_post: (after.wal - before.wal) as f64 / n }
}

pub fn markdown(o: &mut String, label: &str, w: &Writes) {
    let _ = writeln!(
        o,
        "\n### PostgreSQL writes per post ({label}, {} posts): {:.2} rows, {:.0} WAL bytes\n\n\
         | table | inserted | updated | deleted |\n|---|---:|---:|---:|",
        w.posts, w.rows_per_post, w.wal_bytes_per_post
    );
    for t in &w.tables {
        let _ = writeln!(o, "| {} | {:.2} | {:.2} | {:.2} |", t.table, t.inserted, t.updated, t.deleted);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_post_divides_the_differences_and_drops_untouched_tables() {
        let before = Snapshot { tables: vec![("a.posts".into(), 10, 0, 0), ("a.idle".into(), 5, 5, 5)], wal: 1000 };
        let after = Snapshot {
            tables: vec![("a.posts".into(), 110, 100, 0), ("a.idle".into(), 5, 5, 5), ("a.new".into(), 50, 0, 50)],
            wal: 51_000,
        };
        let w = per_post(&before, &after, 100);
        assert_eq!(w.tables.len(), 2);
        assert_eq!(w.tables[0].table, "a.posts");
        assert_eq!((w.tables[0].inserted, w.tables[0].updated), (1.0, 1.0));
        assert_eq!(w.rows_per_post, 3.0);
        assert_eq!(w.wal_bytes_per_post, 500.0);
    }
}
