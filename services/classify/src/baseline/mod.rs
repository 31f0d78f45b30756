use crate::classifier::{Classifier, Decision, Language, PostInput};
use crate::routing;

// The baseline classifier: weighted keyword lexicons (English, Devanagari
// Hindi, romanized Hindi), script counts for the language, and the account
// registry plus a place-name table for the unit. Every decision carries the
// features that made it (`reasons`), so an operator can see why a post landed
// where it did. A trained model replaces it behind the same `Classifier` trait.
//
// Layout: `normalize` (text → tokens), `matcher` (phrase table), `keywords`
// (the lexicons), `lexicon` (evidence → category and confidence), `language`,
// `places` (place names → district).

pub(crate) mod keywords;
pub(crate) mod language;
pub(crate) mod lexicon;
pub(crate) mod matcher;
pub(crate) mod normalize;
mod places;
#[cfg(test)]
mod tests;

use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use self::language::LanguageDetector;
use self::lexicon::{CATEGORIES, Evidence, Lexicon};
use self::places::Places;

/// Recorded with every decision.
pub const MODEL: &str = "baseline-keywords-v1";

/// At most this many reasons per decision.
const MAX_REASONS: usize = 5;

/// The keyword and rule baseline. Build once (it compiles its tables in
/// `new`), then share: `classify` takes `&self`.
#[derive(Debug)]
pub struct Baseline {
    registry: Registry,
    lexicon: Lexicon,
    places: Places,
    language: LanguageDetector,
}

impl Baseline {
    pub fn new(registry: Registry) -> Self {
        let places = Places::new(&registry);
        Baseline { registry, lexicon: Lexicon::new(), places, language: LanguageDetector::new() }
    }

    /// The unit for a post and the reason: a district account wins; else the
    /// places named in the text; else `hq`.
    fn route(
        &self,
        post: &PostInput<'_>,
        n: &normalize::Normalized,
        scratch: &mut Vec<matcher::Match>,
    ) -> (String, String) {
        routing::route(&self.registry, post.mentions, || self.places.route(n, scratch))
    }
}

impl Classifier for Baseline {
    fn model(&self) -> &str {
        MODEL
    }

    fn classify(&self, post: PostInput<'_>) -> Decision {
        let n = normalize::normalize(post.text);
        let mut scratch = Vec::with_capacity(16);
        let evidence = self.lexicon.evidence(&n, &mut scratch);
        let verdict = evidence.verdict();
        let category = CATEGORIES[verdict.category];
        let urgency = urgency(category, &evidence);
        let language = self.language.detect(&n);
        let (unit, route_reason) = self.route(&post, &n, &mut scratch);
        let district = routing::is_district(&self.registry, &unit).then(|| unit.clone());
        let reasons = reasons(route_reason, &evidence, verdict.category, verdict.evidence, urgency, language);
        Decision {
            category,
            urgency,
            language,
            unit,
            district,
            confidence: verdict.confidence,
            reasons,
            pii: Vec::new(),
            rumour: None,
            needs_review: false,
        }
    }
}

/// Emergencies are `critical` with a life-threat word, else `high`; sensitive
/// posts are `high`; complaints, rumours and queries `normal` (`high` with an
/// urgency word such as `turant` or `urgent`); appreciation and other `low`.
fn urgency(category: Category, evidence: &Evidence) -> Urgency {
    match category {
        Category::Emergency if evidence.critical => Urgency::Critical,
        Category::Emergency | Category::Sensitive => Urgency::High,
        Category::Complaint | Category::Misinformation | Category::Query => {
            if evidence.urgent.is_some() {
                Urgency::High
            } else {
                Urgency::Normal
            }
        }
        _ => Urgency::Low,
    }
}

/// Routing first, then the keywords that decided the category, the urgency
/// word when it raised the urgency, and the language last.
fn reasons(
    route: String,
    evidence: &Evidence,
    category: usize,
    had_evidence: bool,
    urgency: Urgency,
    language: Language,
) -> Vec<String> {
    let mut reasons = Vec::with_capacity(MAX_REASONS);
    reasons.push(route);
    let urgent = match (urgency, evidence.urgent) {
        (Urgency::High, Some(word)) if CATEGORIES[category] != Category::Emergency => Some(word),
        _ => None,
    };
    let room = MAX_REASONS - 2 - usize::from(urgent.is_some());
    let slug = CATEGORIES[category].slug();
    if had_evidence {
        let hits = evidence.top_hits(category, room);
        if hits.is_empty() {
            // A question mark alone made it a query.
            reasons.push(format!("punct:?→{slug}"));
        }
        reasons.extend(hits.iter().map(|h| format!("keyword:{}→{slug}", h.text)));
    } else {
        reasons.push(format!("keyword:none→{slug}"));
    }
    if let Some(word) = urgent {
        reasons.push(format!("urgent:{word}"));
    }
    reasons.push(format!("lang:{}", language.code()));
    reasons
}
