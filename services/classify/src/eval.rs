//! `tvarit-classify eval --data FILE.jsonl`: per-class precision, recall and
//! F1, macro-F1, the confusion matrix, and district, language and urgency
//! accuracy of a classifier on labelled posts.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tvarit_proto::{Category, Urgency};

use crate::classifier::{Classifier, PostInput};
use crate::linear::{CATEGORIES, CLASSES, class_of};

/// One labelled post (`data/corpus/*.jsonl`).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Labelled {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub mentions: Vec<String>,
    pub category: String,
    #[serde(default)]
    pub urgency: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// The district it belongs to, or null for HQ.
    #[serde(default)]
    pub district: Option<String>,
}

impl Labelled {
    pub fn category(&self) -> Option<Category> {
        Category::from_slug(&self.category)
    }
}

/// Reads labelled JSONL; a line that is not a labelled post is an error
/// naming its line number (a corpus must be clean).
pub fn read_labelled(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let l: Labelled =
            serde_json::from_str(line).map_err(|e| anyhow::anyhow!("{}:{}: {e}", path.display(), i + 1))?;
        if l.category().is_none() {
            anyhow::bail!("{}:{}: unknown category {:?}", path.display(), i + 1, l.category);
        }
        out.push(l);
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct ClassScore {
    pub category: &'static str,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub model: String,
    pub posts: usize,
    pub per_class: Vec<ClassScore>,
    pub macro_f1: f64,
    pub accuracy: f64,
    /// `confusion[gold][predicted]`, classes in `linear::CATEGORIES` order.
    pub confusion: Vec<Vec<usize>>,
    pub district_accuracy: f64,
    pub language_accuracy: f64,
    pub urgency_accuracy: f64,
    /// Wrong category: (id, gold, predicted), for error analysis.
    pub errors: Vec<(String, String, String)>,
}

impl Report {
    pub fn recall(&self, category: Category) -> f64 {
        self.per_class[class_of(category)].recall
    }

    pub fn precision(&self, category: Category) -> f64 {
        self.per_class[class_of(category)].precision
    }
}

pub fn evaluate(classifier: &dyn Classifier, data: &[Labelled]) -> Report {
    let mut confusion = vec![vec![0usize; CLASSES]; CLASSES];
    let (mut district_ok, mut lang_ok, mut lang_n, mut urg_ok, mut urg_n) = (0, 0, 0, 0, 0);
    let mut errors = Vec::new();
    for l in data {
        let d = classifier.classify(PostInput { text: &l.text, mentions: &l.mentions, platform: "x" });
        let gold = l.category().unwrap_or(Category::Other);
        confusion[class_of(gold)][class_of(d.category)] += 1;
        if gold != d.category {
            errors.push((l.id.clone(), gold.slug().to_owned(), d.category.slug().to_owned()));
        }
        district_ok += usize::from(d.district == l.district);
        if let Some(lang) = &l.language {
            lang_n += 1;
            lang_ok += usize::from(d.language.code() == lang);
        }
        if let Some(u) = l.urgency.as_deref().and_then(Urgency::from_slug) {
            urg_n += 1;
            urg_ok += usize::from(d.urgency == u);
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_class: Vec<ClassScore> = (0..CLASSES)
        .map(|c| {
            let tp = confusion[c][c];
            let predicted: usize = (0..CLASSES).map(|g| confusion[g][c]).sum();
            let support: usize = confusion[c].iter().sum();
            let (p, r) = (ratio(tp, predicted), ratio(tp, support));
            let f1 = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
            ClassScore { category: CATEGORIES[c].slug(), precision: p, recall: r, f1, support }
        })
        .collect();
    let present: Vec<&ClassScore> = per_class.iter().filter(|c| c.support > 0).collect();
    let macro_f1 = present.iter().map(|c| c.f1).sum::<f64>() / present.len().max(1) as f64;
    let correct: usize = (0..CLASSES).map(|c| confusion[c][c]).sum();
    Report {
        model: classifier.model().to_owned(),
        posts: data.len(),
        per_class,
        macro_f1,
        accuracy: ratio(correct, data.len()),
        confusion,
        district_accuracy: ratio(district_ok, data.len()),
        language_accuracy: ratio(lang_ok, lang_n),
        urgency_accuracy: ratio(urg_ok, urg_n),
        errors,
    }
}

/// The human-readable report `eval` prints.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "model {}  posts {}", r.model, r.posts);
    let _ = writeln!(s, "{:<15} {:>9} {:>9} {:>9} {:>8}", "category", "precision", "recall", "f1", "support");
    for c in &r.per_class {
        let _ = writeln!(s, "{:<15} {:>9.3} {:>9.3} {:>9.3} {:>8}", c.category, c.precision, c.recall, c.f1, c.support);
    }
    let _ = writeln!(s, "macro-F1 {:.3}  accuracy {:.3}", r.macro_f1, r.accuracy);
    let _ = writeln!(
        s,
        "district accuracy {:.3}  language accuracy {:.3}  urgency accuracy {:.3}",
        r.district_accuracy, r.language_accuracy, r.urgency_accuracy
    );
    let short: Vec<String> = CATEGORIES.iter().map(|c| c.slug().chars().take(6).collect()).collect();
    let _ = writeln!(s, "confusion (rows gold, columns predicted):");
    let _ = writeln!(s, "{:<15} {}", "", short.iter().map(|h| format!("{h:>7}")).collect::<String>());
    for (g, row) in r.confusion.iter().enumerate() {
        let cells: String = row.iter().map(|n| format!("{n:>7}")).collect();
        let _ = writeln!(s, "{:<15} {cells}", CATEGORIES[g].slug());
    }
    s
}
