//! The rebuttal library: a claim, its verdict and the police's answer in
//! Hindi and English, every publication a new version.
//!
//! A post matches a claim when the classifier linked it (`rumour_claim_id`),
//! or by word overlap: the claim's content words (and each variant's) are
//! its lowercased words of at least three characters that are not filler;
//! a post matches when it shares at least three of them and at least 60 % of
//! one wording's. Word overlap does not cross scripts (the classifier's
//! phonetic matcher does that); give variants in both scripts.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::Rebuttal;

use super::words;

pub const VERDICTS: [&str; 3] = ["false", "misleading", "unverified"];
const MIN_SHARED: usize = 3;
const MIN_SHARE: f32 = 0.6;

#[rustfmt::skip]
const FILLER: &[&str] = &[
    "the", "and", "for", "from", "this", "that", "with", "are", "was", "will", "not", "you", "your", "have", "has",
    "been", "all", "its", "who", "what", "true", "fake", "news", "viral", "forwarded", "please", "share", "police",
    "hai", "hain", "raha", "rahe", "rahi", "kya", "yeh", "par", "mein", "aur", "nahi", "sach", "kar", "bhi", "hoga",
    "में", "है", "हैं", "रहा", "रहे", "रही", "क्या", "यह", "नहीं", "सच", "और", "पुलिस", "भी", "कर", "लिए", "वाला",
];

/// A text's content words, for matching.
pub fn content_words(text: &str) -> HashSet<String> {
    words(text).filter(|w| w.chars().count() >= 3 && !FILLER.contains(&w.as_str())).collect()
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RebuttalRow {
    pub claim_id: String,
    pub version: i32,
    pub claim: String,
    pub verdict: String,
    pub text_hi: String,
    pub text_en: String,
    pub evidence_url: String,
    pub variants: Vec<String>,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    /// [`Self::wordings`], worked out once per loaded row: intake matches
    /// every new post against every claim, and re-splitting the claims for
    /// each post was most of reply's CPU under load.
    #[sqlx(skip)]
    pub wordings_cache: std::sync::OnceLock<Vec<HashSet<String>>>,
}

impl RebuttalRow {
    pub fn to_proto(&self) -> Rebuttal {
        Rebuttal {
            claim_id: self.claim_id.clone(),
            claim: self.claim.clone(),
            verdict: self.verdict.clone(),
            text_hi: self.text_hi.clone(),
            text_en: self.text_en.clone(),
            evidence_url: self.evidence_url.clone(),
            variants: self.variants.clone(),
            version: self.version.max(0) as u32,
            published_by: self.published_by.clone(),
            published_at: Some(from_millis(self.published_at.timestamp_millis())),
        }
    }

    /// The claim and its variants, each as content words.
    fn wordings(&self) -> impl Iterator<Item = &HashSet<String>> + '_ {
        self.wordings_cache
            .get_or_init(|| std::iter::once(&self.claim).chain(&self.variants).map(|t| content_words(t)).collect())
            .iter()
    }

    /// Whether a post with these content words repeats the claim.
    pub fn matches(&self, post: &HashSet<String>) -> bool {
        self.wordings().any(|claim| {
            let shared = claim.intersection(post).count();
            shared >= MIN_SHARED && shared as f32 >= MIN_SHARE * claim.len() as f32
        })
    }

    /// How well a search query fits: shared words over the query's words.
    pub fn score(&self, query: &HashSet<String>) -> f32 {
        if query.is_empty() {
            return 0.0;
        }
        let mut all: HashSet<String> = self.wordings().flatten().cloned().collect();
        all.extend(content_words(&self.text_hi));
        all.extend(content_words(&self.text_en));
        all.insert(self.claim_id.to_lowercase());
        query.intersection(&all).count() as f32 / query.len() as f32
    }
}

/// The rebuttal a post gets: the claim the classifier linked, else (unless
/// it is an emergency, where a rebuttal could dismiss a real call for help)
/// the first claim it repeats by word overlap.
pub fn find<'a>(
    library: &'a [RebuttalRow],
    claim_id: &str,
    post_text: &str,
    emergency: bool,
) -> Option<&'a RebuttalRow> {
    if !claim_id.is_empty()
        && let Some(r) = library.iter().find(|r| r.claim_id == claim_id)
    {
        return Some(r);
    }
    if emergency {
        return None;
    }
    let post = content_words(post_text);
    library.iter().find(|r| r.matches(&post))
}

const COLUMNS: &str =
    "claim_id, version, claim, verdict, text_hi, text_en, evidence_url, variants, published_by, published_at";

/// The current version of every claim.
pub async fn current(db: &mut PgConnection) -> Result<Vec<RebuttalRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (claim_id) {COLUMNS} FROM rebuttals ORDER BY claim_id, version DESC"
    )))
    .fetch_all(db)
    .await
}

pub struct NewRebuttal<'a> {
    /// Empty for a new claim: the next `claim-NNNN`.
    pub claim_id: &'a str,
    pub claim: &'a str,
    pub verdict: &'a str,
    pub text_hi: &'a str,
    pub text_en: &'a str,
    pub evidence_url: &'a str,
    pub variants: &'a [String],
}

/// Saves the next version of a claim (inside the caller's transaction).
pub async fn save(db: &mut PgConnection, r: &NewRebuttal<'_>, by: &str) -> Result<RebuttalRow, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvarit-rebuttals'))").execute(&mut *db).await?;
    let id = if r.claim_id.is_empty() {
        let last: Option<i32> = sqlx::query_scalar(
            "SELECT MAX(substring(claim_id FROM '^claim-([0-9]+)$')::int) FROM rebuttals WHERE claim_id ~ '^claim-[0-9]+$'",
        )
        .fetch_one(&mut *db)
        .await?;
        format!("claim-{:04}", last.unwrap_or(0) + 1)
    } else {
        r.claim_id.to_owned()
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO rebuttals (claim_id, version, claim, verdict, text_hi, text_en, evidence_url, variants, published_by)
         SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM rebuttals WHERE claim_id = $1
         RETURNING {COLUMNS}"
    )))
    .bind(&id)
    .bind(r.claim)
    .bind(r.verdict)
    .bind(r.text_hi)
    .bind(r.text_en)
    .bind(r.evidence_url)
    .bind(r.variants)
    .bind(by)
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rebuttal(id: &str, claim: &str, variants: &[&str]) -> RebuttalRow {
        RebuttalRow {
            claim_id: id.into(),
            version: 1,
            claim: claim.into(),
            verdict: "false".into(),
            text_hi: String::new(),
            text_en: "False.".into(),
            evidence_url: String::new(),
            variants: variants.iter().map(|v| (*v).into()).collect(),
            published_by: "system".into(),
            published_at: Utc::now(),
            wordings_cache: Default::default(),
        }
    }

    #[test]
    fn posts_match_claims_by_shared_content_words() {
        let petrol = rebuttal(
            "claim-0013",
            "All petrol pumps in Rajasthan will stay closed for five days",
            &["पूरे राजस्थान में पांच दिन पेट्रोल पंप बंद रहेंगे"],
        );
        let lib = [rebuttal("claim-0001", "Child lifting gang roaming in the area", &[]), petrol];
        let found = |claim: &str, text: &str, emergency: bool| find(&lib, claim, text, emergency).map(|r| &r.claim_id);
        assert_eq!(
            found("", "Is it true petrol pumps closed five days across Rajasthan?", false).unwrap(),
            "claim-0013"
        );
        assert_eq!(found("", "क्या सच में राजस्थान में पांच दिन पेट्रोल पंप बंद रहेंगे?", false).unwrap(), "claim-0013");
        // The classifier's link wins; emergencies match only by that link.
        assert_eq!(found("claim-0001", "petrol pumps closed five days Rajasthan", false).unwrap(), "claim-0001");
        assert!(found("", "petrol pumps closed five days Rajasthan", true).is_none());
        assert!(found("", "petrol pump near bus stand closed, fuel theft", false).is_none());
        assert!(found("recent-00ff", "my bike was stolen", false).is_none());
    }

    #[test]
    fn search_scores_by_shared_words() {
        let r = rebuttal("claim-0013", "petrol pumps closed", &[]);
        assert_eq!(r.score(&content_words("petrol closed")), 1.0);
        assert_eq!(r.score(&words("claim-0013").collect()), 1.0);
        assert_eq!(r.score(&content_words("curfew")), 0.0);
    }
}
