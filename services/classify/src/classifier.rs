//! The classifier contract. The service, the batch mode and the evaluator
//! depend only on this trait, so a trained model can replace the baseline
//! without touching the pipeline.

use tvarit_proto::{Category, Urgency};

pub use crate::pii::{PiiKind, PiiSpan};
pub use crate::rumour::RumourMatch;

/// What a classifier sees of a post.
#[derive(Debug, Clone, Copy)]
pub struct PostInput<'a> {
    pub text: &'a str,
    /// Handles as written, e.g. `@SP_Balotra`.
    pub mentions: &'a [String],
    /// `x`, `facebook`, ... (may be empty).
    pub platform: &'a str,
}

/// `hi` (Devanagari), `en`, `hi-Latn` (romanized Hindi, Hinglish), `mixed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Hindi,
    English,
    HindiLatin,
    Mixed,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Hindi => "hi",
            Language::English => "en",
            Language::HindiLatin => "hi-Latn",
            Language::Mixed => "mixed",
        }
    }
}

/// What a classifier decided, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub category: Category,
    pub urgency: Urgency,
    pub language: Language,
    /// The unit whose queue gets the case (`hq` or a district slug).
    pub unit: String,
    /// `Some(unit)` when the unit is a district, else `None`.
    pub district: Option<String>,
    /// 0.0 to 1.0.
    pub confidence: f32,
    /// Short human-readable features that decided it, e.g.
    /// `keyword:चोरी→complaint`, `place:बाड़मेर→barmer`, `account:@SP_Balotra→balotra`.
    pub reasons: Vec<String>,
    /// Personal data in the text (kinds and byte spans, never the values),
    /// so replies and the web never echo it.
    pub pii: Vec<PiiSpan>,
    /// The known or recent rumour a misinformation post repeats.
    pub rumour: Option<RumourMatch>,
    /// Unsure, or a cue of danger to a person the category does not carry:
    /// a person should look and label it (queued with high urgency).
    pub needs_review: bool,
}

pub trait Classifier: Send + Sync {
    /// Name and version, recorded with every decision.
    fn model(&self) -> &str;
    fn classify(&self, post: PostInput<'_>) -> Decision;
}
