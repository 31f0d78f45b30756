//! Label feedback against a real PostgreSQL (the suite's
//! `TVARIT_TEST_DATABASE_URL`, in a schema of its own): a relabel is stored
//! once per post, a redelivery changes nothing, a newer relabel wins, an
//! older one does not, and `load` returns it as a labelled example. Without
//! a reachable database the test fails: it never passes unrun.

use std::time::Duration;

use tvarit_proto::v1::{Case, CaseEvent, CaseEventKind, Post, Relabel};
use tvarit_proto::{Category, Urgency};

fn event(id: i64, category: Category) -> CaseEvent {
    let post = Post {
        platform: "x".into(),
        post_id: "p1".into(),
        text: "@SP_Balotra mera phone kho gaya".into(),
        mentions: vec!["@SP_Balotra".into()],
        ..Default::default()
    };
    CaseEvent {
        event_id: id,
        kind: CaseEventKind::Relabelled as i32,
        actor: "ramesh".into(),
        case: Some(Case {
            docket: "BLT-2611-00001".into(),
            unit: "balotra".into(),
            category: category as i32,
            urgency: Urgency::Normal as i32,
            post: Some(post),
            ..Default::default()
        }),
        relabel: Some(Relabel {
            from_category: Category::Other as i32,
            to_category: category as i32,
            from_urgency: Urgency::Low as i32,
            to_urgency: Urgency::Normal as i32,
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn relabels_are_stored_once_newest_wins() {
    let url = std::env::var("TVARIT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let schema = format!("classify_feedback_test_{}", std::process::id());
    let open = tvarit_config::open_schema(&url, &schema, &tvarit_classify::MIGRATOR, true, 1);
    let pool = match tokio::time::timeout(Duration::from_secs(10), open).await {
        Ok(Ok(pool)) => pool,
        other => {
            panic!("PostgreSQL must be reachable at TVARIT_TEST_DATABASE_URL ({url}): {:?}", other.map(|r| r.err()))
        }
    };
    use tvarit_classify::feedback::{load, store};
    assert!(store(&pool, &event(5, Category::Query)).await.unwrap());
    assert!(store(&pool, &event(5, Category::Query)).await.unwrap()); // redelivery
    assert!(store(&pool, &event(3, Category::Complaint)).await.unwrap()); // older: ignored
    let rows = load(&pool).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].category.as_str(), rows[0].district.as_deref()), ("query", Some("balotra")));
    assert!(store(&pool, &event(9, Category::Complaint)).await.unwrap());
    assert_eq!(load(&pool).await.unwrap()[0].category, "complaint");
    // Other kinds are acked and skipped.
    let mut opened = event(10, Category::Other);
    opened.kind = CaseEventKind::Opened as i32;
    assert!(!store(&pool, &opened).await.unwrap());
    // The schema name is ours (a fixed prefix and the pid).
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA \"{schema}\" CASCADE"))).execute(&pool).await.unwrap();
}
