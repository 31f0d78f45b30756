//! For the tests that start a service inside their own process
//! (`services/*/tests/in_process.rs`): the suite's servers, a namespace no
//! other test uses, port-0 listeners, and the clean-up after.

use crate::Common;

/// `Common` on the suite's servers (`TVARIT_TEST_DATABASE_URL` and
/// `TVARIT_TEST_NATS_URL`, as `deploy/local/test.sh` sets them; the local
/// defaults otherwise) with a fresh namespace starting `inproc`.
pub fn common(tag: &str) -> Common {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    Common {
        database_url: std::env::var("TVARIT_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        nats_url: std::env::var("TVARIT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into()),
        namespace: format!("inproc{}{tag}{nanos}", std::process::id()),
        ..Common::default()
    }
}

/// A listener on a free port of 127.0.0.1.
pub async fn free_port() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port on 127.0.0.1")
}

/// Drops a test's schema (`schema`, e.g. `Namespace::schema("ingest")`).
pub async fn drop_schema(common: &Common, schema: &str) {
    let db = sqlx::PgPool::connect(&common.database_url).await.expect("the test database");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")))
        .execute(&db)
        .await
        .expect("dropping the test schema");
}
