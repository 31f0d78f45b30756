//! Follow-ups: a post by the same author in the same conversation as an
//! existing case joins that case (a closed one reopens) instead of opening
//! a new docket. Keyed by the post's id, so a redelivery joins once.

use prost::Message;
use sqlx::{Postgres, Transaction};
use tvarit_proto::v1::{CaseEventKind, ClassifiedPost, Relabel};
use tvarit_proto::{Category, Urgency};

use super::{CASE_COLUMNS, CaseRow, outbox};

/// The thread a post belongs to, when the platform says: `(platform,
/// conversation, author)`.
pub fn thread_key(cp: &ClassifiedPost) -> Option<(String, String, String)> {
    let post = cp.post.as_ref()?;
    let author = post.author.as_ref().map(|a| a.id.clone()).filter(|a| !a.is_empty())?;
    (!post.conversation_id.is_empty()).then(|| (post.platform.clone(), post.conversation_id.clone(), author))
}

/// Which of `keys` already have a case.
pub async fn existing_threads(
    tx: &mut Transaction<'_, Postgres>,
    keys: &[(String, String, String)],
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    let (p, c, a) = split(keys);
    sqlx::query_as(
        "SELECT DISTINCT c.platform, c.conversation_id, c.author_id FROM cases c
         JOIN UNNEST($1::text[], $2::text[], $3::text[]) AS k(p, c, a)
           ON c.platform = k.p AND c.conversation_id = k.c AND c.author_id = k.a",
    )
    .bind(&p)
    .bind(&c)
    .bind(&a)
    .fetch_all(&mut **tx)
    .await
}

fn split(keys: &[(String, String, String)]) -> (Vec<&str>, Vec<&str>, Vec<&str>) {
    (
        keys.iter().map(|k| k.0.as_str()).collect(),
        keys.iter().map(|k| k.1.as_str()).collect(),
        keys.iter().map(|k| k.2.as_str()).collect(),
    )
}

/// Joins each follow-up to its thread's case (the oldest, if several);
/// returns the ids of the `followed_up` events written.
pub async fn attach(
    tx: &mut Transaction<'_, Postgres>,
    follow_ups: &[&ClassifiedPost],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut events = Vec::new();
    for cp in follow_ups {
        let (Some(post), Some(class), Some((platform, conversation, author))) =
            (&cp.post, &cp.classification, thread_key(cp))
        else {
            continue;
        };
        let case_id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM cases WHERE platform = $1 AND conversation_id = $2 AND author_id = $3 ORDER BY id LIMIT 1",
        )
        .bind(&platform)
        .bind(&conversation)
        .bind(&author)
        .fetch_optional(&mut **tx)
        .await?;
        let Some(case_id) = case_id else { continue };
        let joined = sqlx::query(
            "INSERT INTO case_posts (platform, post_id, case_id, post, classification) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (platform, post_id) DO NOTHING",
        )
        .bind(&post.platform)
        .bind(&post.post_id)
        .bind(case_id)
        .bind(post.encode_to_vec())
        .bind(class.encode_to_vec())
        .execute(&mut **tx)
        .await?;
        if joined.rows_affected() == 0 {
            continue;
        }
        // A follow-up that reports danger now makes the case an emergency
        // (and rings its alarm), whatever the first post was.
        let before: Option<(String, String)> = if class.category() == Category::Emergency {
            sqlx::query_as("SELECT category, urgency FROM cases WHERE id = $1 AND category <> 'emergency'")
                .bind(case_id)
                .fetch_optional(&mut **tx)
                .await?
        } else {
            None
        };
        // The complainant wrote again: a closed case needs attention again.
        let case: CaseRow = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE cases SET follow_ups = follow_ups + 1, search_text = search_text || E'\\n' || $3,
                 state = CASE WHEN state = 'closed' OR ($2 AND state = 'not_actionable') THEN 'open' ELSE state END,
                 closed_at = CASE WHEN state = 'closed' OR ($2 AND state = 'not_actionable') THEN NULL
                                  ELSE closed_at END,
                 category = CASE WHEN $2 THEN 'emergency' ELSE category END,
                 urgency = CASE WHEN $2 THEN 'critical' ELSE urgency END
             WHERE id = $1 RETURNING {CASE_COLUMNS}"
        )))
        .bind(case_id)
        .bind(before.is_some())
        .bind(&post.text)
        .fetch_one(&mut **tx)
        .await?;
        metrics::counter!("tvarit_reply_follow_ups_total", "unit" => case.unit.clone()).increment(1);
        events
            .extend(outbox::record(tx, CaseEventKind::FollowedUp, "system", std::slice::from_ref(&case), None).await?);
        if let Some((category, urgency)) = before {
            let change = Relabel {
                from_category: Category::from_slug(&category).unwrap_or_default() as i32,
                to_category: Category::Emergency as i32,
                from_urgency: Urgency::from_slug(&urgency).unwrap_or_default() as i32,
                to_urgency: Urgency::Critical as i32,
            };
            let case = std::slice::from_ref(&case);
            events.extend(outbox::record(tx, CaseEventKind::Relabelled, "system", case, Some(change)).await?);
        }
    }
    Ok(events)
}
