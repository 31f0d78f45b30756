//! `tvarit-classify train`: trains a new model version from the project's
//! corpus, operators' relabels and (when present) third-party data, scores
//! it on the frozen test split, and promotes it only if it is not worse than
//! the model in use there.
//!
//! Reproducible: examples are read in file order, deduplicated by text
//! (a relabel overrides the corpus), and the SGD shuffle is seeded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tvarit_proto::Category;
use tvarit_registry::Registry;

use crate::eval::{self, Labelled, Report};
use crate::linear::{Model, class_of};
use crate::sgd::{self, Example, Settings};
use crate::triage::{EMBEDDED_MODEL, Triage};

pub struct TrainArgs {
    pub corpus: PathBuf,
    pub test: PathBuf,
    /// The independent set: never trained on; scored for the report only.
    pub independent: PathBuf,
    pub shared: Option<PathBuf>,
    /// Posts written by other authors in their own registers (`*.jsonl`).
    pub voices: Option<PathBuf>,
    pub out: PathBuf,
    pub seed: u64,
    pub epochs: usize,
}

pub struct Outcome {
    pub version: String,
    pub candidate: Report,
    /// The candidate on the independent set, when the file is there.
    pub independent: Option<Report>,
    pub current: Option<Report>,
    pub promoted: bool,
    pub path: PathBuf,
}

/// The model file the service uses, in `dir`.
pub fn promoted_path(dir: &Path) -> PathBuf {
    dir.join("model.bin")
}

pub fn train(args: &TrainArgs, registry: &Registry, feedback: Vec<Labelled>) -> anyhow::Result<Outcome> {
    let corpus = eval::read_labelled(&args.corpus)?;
    let test = eval::read_labelled(&args.test)?;
    let independent = if args.independent.is_file() { eval::read_labelled(&args.independent)? } else { Vec::new() };
    let shared = args.shared.as_deref().map(crate::shared_data::load).unwrap_or_default();
    let voices = args.voices.as_deref().map(read_voices).transpose()?.unwrap_or_default();
    let current = std::fs::read(promoted_path(&args.out))
        .ok()
        .and_then(|b| Model::from_bytes(&b).ok())
        .or_else(|| Model::from_bytes(EMBEDDED_MODEL).ok());
    let next = current.as_ref().and_then(|m| m.header.version.strip_prefix("linear-v")?.parse::<u32>().ok());
    let version = format!("linear-v{}", next.map_or(1, |n| n + 1));

    // Dedupe by text: later sources override (corpus < shared < voices < relabels),
    // and no frozen test post may be trained on.
    let frozen: std::collections::HashSet<&str> = test.iter().chain(&independent).map(|l| l.text.trim()).collect();
    let mut by_text: HashMap<String, (usize, f32)> = HashMap::new();
    let mut rows: Vec<(&Labelled, f32)> = Vec::new();
    let sources =
        [(&corpus, CORPUS_WEIGHT), (&shared, crate::shared_data::WEIGHT), (&voices, VOICE_WEIGHT), (&feedback, 2.0)];
    for (set, weight) in sources {
        for l in set.iter() {
            let t = l.text.trim();
            if frozen.contains(t) || l.category().is_none() {
                continue;
            }
            match by_text.get(t) {
                Some(&(i, _)) => rows[i] = (l, weight),
                None => {
                    by_text.insert(t.to_owned(), (rows.len(), weight));
                    rows.push((l, weight));
                }
            }
        }
    }
    let featurizer = Triage::with_model(registry.clone(), None);
    let examples: Vec<Example> = rows
        .iter()
        .map(|(l, weight)| {
            let p = featurizer.prepare(&l.text);
            let mut features = Vec::new();
            featurizer.features(&p, &mut features);
            let class = class_of(l.category().unwrap_or(Category::Other));
            Example { features, class, weight: *weight }
        })
        .collect();
    let settings = Settings { seed: args.seed, epochs: args.epochs, ..Settings::default() };
    let mut model = sgd::train(&examples, settings, &version);
    // Score the quantized model: that is what ships.
    model = Model::from_bytes(&model.to_bytes())?;
    let candidate = eval::evaluate(&Triage::with_model(registry.clone(), Some(model.clone())), &test);
    let independent_report = (!independent.is_empty())
        .then(|| eval::evaluate(&Triage::with_model(registry.clone(), Some(model.clone())), &independent));
    let current_report = current.map(|m| eval::evaluate(&Triage::with_model(registry.clone(), Some(m)), &test));
    model.header.training = serde_json::json!({
        "seed": args.seed,
        "epochs": args.epochs,
        "examples": { "corpus": corpus.len(), "shared": shared.len(), "voices": voices.len(),
            "feedback": feedback.len(), "used": rows.len() },
        "frozen_split": { "posts": test.len(), "macro_f1": round(candidate.macro_f1),
            "emergency_recall": round(candidate.recall(Category::Emergency)),
            "district_accuracy": round(candidate.district_accuracy) },
        "independent_set": independent_report.as_ref().map(|r| serde_json::json!({ "posts": independent.len(),
            "macro_f1": round(r.macro_f1), "emergency_recall": round(r.recall(Category::Emergency)),
            "emergency_precision": round(r.precision(Category::Emergency)),
            "district_accuracy": round(r.district_accuracy) })),
    });
    let bytes = model.to_bytes();
    let path = args.out.join(format!("model-{}.bin", version.trim_start_matches("linear-")));
    std::fs::write(&path, &bytes)?;
    let promoted = current_report.as_ref().is_none_or(|cur| not_worse(&candidate, cur));
    if promoted {
        std::fs::write(promoted_path(&args.out), &bytes)?;
    }
    Ok(Outcome { version, candidate, independent: independent_report, current: current_report, promoted, path })
}

/// The generated corpus is many posts in few sentence shapes; the voices are
/// fewer posts in many. Weighted so that neither drowns the other.
pub const CORPUS_WEIGHT: f32 = 1.0;
pub const VOICE_WEIGHT: f32 = 2.0;

/// Every `*.jsonl` file in `dir`, in name order (reproducible).
pub fn read_voices(dir: &Path) -> anyhow::Result<Vec<Labelled>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(eval::read_labelled(&f)?);
    }
    Ok(out)
}

/// Not worse on the frozen split: macro-F1 and emergency recall at least as
/// good (the two numbers the desk's targets are stated in).
pub fn not_worse(candidate: &Report, current: &Report) -> bool {
    const EPS: f64 = 1e-9;
    candidate.macro_f1 + EPS >= current.macro_f1
        && candidate.recall(Category::Emergency) + EPS >= current.recall(Category::Emergency)
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
