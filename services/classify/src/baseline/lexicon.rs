//! Category evidence: the keyword lexicons compiled into one phrase table, and
//! the rule that turns their weights into one category and a confidence.

use tvarit_proto::Category;

use super::keywords::{self, Words};
use super::matcher::{Match, PhraseTable};
use super::normalize::Normalized;

/// Categories in precedence order: on equal evidence the earlier one wins.
pub(crate) const CATEGORIES: [Category; 7] = [
    Category::Emergency,
    Category::Sensitive,
    Category::Misinformation,
    Category::Complaint,
    Category::Query,
    Category::Appreciation,
    Category::Other,
];
const EMERGENCY: usize = 0;
const QUERY: usize = 4;
const OTHER: usize = 6;

/// A prior added to a category that has any evidence. Precedence decides
/// close calls (a rumour about a kidnapping is misinformation, a theft asked
/// about as "how do I file an FIR" is a complaint), while clearly stronger
/// evidence for a later category still wins ("thank you for recovering my
/// stolen bike" is appreciation).
const PRIOR: [f32; 7] = [0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];

/// A question mark is weak evidence of a query.
const QUESTION_MARK: f32 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    /// Index into `CATEGORIES`.
    Category(usize),
    /// Raises `normal` urgency to `high`.
    Urgent,
    /// Hides the words inside it.
    Neutral,
}

#[derive(Debug)]
struct Entry {
    text: &'static str,
    label: Label,
    weight: f32,
    /// Danger to life: an emergency becomes `critical`.
    critical: bool,
}

/// One keyword that counted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub category: usize,
    pub weight: f32,
    pub text: &'static str,
}

/// What the lexicon found in one post.
#[derive(Debug, Default)]
pub(crate) struct Evidence {
    /// Summed keyword weights per category (index into `CATEGORIES`).
    pub scores: [f32; 7],
    pub hits: Vec<Hit>,
    /// A life-threat keyword matched.
    pub critical: bool,
    /// The first urgency word, if any.
    pub urgent: Option<&'static str>,
}

/// The decided category (index into `CATEGORIES`) and its confidence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Verdict {
    pub category: usize,
    pub confidence: f32,
    /// Whether any keyword supported it.
    pub evidence: bool,
}

#[derive(Debug)]
pub(crate) struct Lexicon {
    table: PhraseTable,
    entries: Vec<Entry>,
}

impl Lexicon {
    pub fn new() -> Self {
        let mut lexicon = Lexicon { table: PhraseTable::default(), entries: Vec::new() };
        lexicon.add_words(keywords::LIFE_THREAT, Label::Category(EMERGENCY), true);
        for (i, words) in [
            keywords::EMERGENCY,
            keywords::SENSITIVE,
            keywords::MISINFORMATION,
            keywords::COMPLAINT,
            keywords::QUERY,
            keywords::APPRECIATION,
            keywords::OTHER,
        ]
        .into_iter()
        .enumerate()
        {
            lexicon.add_words(words, Label::Category(i), false);
        }
        for &text in keywords::URGENT {
            lexicon.add(text, Label::Urgent, 0.0, false);
        }
        for &text in keywords::NEUTRAL {
            lexicon.add(text, Label::Neutral, 0.0, false);
        }
        lexicon
    }

    fn add_words(&mut self, words: Words, label: Label, critical: bool) {
        for &(text, weight) in words {
            self.add(text, label, weight, critical);
        }
    }

    fn add(&mut self, text: &'static str, label: Label, weight: f32, critical: bool) {
        let payload = self.entries.len() as u32;
        let added = self.table.insert(text, payload);
        debug_assert!(added, "lexicon phrase {text:?} normalizes to nothing");
        self.entries.push(Entry { text: text.trim_end_matches('*'), label, weight, critical });
    }

    /// Scan `n`; `matches` is scratch space.
    pub fn evidence(&self, n: &Normalized, matches: &mut Vec<Match>) -> Evidence {
        self.table.scan(n, matches);
        let mut ev = Evidence { hits: Vec::with_capacity(matches.len()), ..Evidence::default() };
        for m in matches.iter() {
            let entry = &self.entries[m.payload as usize];
            match entry.label {
                Label::Category(category) => {
                    ev.scores[category] += entry.weight;
                    ev.critical |= entry.critical;
                    ev.hits.push(Hit { category, weight: entry.weight, text: entry.text });
                }
                Label::Urgent => ev.urgent = ev.urgent.or(Some(entry.text)),
                Label::Neutral => {}
            }
        }
        if n.question {
            ev.scores[QUERY] += QUESTION_MARK;
        }
        ev
    }
}

impl Evidence {
    /// The category with the highest score plus prior (ties to precedence),
    /// and a confidence that grows with the winner's score and its margin
    /// over the runner-up: one clear keyword ≈ 0.7, two ≈ 0.85, a close call
    /// ≈ 0.55, never above 0.95. No evidence at all: `other` at 0.5.
    pub fn verdict(&self) -> Verdict {
        let effective = |c: usize| {
            if self.scores[c] > 0.0 { self.scores[c] + PRIOR[c] } else { 0.0 }
        };
        let mut best = OTHER;
        let mut best_score = 0.0;
        for c in 0..CATEGORIES.len() {
            if effective(c) > best_score {
                best = c;
                best_score = effective(c);
            }
        }
        if best_score == 0.0 {
            return Verdict { category: OTHER, confidence: 0.5, evidence: false };
        }
        let runner_up = (0..CATEGORIES.len()).filter(|&c| c != best).map(effective).fold(0.0, f32::max);
        let margin = best_score - runner_up;
        let strength = 0.3 * self.scores[best] + 0.5 * margin;
        let confidence = (0.3 + 0.65 * (1.0 - (-strength).exp())).clamp(0.3, 0.95);
        Verdict { category: best, confidence, evidence: true }
    }

    /// The strongest distinct keywords for `category`, strongest first.
    pub fn top_hits(&self, category: usize, limit: usize) -> Vec<Hit> {
        let mut hits: Vec<Hit> = self.hits.iter().copied().filter(|h| h.category == category).collect();
        hits.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        let mut top: Vec<Hit> = Vec::with_capacity(limit);
        for hit in hits {
            if top.len() == limit {
                break;
            }
            if !top.iter().any(|t| t.text == hit.text) {
                top.push(hit);
            }
        }
        top
    }
}
