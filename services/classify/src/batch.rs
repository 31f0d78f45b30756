//! `tvarit-classify batch < posts.jsonl > labels.jsonl`: one output line per
//! input line, in order; a bad line gets an error object, never a crash.

use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::classifier::{Classifier, Decision, PostInput};

#[derive(Deserialize)]
struct BatchLine {
    id: Value,
    text: String,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    platform: String,
}

/// The JSON form of a decision (DESIGN.md's batch contract).
pub fn decision_json(id: &Value, d: &Decision, model: &str) -> Value {
    json!({
        "id": id,
        "category": d.category.slug(),
        "urgency": d.urgency.slug(),
        "unit": d.unit,
        "district": d.district,
        "language": d.language.code(),
        "confidence": (f64::from(d.confidence) * 1000.0).round() / 1000.0,
        "reasons": d.reasons,
        "model": model,
        "pii": d.pii,
        "rumour": d.rumour,
        "needs_review": d.needs_review,
    })
}

fn classify_line(line: &[u8], classifier: &dyn Classifier) -> Value {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => return json!({ "id": null, "error": format!("not valid UTF-8: {e}") }),
    };
    match serde_json::from_str::<BatchLine>(text) {
        Ok(p) => {
            let d = classifier.classify(PostInput { text: &p.text, mentions: &p.mentions, platform: &p.platform });
            decision_json(&p.id, &d, classifier.model())
        }
        Err(e) => {
            // Name the id when the line has one, so the caller can match it.
            let id = serde_json::from_str::<Value>(text).ok().and_then(|v| v.get("id").cloned());
            json!({ "id": id, "error": format!("not a post: {e}") })
        }
    }
}

pub fn run(input: impl BufRead, mut output: impl Write, classifier: &dyn Classifier) -> std::io::Result<u64> {
    let mut n = 0;
    for line in input.split(b'\n') {
        let line = line?;
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        serde_json::to_writer(&mut output, &classify_line(line, classifier))?;
        output.write_all(b"\n")?;
        n += 1;
    }
    output.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::Baseline;

    #[test]
    fn one_line_out_per_line_in_with_errors_inline() {
        let classifier = Baseline::new(tvarit_registry::Registry::rajasthan());
        let input: &[u8] = b"{\"id\":\"a\",\"text\":\"meri bike chori ho gayi\",\"mentions\":[\"@SP_Balotra\"]}\n\
            not json\n\
            {\"id\":7,\"text\":\"x\xff\"}\n\
            {\"id\":\"b\"}\n";
        let mut out = Vec::new();
        assert_eq!(run(input, &mut out, &classifier).unwrap(), 4);
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["id"], "a");
        assert_eq!(lines[0]["unit"], "balotra");
        assert_eq!(lines[0]["district"], "balotra");
        assert!(lines[1]["error"].as_str().unwrap().contains("not a post"));
        assert!(lines[2]["error"].as_str().unwrap().contains("UTF-8"));
        assert_eq!(lines[3]["id"], "b");
        assert!(lines[3]["error"].as_str().unwrap().contains("text"));
    }
}
