//! Case events → `case_facts`. A batch is written in one transaction: the
//! facts in one statement, then the events (`case_events`, idempotent by
//! event id), the per-case figures derived from them, and the month rollups
//! of every unit-month the batch touched. The events' own ids make the write
//! idempotent and order-independent.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::CaseEvent;

fn time(t: &Option<prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)))
}

/// A first reply this batch recorded: `(unit, seconds from post to reply)`.
pub type FirstReply = (String, f64);

/// What a batch changed, for the Prometheus metrics.
#[derive(Debug, Default)]
pub struct Recorded {
    /// First replies that were not known before.
    pub first_replies: Vec<FirstReply>,
    /// `(unit, kind)` of every event not seen before.
    pub new_events: Vec<(String, String)>,
}

/// The event kind as stored and as in subjects: `replied`, `sla_breached`.
pub fn kind_slug(e: &CaseEvent) -> String {
    e.kind().as_str_name().trim_start_matches("CASE_EVENT_KIND_").to_lowercase()
}

/// Upserts the facts and events and marks their unit-months' rollups out
/// of date, in one transaction.
pub async fn record(pool: &PgPool, events: &[CaseEvent], tz: Tz) -> Result<Recorded, sqlx::Error> {
    // Within a batch the newest event of a case carries everything older ones
    // did (each event holds the whole case after it).
    let mut latest: HashMap<&str, &CaseEvent> = HashMap::new();
    for e in events {
        let Some(case) = &e.case else { continue };
        let slot = latest.entry(case.docket.as_str()).or_insert(e);
        if e.event_id > slot.event_id {
            *slot = e;
        }
    }
    let mut c = Columns::default();
    for e in latest.values() {
        c.push(e, tz);
    }
    let mut tx = pool.begin().await?;
    let first_replies: Vec<(String, f64)> = sqlx::query_as(
        "WITH before AS (
             SELECT docket, first_reply_at FROM case_facts WHERE docket = ANY($1)
         ), upserted AS (
             INSERT INTO case_facts (docket, unit, platform, account, category, state, post_created_at,
                                     received_at, opened_at, first_reply_at, closed_at, last_event_id, untagged, month)
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                                  $11::timestamptz[], $12::bigint[], $13::boolean[], $14::text[])
             ON CONFLICT (docket) DO UPDATE SET
                 first_reply_at = LEAST(case_facts.first_reply_at, EXCLUDED.first_reply_at),
                 state = CASE WHEN EXCLUDED.last_event_id > case_facts.last_event_id
                              THEN EXCLUDED.state ELSE case_facts.state END,
                 category = CASE WHEN EXCLUDED.last_event_id > case_facts.last_event_id
                                 THEN EXCLUDED.category ELSE case_facts.category END,
                 closed_at = CASE WHEN EXCLUDED.last_event_id > case_facts.last_event_id
                                  THEN EXCLUDED.closed_at ELSE case_facts.closed_at END,
                 last_event_id = GREATEST(case_facts.last_event_id, EXCLUDED.last_event_id)
             RETURNING docket, unit, post_created_at, first_reply_at
         )
         SELECT u.unit, GREATEST(0, EXTRACT(EPOCH FROM u.first_reply_at - u.post_created_at))::float8
         FROM upserted u LEFT JOIN before b ON b.docket = u.docket
         WHERE u.first_reply_at IS NOT NULL AND b.first_reply_at IS NULL",
    )
    .bind(&c.docket)
    .bind(&c.unit)
    .bind(&c.platform)
    .bind(&c.account)
    .bind(&c.category)
    .bind(&c.state)
    .bind(&c.post_created_at)
    .bind(&c.received_at)
    .bind(&c.opened_at)
    .bind(&c.first_reply_at)
    .bind(&c.closed_at)
    .bind(&c.event_id)
    .bind(&c.untagged)
    .bind(&c.month)
    .fetch_all(&mut *tx)
    .await?;
    let unit_months: Vec<(String, String)> = c.month.iter().cloned().zip(c.unit.iter().cloned()).collect();
    let new_events = crate::derive::record_events(&mut tx, events, &unit_months).await?;
    tx.commit().await?;
    Ok(Recorded { first_replies, new_events })
}

#[derive(Default)]
struct Columns {
    docket: Vec<String>,
    unit: Vec<String>,
    platform: Vec<String>,
    account: Vec<String>,
    category: Vec<&'static str>,
    state: Vec<&'static str>,
    post_created_at: Vec<DateTime<Utc>>,
    received_at: Vec<Option<DateTime<Utc>>>,
    opened_at: Vec<Option<DateTime<Utc>>>,
    first_reply_at: Vec<Option<DateTime<Utc>>>,
    closed_at: Vec<Option<DateTime<Utc>>>,
    event_id: Vec<i64>,
    untagged: Vec<bool>,
    month: Vec<String>,
}

impl Columns {
    fn push(&mut self, e: &CaseEvent, tz: Tz) {
        let Some(case) = &e.case else { return };
        let post = case.post.clone().unwrap_or_default();
        self.docket.push(case.docket.clone());
        self.unit.push(case.unit.clone());
        self.platform.push(post.platform.clone());
        self.account.push(post.account.clone());
        self.category.push(case.category().slug());
        self.state.push(case.state().slug());
        let created = time(&post.created_at).or(time(&case.opened_at)).unwrap_or_else(Utc::now);
        self.post_created_at.push(created);
        self.month.push(created.with_timezone(&tz).format("%Y-%m").to_string());
        self.received_at.push(time(&post.received_at));
        self.opened_at.push(time(&case.opened_at));
        self.first_reply_at.push(time(&case.first_reply_at));
        self.closed_at.push(time(&case.closed_at));
        self.event_id.push(e.event_id);
        self.untagged.push(post.untagged);
    }
}
