//! The consumer's handler: ingested posts in, classified posts out (the
//! bus's runner decodes, terminates the undecodable and settles). A batch
//! is decided, recorded and published together; its messages are acked
//! only after every publish is acknowledged, so a crash anywhere repeats work
//! (absorbed by keyed writes downstream) but never loses a post.

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use prost::Message as _;
use sqlx::PgPool;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tvarit_bus::{
    Delivery, Namespace, Outgoing, Verdict, Verdicts, context_from_headers, publish_batch, publish_headers,
};
use tvarit_proto::v1::{Classification, ClassifiedPost, PiiSpan, Post};

use crate::classifier::{Classifier, PostInput};

pub struct Pipeline {
    pub js: jetstream::Context,
    pub pool: PgPool,
    pub ns: Namespace,
    pub classifier: Arc<dyn Classifier>,
}

impl Pipeline {
    /// Decides, records and publishes a batch; its messages are acked (by
    /// the runner) only after every publish is acknowledged.
    pub async fn handle(&self, batch: Vec<Delivery<Post>>) -> Verdicts {
        let posts = batch.len();
        let decided: Vec<_> = batch.into_iter().map(|d| self.decide(d.headers.as_ref(), d.value)).collect();
        let result = match self.record(&decided).await {
            Ok(()) => publish_batch(&self.js, decided.into_iter().map(|(_, out)| out).collect())
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match result {
            Ok(_) => {
                metrics::counter!("tvarit_classify_posts_total").increment(posts as u64);
                // A lost ack means a redelivery, which downstream dedupes.
                Verdicts::All(Verdict::Ack)
            }
            Err(e) => {
                tracing::warn!(error = %e, posts, "batch not classified; will retry");
                Verdicts::All(Verdict::Retry(Duration::from_secs(1)))
            }
        }
    }

    fn decide(&self, headers: Option<&HeaderMap>, post: Post) -> (ClassifiedPost, Outgoing) {
        let span = tracing::info_span!("classify.post", platform = %post.platform, post_id = %post.post_id);
        span.set_parent(context_from_headers(headers)).ok();
        let _entered = span.enter();
        let d = self.classifier.classify(PostInput {
            text: &post.text,
            mentions: &post.mentions,
            platform: &post.platform,
        });
        tracing::debug!(category = d.category.slug(), unit = %d.unit, "post classified");
        metrics::counter!("tvarit_classify_decisions_total", "category" => d.category.slug(), "unit" => d.unit.clone())
            .increment(1);
        let classification = Classification {
            category: d.category as i32,
            urgency: d.urgency as i32,
            language: d.language.code().into(),
            unit: d.unit.clone(),
            district: d.district.unwrap_or_default(),
            confidence: d.confidence,
            needs_review: d.needs_review,
            reasons: d.reasons,
            model: self.classifier.model().into(),
            pii: d
                .pii
                .iter()
                .map(|p| PiiSpan { kind: p.kind.slug().into(), start: p.start as u32, end: p.end as u32 })
                .collect(),
            rumour_claim_id: d.rumour.as_ref().map(|r| r.claim.clone()).unwrap_or_default(),
            rumour_similarity: d.rumour.as_ref().map_or(0.0, |r| r.similarity),
        };
        let key = format!("{}:{}", post.platform, post.post_id);
        let classified = ClassifiedPost { post: Some(post), classification: Some(classification) };
        let out = Outgoing {
            subject: self.ns.post_classified(&d.unit),
            headers: publish_headers(&key),
            payload: classified.encode_to_vec().into(),
        };
        (classified, out)
    }

    async fn record(&self, decided: &[(ClassifiedPost, Outgoing)]) -> Result<(), sqlx::Error> {
        let mut platform = Vec::new();
        let mut post_id = Vec::new();
        let mut unit = Vec::new();
        let mut category = Vec::new();
        let mut urgency = Vec::new();
        let mut language = Vec::new();
        let mut confidence = Vec::new();
        let mut reasons = Vec::new();
        let mut model = Vec::new();
        for (cp, _) in decided {
            let (Some(p), Some(c)) = (&cp.post, &cp.classification) else { continue };
            platform.push(p.platform.as_str());
            post_id.push(p.post_id.as_str());
            unit.push(c.unit.as_str());
            category.push(c.category().slug());
            urgency.push(c.urgency().slug());
            language.push(c.language.as_str());
            confidence.push(c.confidence);
            // Postgres arrays of arrays must be rectangular: store reasons joined.
            reasons.push(c.reasons.join("\u{1f}"));
            model.push(c.model.as_str());
        }
        sqlx::query(
            "INSERT INTO decisions (platform, post_id, unit, category, urgency, language, confidence, reasons, model)
             SELECT p, i, u, c, g, l, f, string_to_array(r, E'\\x1f'), m
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::real[], $8::text[], $9::text[]) AS t(p, i, u, c, g, l, f, r, m)
             ON CONFLICT (platform, post_id) DO NOTHING",
        )
        .bind(&platform)
        .bind(&post_id)
        .bind(&unit)
        .bind(&category)
        .bind(&urgency)
        .bind(&language)
        .bind(&confidence)
        .bind(&reasons)
        .bind(&model)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
