//! Third-party training data, read from `../shared/data` when it is there
//! (CI has it; a user's clone does not, and the committed model needs none of
//! it at run time). Each source keeps its own licence; see data/SOURCES.md.
//! Only real posts whose labels map cleanly onto our categories are used:
//!
//! - CONSTRAINT-2021 Hindi (Devanagari): `hate` (alone, not also `fake`) →
//!   sensitive. Its `fake` posts are fake news stories themselves, not posts
//!   asking the police about a rumour; labelled misinformation they taught
//!   the model that any narrated incident is a rumour (frozen-split macro-F1
//!   fell from 0.88 to 0.82), so they are not used, nor `non-hostile`.
//! - Mumbai urban issues: tweets to Mumbai Police marked complaints → complaint.
//!
//! They count less than the project's own corpus (`WEIGHT`): their style is
//! not a post to a police account, but their vocabulary is real.

use std::path::Path;

use tvarit_proto::Category;

use crate::eval::Labelled;

pub const WEIGHT: f32 = 0.3;
const MAX_PER_CLASS: usize = 1500;

/// Labelled posts from the shared folder; empty when it is absent.
pub fn load(shared: &Path) -> Vec<Labelled> {
    let mut out = Vec::new();
    let mut counts = std::collections::HashMap::new();
    let mut push = |id: String, text: &str, category: Category| {
        let n = counts.entry(category).or_insert(0usize);
        if *n >= MAX_PER_CLASS || text.trim().is_empty() {
            return;
        }
        *n += 1;
        out.push(Labelled {
            id,
            text: text.to_owned(),
            mentions: Vec::new(),
            category: category.slug().to_owned(),
            urgency: None,
            language: None,
            district: None,
        });
    };
    if let Ok(text) = std::fs::read_to_string(shared.join("constraint_hindi/train.csv")) {
        for (i, row) in parse_csv(&text).into_iter().enumerate() {
            let [text, labels] = row.as_slice() else { continue };
            let category = if labels.contains("hate") && !labels.contains("fake") {
                Category::Sensitive
            } else {
                continue;
            };
            push(format!("constraint-{i}"), text, category);
        }
    }
    if let Ok(text) = std::fs::read_to_string(shared.join("mumbai_urban_issues/tweets_dataset.csv")) {
        for (i, row) in parse_csv(&text).into_iter().enumerate().skip(1) {
            if row.get(1).map(String::as_str) == Some("1") && !row[0].starts_with("RT ") {
                push(format!("mumbai-{i}"), &row[0], Category::Complaint);
            }
        }
    }
    out
}

/// RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::parse_csv;

    #[test]
    fn csv_with_quotes_and_newlines() {
        let rows = parse_csv("a,\"b, \"\"c\"\"\nd\",e\r\nf,g");
        assert_eq!(rows, vec![vec!["a", "b, \"c\"\nd", "e"], vec!["f", "g"]]);
    }
}
