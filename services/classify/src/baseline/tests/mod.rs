//! Behaviour the desk relies on: category, urgency, language and unit for
//! posts in English, Hindi and romanized Hindi.

mod categories;
mod routing;

use std::sync::OnceLock;

use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use super::{Baseline, Classifier, Decision, Language, PostInput};

fn baseline() -> &'static Baseline {
    static BASELINE: OnceLock<Baseline> = OnceLock::new();
    BASELINE.get_or_init(|| Baseline::new(Registry::rajasthan()))
}

/// Classify `text` with the `@handles` it starts with as its mentions.
fn classify(text: &str) -> Decision {
    let mentions: Vec<String> = text.split_whitespace().take_while(|w| w.starts_with('@')).map(String::from).collect();
    let d = baseline().classify(PostInput { text, mentions: &mentions, platform: "x" });
    assert!((0.3..=0.95).contains(&d.confidence), "confidence {} for {text:?}", d.confidence);
    assert!(!d.reasons.is_empty() && d.reasons.len() <= 5, "reasons {:?}", d.reasons);
    assert_eq!(d.district.is_some(), d.unit != "hq", "district iff not hq: {d:?}");
    d
}

#[track_caller]
fn check(text: &str, category: Category, urgency: Urgency, language: Language, unit: &str) -> Decision {
    let d = classify(text);
    assert_eq!(
        (d.category, d.urgency, d.language, d.unit.as_str()),
        (category, urgency, language, unit),
        "{text:?} → {d:?}"
    );
    d
}

fn has(d: &Decision, reason: &str) -> bool {
    d.reasons.iter().any(|r| r == reason)
}
