//! Turning classified posts into cases: one transaction per batch, keyed by
//! `(platform, post_id)` so a redelivered post never opens a second case.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use prost::Message;
use sqlx::PgPool;
use tvarit_proto::Category;
use tvarit_proto::time::to_millis;
use tvarit_proto::v1::{CaseEventKind, ClassifiedPost};
use tvarit_registry::Registry;

use super::{CASE_COLUMNS, CaseRow, follow_ups, outbox};
use crate::docket;
use crate::library::drafts;
use crate::sla;

/// Opens a case for every post that has none; returns the ids of the
/// `opened` events written (to publish after commit).
pub async fn open_cases(
    pool: &PgPool,
    registry: &Registry,
    library: &drafts::LibraryCache,
    posts: &[ClassifiedPost],
    traces: &std::collections::HashMap<(String, String), String>,
) -> Result<Vec<i64>, sqlx::Error> {
    let now = Utc::now();
    let mut tx = pool.begin().await?;

    // Skip posts that already have a case (a redelivery, or a repeat).
    let platforms: Vec<&str> = posts.iter().filter_map(|p| p.post.as_ref()).map(|p| p.platform.as_str()).collect();
    let ids: Vec<&str> = posts.iter().filter_map(|p| p.post.as_ref()).map(|p| p.post_id.as_str()).collect();
    let existing: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.platform, c.post_id FROM cases c
         JOIN UNNEST($1::text[], $2::text[]) AS k(platform, post_id)
           ON c.platform = k.platform AND c.post_id = k.post_id",
    )
    .bind(&platforms)
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut seen: std::collections::HashSet<(String, String)> = existing.into_iter().collect();

    // A post in the thread of an existing case, or of an earlier post in
    // this batch, is a follow-up rather than a new case.
    let keys: Vec<_> = posts.iter().filter_map(follow_ups::thread_key).collect();
    let mut threads: std::collections::HashSet<_> =
        follow_ups::existing_threads(&mut tx, &keys).await?.into_iter().collect();
    // With the case already found for it, when intake had to look.
    let mut joining: Vec<(&ClassifiedPost, Option<i64>)> = Vec::new();

    // Group the new ones by unit so each unit's docket range is taken once.
    let mut by_unit: BTreeMap<String, Vec<&ClassifiedPost>> = BTreeMap::new();
    for cp in posts {
        let (Some(post), Some(c)) = (&cp.post, &cp.classification) else { continue };
        if !seen.insert((post.platform.clone(), post.post_id.clone())) {
            continue;
        }
        if let Some(key) = follow_ups::thread_key(cp)
            && !threads.insert(key)
        {
            joining.push((cp, None));
            continue;
        }
        // A direct message from someone with an open case joins it.
        if let Some(key) = follow_ups::dm_author(cp)
            && let Some(open) = follow_ups::open_case_of(&mut tx, &key).await?
        {
            joining.push((cp, Some(open)));
            continue;
        }
        // A unit this deployment does not know (an old registry) goes to HQ.
        let unit = if registry.unit(&c.unit).is_some() { c.unit.clone() } else { "hq".into() };
        by_unit.entry(unit).or_default().push(cp);
    }

    let period = docket::period(now, registry.time_zone());
    let lasts = take_dockets(&mut tx, &by_unit, &period).await?;
    let library = if by_unit.is_empty() { None } else { Some(library.get(&mut tx).await?) };
    let mut cols = NewCases::default();
    for (unit, cps) in &by_unit {
        let code = registry.unit(unit).map(|u| u.code.as_str()).unwrap_or("HQ");
        let last = *lasts.get(unit).ok_or_else(|| sqlx::Error::Protocol(format!("no docket counter for {unit}")))?;
        let first = last - cps.len() as i32 + 1;
        for (i, cp) in cps.iter().enumerate() {
            let docket = docket::format(code, &period, first + i as i32);
            cols.push(registry, library.as_deref(), unit, docket, cp, now);
        }
    }

    // The case with its draft and SLA deadlines in one write, and the
    // evidence copy of a sensitive post (as it arrived, with its SHA-256,
    // for the record) in the same statement.
    let opened: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "WITH opened AS (
             INSERT INTO cases (docket, unit, platform, post_id, category, urgency, state, post, classification,
                                post_created_at, opened_at, closed_at, conversation_id, author_id,
                                draft_text, draft_source, goal_at, breach_at, search_text, author_handle)
             SELECT docket, unit, platform, post_id, category, urgency, state, post, classification,
                    post_created_at, $11, CASE WHEN state = 'not_actionable' THEN $11 END, conversation_id,
                    author_id, draft_text, draft_source, post_created_at + make_interval(secs => goal_seconds),
                    post_created_at + make_interval(secs => breach_seconds), search_text, author_handle
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::bytea[], $9::bytea[], $10::timestamptz[], $12::text[], $13::text[],
                         $14::text[], $15::text[], $16::int[], $17::int[], $18::text[], $19::text[])
                  AS t(docket, unit, platform, post_id, category, urgency, state, post, classification,
                       post_created_at, conversation_id, author_id, draft_text, draft_source, goal_seconds,
                       breach_seconds, search_text, author_handle)
             ON CONFLICT (platform, post_id) DO NOTHING
             RETURNING {CASE_COLUMNS}),
         evidence AS (
             INSERT INTO evidence (case_id, post, sha256)
             SELECT id, post, sha256(post) FROM opened WHERE category = 'sensitive'
             ON CONFLICT (case_id) DO NOTHING)
         SELECT * FROM opened"
    )))
    .bind(&cols.docket)
    .bind(&cols.unit)
    .bind(&cols.platform)
    .bind(&cols.post_id)
    .bind(&cols.category)
    .bind(&cols.urgency)
    .bind(&cols.state)
    .bind(&cols.post)
    .bind(&cols.classification)
    .bind(&cols.post_created_at)
    .bind(now)
    .bind(&cols.conversation_id)
    .bind(&cols.author_id)
    .bind(&cols.draft_text)
    .bind(&cols.draft_source)
    .bind(&cols.goal_seconds)
    .bind(&cols.breach_seconds)
    .bind(&cols.search_text)
    .bind(&cols.author_handle)
    .fetch_all(&mut *tx)
    .await?;

    let case_traces: Vec<Option<String>> =
        opened.iter().map(|c| c.to_proto().post.and_then(|p| traces.get(&(p.platform, p.post_id)).cloned())).collect();
    let mut events =
        outbox::record_traced(&mut tx, CaseEventKind::Opened, "system", &opened, None, &case_traces).await?;
    events.extend(follow_ups::attach(&mut tx, &joining).await?);
    tx.commit().await?;
    for case in &opened {
        metrics::counter!("tvarit_reply_cases_opened_total", "unit" => case.unit.clone(), "state" => case.state.clone())
            .increment(1);
    }
    Ok(events)
}

/// Takes each unit's range of docket numbers for this batch in one
/// statement (a round trip per unit cost 41 per batch on a busy day);
/// returns each unit's last number. Counters are locked in unit order, so
/// two reply replicas never wait on each other in a cycle.
async fn take_dockets(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    by_unit: &BTreeMap<String, Vec<&ClassifiedPost>>,
    period: &str,
) -> Result<std::collections::HashMap<String, i32>, sqlx::Error> {
    if by_unit.is_empty() {
        return Ok(Default::default());
    }
    let units: Vec<&str> = by_unit.keys().map(String::as_str).collect();
    let counts: Vec<i32> = by_unit.values().map(|v| v.len() as i32).collect();
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "INSERT INTO docket_counters (unit, period, last)
         SELECT u, $2, n FROM UNNEST($1::text[], $3::int[]) AS t(u, n) ORDER BY u
         ON CONFLICT (unit, period) DO UPDATE SET last = docket_counters.last + EXCLUDED.last
         RETURNING unit, last",
    )
    .bind(&units)
    .bind(period)
    .bind(&counts)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().collect())
}

#[derive(Default)]
struct NewCases {
    docket: Vec<String>,
    unit: Vec<String>,
    platform: Vec<String>,
    post_id: Vec<String>,
    category: Vec<&'static str>,
    urgency: Vec<&'static str>,
    state: Vec<&'static str>,
    post: Vec<Vec<u8>>,
    classification: Vec<Vec<u8>>,
    post_created_at: Vec<DateTime<Utc>>,
    conversation_id: Vec<String>,
    author_id: Vec<String>,
    draft_text: Vec<String>,
    draft_source: Vec<String>,
    goal_seconds: Vec<i32>,
    breach_seconds: Vec<i32>,
    /// What search finds the case by (migration 0015).
    search_text: Vec<String>,
    author_handle: Vec<String>,
}

impl NewCases {
    fn push(
        &mut self,
        registry: &Registry,
        library: Option<&drafts::Library>,
        unit: &str,
        docket: String,
        cp: &ClassifiedPost,
        now: DateTime<Utc>,
    ) {
        let (Some(post), Some(c)) = (&cp.post, &cp.classification) else { return };
        let category = c.category();
        // Spam, slogans and greetings need no answer: closed at once, kept and
        // countable; unless the classifier was unsure, when a person looks.
        let actionable = category != Category::Other || c.needs_review;
        let new = drafts::NewCase { unit, docket: &docket, category, actionable, post, classification: c };
        let (text, source) = library.and_then(|(t, r)| drafts::draft(&new, t, r, registry)).unwrap_or_default();
        self.draft_text.push(text);
        self.draft_source.push(source);
        let (goal, breach) = sla::store::deadline_seconds(registry, unit);
        self.goal_seconds.push(goal);
        self.breach_seconds.push(breach);
        self.docket.push(docket);
        self.unit.push(unit.into());
        self.platform.push(post.platform.clone());
        self.post_id.push(post.post_id.clone());
        self.category.push(category.slug());
        self.urgency.push(c.urgency().slug());
        self.state.push(if actionable { "open" } else { "not_actionable" });
        self.post.push(post.encode_to_vec());
        self.classification.push(c.encode_to_vec());
        let created = post.created_at.as_ref().and_then(|t| DateTime::from_timestamp_millis(to_millis(t)));
        self.post_created_at.push(created.unwrap_or(now));
        self.conversation_id.push(post.conversation_id.clone());
        self.author_id.push(post.author.as_ref().map(|a| a.id.clone()).unwrap_or_default());
        self.search_text.push(post.text.clone());
        self.author_handle.push(post.author.as_ref().map(|a| a.handle.clone()).unwrap_or_default());
    }
}
