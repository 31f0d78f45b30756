//! Label feedback: operators' relabels arrive as `CaseEvent`s of kind
//! RELABELLED on `<ns>.case.relabelled.<unit>`; the durable consumer
//! `classify-feedback` stores each in `label_feedback` keyed by
//! (platform, post_id), newest event wins, and acks only after the write, so
//! a redelivery or a replay is harmless. `train` reads them back.

use std::time::Duration;

use sqlx::PgPool;
use tvarit_bus::{Delivery, Verdict, Verdicts};
use tvarit_proto::v1::{CaseEvent, CaseEventKind};

use crate::eval::Labelled;

/// The durable consumer's name on the cases stream.
pub const CONSUMER: &str = "classify-feedback";

/// Stores each relabel; a message is acked only after its write.
pub async fn handle(pool: &PgPool, batch: Vec<Delivery<CaseEvent>>) -> Verdicts {
    let mut verdicts = Vec::with_capacity(batch.len());
    for d in batch {
        verdicts.push(match store(pool, &d.value).await {
            Ok(stored) => {
                if stored {
                    metrics::counter!("tvarit_classify_label_feedback_total").increment(1);
                }
                Verdict::Ack
            }
            Err(e) => {
                tracing::warn!(error = %e, "relabel not stored; will retry");
                Verdict::Retry(Duration::from_secs(1))
            }
        });
    }
    Verdicts::Each(verdicts)
}

/// Stores a relabel; `Ok(false)` for events that carry none (other kinds,
/// a case without its post), which are acked and skipped. A relabel by the
/// system (an emergency follow-up upgrading its case) is no person's label
/// of the first post's text, so it is skipped too.
pub async fn store(pool: &PgPool, event: &CaseEvent) -> Result<bool, sqlx::Error> {
    let (Some(case), Some(relabel)) = (&event.case, &event.relabel) else { return Ok(false) };
    let Some(post) = &case.post else { return Ok(false) };
    if event.kind() != CaseEventKind::Relabelled || post.text.is_empty() || event.actor == "system" {
        return Ok(false);
    }
    let at = event.at.as_ref().map(tvarit_proto::time::to_millis);
    sqlx::query(
        "INSERT INTO label_feedback (platform, post_id, text, mentions, unit, category, urgency,
             from_category, from_urgency, actor, docket, event_id, relabelled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, to_timestamp($13::float8 / 1000))
         ON CONFLICT (platform, post_id) DO UPDATE SET
             category = EXCLUDED.category, urgency = EXCLUDED.urgency, unit = EXCLUDED.unit,
             actor = EXCLUDED.actor, event_id = EXCLUDED.event_id, relabelled_at = EXCLUDED.relabelled_at,
             from_category = EXCLUDED.from_category, from_urgency = EXCLUDED.from_urgency,
             received_at = now()
         WHERE label_feedback.event_id < EXCLUDED.event_id",
    )
    .bind(&post.platform)
    .bind(&post.post_id)
    .bind(&post.text)
    .bind(&post.mentions)
    .bind(&case.unit)
    .bind(case.category().slug())
    .bind(case.urgency().slug())
    .bind(relabel.from_category().slug())
    .bind(relabel.from_urgency().slug())
    .bind(&event.actor)
    .bind(&case.docket)
    .bind(event.event_id)
    .bind(at.map(|ms| ms as f64))
    .execute(pool)
    .await?;
    Ok(true)
}

/// platform, post_id, text, mentions, unit, category, urgency
type FeedbackRow = (String, String, String, Vec<String>, String, String, String);

/// Every stored relabel as a labelled example, oldest first (reproducible).
pub async fn load(pool: &PgPool) -> Result<Vec<Labelled>, sqlx::Error> {
    let rows: Vec<FeedbackRow> = sqlx::query_as(
        "SELECT platform, post_id, text, mentions, unit, category, urgency
         FROM label_feedback ORDER BY event_id, platform, post_id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(platform, post_id, text, mentions, unit, category, urgency)| Labelled {
            id: format!("feedback:{platform}:{post_id}"),
            text,
            mentions,
            district: (unit != "hq").then_some(unit),
            category,
            urgency: Some(urgency),
            language: None,
        })
        .collect())
}
