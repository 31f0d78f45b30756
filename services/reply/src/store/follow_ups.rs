//! Follow-ups: a post by the same author in the same conversation as an
//! existing case joins that case (a closed one reopens) instead of opening
//! a new docket; a direct message joins its author's open case in the unit,
//! if they have one. Keyed by the post's id, so a redelivery joins once.

use prost::Message;
use sqlx::{Postgres, Transaction};
use tvarit_proto::v1::{CaseEventKind, Classification, ClassifiedPost, Relabel};
use tvarit_proto::{Category, Urgency};

use super::{CaseRow, outbox, returning};

/// The thread a post belongs to, when the platform says: `(platform,
/// conversation, author)`.
pub fn thread_key(cp: &ClassifiedPost) -> Option<(String, String, String)> {
    let post = cp.post.as_ref()?;
    let author = post.author.as_ref().map(|a| a.id.clone()).filter(|a| !a.is_empty())?;
    (!post.conversation_id.is_empty()).then(|| (post.platform.clone(), post.conversation_id.clone(), author))
}

/// A direct message's author and the units where their open case would
/// be: the classifier's unit and the addressed account's.
pub fn dm_author(cp: &ClassifiedPost) -> Option<(String, String, [String; 2])> {
    let post = cp.post.as_ref().filter(|p| p.private)?;
    let author = post.author.as_ref().map(|a| a.id.clone()).filter(|a| !a.is_empty())?;
    let unit = cp.classification.as_ref().map(|c| c.unit.clone()).unwrap_or_default();
    Some((post.platform.clone(), author, [unit, post.unit.clone()]))
}

/// The newest open case of a direct message's author in its units, which
/// the message joins (the public post they are writing about, usually).
pub async fn open_case_of(
    tx: &mut Transaction<'_, Postgres>,
    (platform, author, units): &(String, String, [String; 2]),
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM cases WHERE author_id = $1 AND platform = $2 AND unit = ANY($3)
                           AND state IN ('open', 'in_process') AND author_id <> ''
         ORDER BY id DESC LIMIT 1",
    )
    .bind(author)
    .bind(platform)
    .bind(&units[..])
    .fetch_optional(&mut **tx)
    .await
}

/// The follow-ups of a case as they arrived, with their classification:
/// a public reply must not echo what the author gave in any of them (a
/// direct message's vehicle number, say).
pub async fn posts_of(
    pool: &sqlx::PgPool,
    case_id: i64,
) -> Result<Vec<(tvarit_proto::v1::Post, tvarit_proto::v1::Classification)>, sqlx::Error> {
    let rows: Vec<(Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT post, classification FROM case_posts WHERE case_id = $1 ORDER BY joined_at")
            .bind(case_id)
            .fetch_all(pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(p, c)| {
            Some((tvarit_proto::v1::Post::decode(p.as_slice()).ok()?, Classification::decode(c.as_slice()).ok()?))
        })
        .collect())
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

/// Joins each follow-up to its case: the one intake already found for it
/// (a direct message's author's open case), else — a direct message's
/// open case first — its thread's case (the oldest, if several); returns
/// the ids of the `followed_up` events written.
pub async fn attach(
    tx: &mut Transaction<'_, Postgres>,
    follow_ups: &[(&ClassifiedPost, Option<i64>)],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut events = Vec::new();
    for &(cp, found) in follow_ups {
        let (Some(post), Some(class)) = (&cp.post, &cp.classification) else { continue };
        // A direct message joins its author's open case first, else its
        // own conversation's case (a closed one reopens).
        let open = match (found, dm_author(cp)) {
            (Some(id), _) => Some(id),
            (None, Some(key)) => open_case_of(tx, &key).await?,
            (None, None) => None,
        };
        let case_id = match (open, thread_key(cp)) {
            (Some(id), _) => Some(id),
            (None, Some((platform, conversation, author))) => {
                sqlx::query_scalar(
                    "SELECT id FROM cases WHERE platform = $1 AND conversation_id = $2 AND author_id = $3
                     ORDER BY id LIMIT 1",
                )
                .bind(&platform)
                .bind(&conversation)
                .bind(&author)
                .fetch_optional(&mut **tx)
                .await?
            }
            (None, None) => None,
        };
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
        let case: CaseRow = sqlx::query_as(returning(
            "UPDATE cases SET follow_ups = follow_ups + 1, search_text = search_text || E'\\n' || $3,
                 state = CASE WHEN state = 'closed' OR ($2 AND state = 'not_actionable') THEN 'open' ELSE state END,
                 closed_at = CASE WHEN state = 'closed' OR ($2 AND state = 'not_actionable') THEN NULL
                                  ELSE closed_at END,
                 category = CASE WHEN $2 THEN 'emergency' ELSE category END,
                 urgency = CASE WHEN $2 THEN 'critical' ELSE urgency END
             WHERE id = $1",
        ))
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
