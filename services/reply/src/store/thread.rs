//! A case's whole conversation, from what this service already keeps: the
//! post that opened it, the follow-ups that joined it (`case_posts`), every
//! reply written (`replies`) and every event (`case_events`), in time order.
//! An internal note is a NOTED event with its words, which only
//! `case_notes` keeps (the published event has none).

use chrono::{DateTime, Utc};
use prost::Message;
use sqlx::PgPool;
use tvarit_proto::time::{from_datetime, from_millis, to_millis};
use tvarit_proto::v1::{
    CaseEvent, CaseEventKind, Classification, Post, ThreadEntry, ThreadEvent, ThreadReply, thread_entry,
};

use super::CaseRow;

/// A post's platform time, or `fallback` when the platform gave none.
fn post_time(post: &Post, fallback: DateTime<Utc>) -> i64 {
    post.created_at.as_ref().map(to_millis).unwrap_or_else(|| fallback.timestamp_millis())
}

#[derive(sqlx::FromRow)]
struct ReplyRow {
    operator: String,
    text: String,
    status: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    platform_reply_id: Option<String>,
    error: Option<String>,
    private: bool,
}

/// The entries of `case`'s conversation, oldest first. Entries at the same
/// millisecond keep the order posts, events, replies, then their ids.
pub async fn entries(pool: &PgPool, case: &CaseRow) -> Result<Vec<ThreadEntry>, sqlx::Error> {
    let follow_ups: Vec<(Vec<u8>, Vec<u8>, DateTime<Utc>)> =
        sqlx::query_as("SELECT post, classification, joined_at FROM case_posts WHERE case_id = $1 ORDER BY joined_at")
            .bind(case.id)
            .fetch_all(pool)
            .await?;
    let replies: Vec<ReplyRow> = sqlx::query_as(
        "SELECT operator, text, status, created_at, sent_at, platform_reply_id, error, private
         FROM replies WHERE case_id = $1 ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(pool)
    .await?;
    let events: Vec<(Vec<u8>, DateTime<Utc>)> =
        sqlx::query_as("SELECT payload, created_at FROM case_events WHERE case_id = $1 ORDER BY id")
            .bind(case.id)
            .fetch_all(pool)
            .await?;

    let notes = super::notes::of_case(pool, case.id).await?;

    // (time, order among equals, entry)
    let mut all: Vec<(i64, u8, ThreadEntry)> = Vec::new();
    let first = Post::decode(case.post.as_slice()).unwrap_or_default();
    let at = post_time(&first, case.opened_at);
    all.push((at, 0, post_entry(first, &case.classification, at, false)));
    for (bytes, classification, joined_at) in follow_ups {
        let post = Post::decode(bytes.as_slice()).unwrap_or_default();
        let at = post_time(&post, joined_at);
        all.push((at, 0, post_entry(post, &classification, at, true)));
    }
    for (bytes, created_at) in events {
        let Ok(e) = CaseEvent::decode(bytes.as_slice()) else { continue };
        if e.kind() == CaseEventKind::Noted {
            // Its words come from `case_notes`, below.
            continue;
        }
        let event = ThreadEvent {
            kind: e.kind,
            actor: e.actor,
            note: e.note,
            relabel: e.relabel,
            escalated_to: e.case.map(|c| c.escalated_to).unwrap_or_default(),
        };
        let at = created_at.timestamp_millis();
        all.push((
            at,
            1,
            ThreadEntry {
                at: Some(from_millis(at)),
                entry: Some(thread_entry::Entry::Event(event)),
                ..Default::default()
            },
        ));
    }
    for n in notes {
        let event =
            ThreadEvent { kind: CaseEventKind::Noted as i32, actor: n.author, note: n.text, ..Default::default() };
        let at = n.created_at.timestamp_millis();
        all.push((
            at,
            1,
            ThreadEntry {
                at: Some(from_datetime(n.created_at)),
                entry: Some(thread_entry::Entry::Event(event)),
                ..Default::default()
            },
        ));
    }
    for r in replies {
        let reply = ThreadReply {
            operator: r.operator,
            text: r.text,
            status: r.status,
            sent_at: r.sent_at.map(from_datetime),
            platform_reply_id: r.platform_reply_id.unwrap_or_default(),
            error: r.error.unwrap_or_default(),
            private: r.private,
        };
        let at = r.created_at.timestamp_millis();
        all.push((
            at,
            2,
            ThreadEntry {
                at: Some(from_datetime(r.created_at)),
                entry: Some(thread_entry::Entry::Reply(reply)),
                ..Default::default()
            },
        ));
    }
    // Stable: equal keys keep their table order.
    all.sort_by_key(|(at, order, _)| (*at, *order));
    Ok(all.into_iter().map(|(_, _, e)| e).collect())
}

/// A post with the personal data the classifier found in it, which
/// clients mask.
fn post_entry(post: Post, classification: &[u8], at: i64, follow_up: bool) -> ThreadEntry {
    let pii = Classification::decode(classification).map(|c| c.pii).unwrap_or_default();
    ThreadEntry { at: Some(from_millis(at)), entry: Some(thread_entry::Entry::Post(post)), follow_up, pii }
}
