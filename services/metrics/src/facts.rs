//! Case events → `case_facts`. A batch is written in one transaction: the
//! facts in one statement, then the events (`case_events`, idempotent by
//! event id), the per-case figures derived from them, and the month rollups
//! of every unit-month the batch touched. The events' own ids make the write
//! idempotent and order-independent.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::PgPool;
use tvarit_proto::time::datetime;
use tvarit_proto::v1::CaseEvent;

/// The registry's defaults (DESIGN.md: goal 2 minutes, breach 5), for a
/// unit the registry does not know: the numbers are written once, there.
pub const DEFAULT_GOAL_S: f64 = tvarit_registry::DEFAULT_GOAL_SECONDS as f64;
pub const DEFAULT_BREACH_S: f64 = tvarit_registry::DEFAULT_BREACH_SECONDS as f64;

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

/// A case's SLA clock deadlines (goal, breach) as an event carried them.
type Deadlines = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// Each unit's SLA targets `(goal, breach)` in seconds, from the registry.
pub type Targets = HashMap<String, (f64, f64)>;

/// Upserts the facts and events and marks their unit-months' rollups out
/// of date, in one transaction. `targets` are the units' SLA targets for
/// cases whose events carry no deadlines.
pub async fn record(pool: &PgPool, events: &[CaseEvent], tz: Tz, targets: &Targets) -> Result<Recorded, sqlx::Error> {
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
    // The clock's deadlines are on the events before the reply only, which
    // may share the batch with the newer reply event.
    let mut deadlines: HashMap<&str, Deadlines> = HashMap::new();
    for e in events {
        if let Some(case) = e.case.as_ref().filter(|c| c.goal_at.is_some() || c.breach_at.is_some()) {
            deadlines
                .insert(case.docket.as_str(), (datetime(case.goal_at.as_ref()), datetime(case.breach_at.as_ref())));
        }
    }
    let mut c = Columns::default();
    for e in latest.values() {
        let docket = e.case.as_ref().map_or("", |c| c.docket.as_str());
        let clock = deadlines.get(docket).copied().unwrap_or_default();
        c.push(e, tz, targets, clock);
    }
    let mut tx = pool.begin().await?;
    let first_replies: Vec<(String, f64)> = sqlx::query_as(
        "WITH before AS (
             SELECT docket, first_reply_at FROM case_facts WHERE docket = ANY($1)
         ), upserted AS (
             INSERT INTO case_facts (docket, unit, platform, account, category, state, post_created_at,
                                     received_at, opened_at, first_reply_at, closed_at, last_event_id, untagged, month,
                                     goal_s, breach_s, private, ranked_unit)
             SELECT *, unit FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                  $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[],
                                  $11::timestamptz[], $12::bigint[], $13::boolean[], $14::text[],
                                  $15::float8[], $16::float8[], $17::boolean[]) AS t(docket, unit)
             ON CONFLICT (docket) DO UPDATE SET
                 -- The targets that applied when the case was first seen stay.
                 goal_s = COALESCE(case_facts.goal_s, EXCLUDED.goal_s),
                 breach_s = COALESCE(case_facts.breach_s, EXCLUDED.breach_s),
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
    .bind(&c.goal_s)
    .bind(&c.breach_s)
    .bind(&c.private)
    .fetch_all(&mut *tx)
    .await?;
    let touched: Vec<crate::derive::Touched> =
        (0..c.docket.len()).map(|i| (c.month[i].clone(), c.unit[i].clone(), c.account[i].clone())).collect();
    let new_events = crate::derive::record_events(&mut tx, events, &touched).await?;
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
    /// Opened by a direct message (`Post.private`).
    private: Vec<bool>,
    month: Vec<String>,
    goal_s: Vec<f64>,
    breach_s: Vec<f64>,
}

impl Columns {
    fn push(&mut self, e: &CaseEvent, tz: Tz, targets: &Targets, (goal_at, breach_at): Deadlines) {
        let Some(case) = &e.case else { return };
        let post = case.post.clone().unwrap_or_default();
        self.docket.push(case.docket.clone());
        self.unit.push(case.unit.clone());
        self.platform.push(post.platform.clone());
        self.account.push(post.account.clone());
        self.category.push(case.category().slug());
        self.state.push(case.state().slug());
        let created = datetime(post.created_at.as_ref()).or(datetime(case.opened_at.as_ref())).unwrap_or_else(Utc::now);
        self.post_created_at.push(created);
        self.month.push(created.with_timezone(&tz).format("%Y-%m").to_string());
        self.received_at.push(datetime(post.received_at.as_ref()));
        self.opened_at.push(datetime(case.opened_at.as_ref()));
        self.first_reply_at.push(datetime(case.first_reply_at.as_ref()));
        self.closed_at.push(datetime(case.closed_at.as_ref()));
        self.event_id.push(e.event_id);
        self.untagged.push(post.untagged);
        self.private.push(post.private);
        // The reply clock's own deadlines are the targets that applied; an
        // event without them (answered, closed) takes the unit's registry
        // targets, and the first recorded stay.
        let (goal, breach) = targets.get(&case.unit).copied().unwrap_or((DEFAULT_GOAL_S, DEFAULT_BREACH_S));
        let since_post = |t: Option<DateTime<Utc>>| t.map(|t| (t - created).num_milliseconds() as f64 / 1000.0);
        self.goal_s.push(since_post(goal_at).filter(|s| *s > 0.0).unwrap_or(goal));
        self.breach_s.push(since_post(breach_at).filter(|s| *s > 0.0).unwrap_or(breach));
    }
}
