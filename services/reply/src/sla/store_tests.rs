//! The deadlines a case is stamped with when intake leaves them to the
//! insert trigger, against PostgreSQL (`TVARIT_TEST_DATABASE_URL`, in a
//! schema of its own): the unit's policy, else the registry's defaults
//! through the `'*'` row, else (never synced) the same built-in defaults.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::PgPool;
use tvarit_registry::{DEFAULT_BREACH_SECONDS, DEFAULT_GOAL_SECONDS, Registry};

use super::store::{deadline_seconds, sync_policies};

async fn open(common: &tvarit_config::Common, schema: &str) -> PgPool {
    let url = &common.database_url;
    let open = tvarit_config::open_schema(url, schema, &crate::MIGRATOR, true, 1);
    match tokio::time::timeout(Duration::from_secs(20), open).await {
        Ok(Ok(pool)) => pool,
        other => {
            panic!("PostgreSQL must be reachable at TVARIT_TEST_DATABASE_URL ({url}): {:?}", other.map(|r| r.err()))
        }
    }
}

/// Opens a case the way tests and the bench do, without deadlines, and
/// returns its goal and breach in seconds after the post.
async fn stamped(pool: &PgPool, docket: &str, unit: &str, post_created_at: DateTime<Utc>) -> (i64, i64) {
    let (goal_at, breach_at): (DateTime<Utc>, DateTime<Utc>) = sqlx::query_as(
        "INSERT INTO cases (docket, unit, platform, post_id, category, urgency, state, post, classification,
                            post_created_at, opened_at)
         VALUES ($1, $2, 'x', $1, 'query', 'normal', 'open', '', '', $3, now())
         RETURNING goal_at, breach_at",
    )
    .bind(docket)
    .bind(unit)
    .bind(post_created_at)
    .fetch_one(pool)
    .await
    .unwrap();
    ((goal_at - post_created_at).num_seconds(), (breach_at - post_created_at).num_seconds())
}

fn registry() -> Registry {
    Registry::from_toml(
        r#"
        units = [
            { slug = "hq", name = "HQ", code = "HQ", kind = "state" },
            { slug = "a", name = "A", code = "A", kind = "district", sla = { goal_seconds = 10, breach_seconds = 20 } },
        ]
        [sla]
        goal_seconds = 30
        breach_seconds = 90
        "#,
    )
    .unwrap()
}

#[tokio::test]
async fn the_trigger_stamps_the_registrys_deadlines_and_its_defaults_for_an_unknown_unit() {
    let schema = format!("reply_sla_defaults_test_{}", std::process::id());
    let common = tvarit_config::testing::common("sla");
    let pool = open(&common, &schema).await;
    let posted = Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap();
    let built_in = (i64::from(DEFAULT_GOAL_SECONDS), i64::from(DEFAULT_BREACH_SECONDS));

    // Never synced (tests, the bench): the last-resort literals, which must
    // be the registry's built-in defaults.
    assert_eq!(stamped(&pool, "A-1", "a", posted).await, built_in);

    let registry = registry();
    sync_policies(&pool, &registry).await.unwrap();
    assert_eq!(stamped(&pool, "A-2", "a", posted).await, (10, 20), "the unit's own policy");
    assert_eq!(stamped(&pool, "X-1", "atlantis", posted).await, (30, 90), "the registry's [sla], not 120/300");
    // Intake stamps the same numbers itself.
    assert_eq!(deadline_seconds(&registry, "atlantis"), (30, 90));
    assert_eq!(deadline_seconds(&registry, "a"), (10, 20));

    // A registry that says nothing about SLAs: the built-in defaults, from
    // the '*' row the sync rewrote.
    let silent = Registry::from_toml("[[units]]\nslug = \"hq\"\nname = \"HQ\"\ncode = \"HQ\"\nkind = \"state\"\n");
    sync_policies(&pool, &silent.unwrap()).await.unwrap();
    assert_eq!(stamped(&pool, "X-2", "atlantis", posted).await, built_in);

    tvarit_config::testing::drop_schema(&common, &schema).await;
}
