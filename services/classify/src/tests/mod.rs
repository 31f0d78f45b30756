//! The production classifier (`Triage`) end to end: the frozen test split's
//! targets (a regression guard for every retrained model), the behaviour the
//! cross-service tests rely on, and bad input.

mod bad_input;

use std::path::PathBuf;
use std::sync::OnceLock;

use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use crate::classifier::{Classifier, Decision, PostInput};
use crate::eval;
use crate::triage::Triage;

fn triage() -> &'static Triage {
    static T: OnceLock<Triage> = OnceLock::new();
    T.get_or_init(|| Triage::new(Registry::rajasthan()))
}

fn classify(text: &str) -> Decision {
    let mentions: Vec<String> = text.split_whitespace().filter(|w| w.starts_with('@')).map(String::from).collect();
    triage().classify(PostInput { text, mentions: &mentions, platform: "x" })
}

fn corpus(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/corpus").join(file)
}

/// The targets on the independent set: the desk's emergency recall (v5
/// reaches 0.989, 91 of 92); never lower these to make a model pass.
const EMERGENCY_RECALL: f64 = 0.97;
const EMERGENCY_PRECISION: f64 = 0.80;
const MACRO_F1: f64 = 0.90;

#[test]
fn frozen_split_meets_the_targets() {
    let data = eval::read_labelled(&corpus("test.jsonl")).unwrap();
    assert!(data.len() >= 280, "the frozen split shrank: {}", data.len());
    let report = eval::evaluate(triage(), &data);
    let shown = eval::render(&report);
    assert!(triage().model().starts_with("tvarit-linear-v"), "no trained model compiled in: {}", triage().model());
    assert!(report.macro_f1 >= 0.85, "macro-F1 {:.3}\n{shown}", report.macro_f1);
    assert!(report.recall(Category::Emergency) >= 0.95, "emergency recall\n{shown}");
    assert!(report.district_accuracy >= 0.95, "district accuracy {:.3}\n{shown}", report.district_accuracy);
}

fn independent() -> Vec<eval::Labelled> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/independent/eval.jsonl");
    eval::read_labelled(&path).unwrap()
}

/// The targets that matter, held on posts written apart from the project by
/// authors who saw only DESIGN.md's definitions (data/independent/README.md):
/// a score on the project's own data is a smoke test, this is the result.
#[test]
fn independent_set_meets_the_targets() {
    let data = independent();
    let report = eval::evaluate(triage(), &data);
    let shown = eval::render(&report);
    let (recall, precision) = (report.recall(Category::Emergency), report.precision(Category::Emergency));
    assert!(recall >= EMERGENCY_RECALL, "emergency recall {recall:.3}\n{shown}");
    assert!(precision >= EMERGENCY_PRECISION, "emergency precision {precision:.3}\n{shown}");
    assert!(report.macro_f1 >= MACRO_F1, "macro-F1 {:.3}\n{shown}", report.macro_f1);
    assert!(report.district_accuracy >= 0.95, "district accuracy {:.3}\n{shown}", report.district_accuracy);
}

/// Unsure fails toward a person: an unsure decision is flagged for review
/// with high urgency, and `sensitive` (which waits for a supervisor) is never
/// where the model's doubt lands.
#[test]
fn unsure_decisions_go_to_a_person_never_to_sensitive() {
    let mut texts: Vec<String> = independent().into_iter().map(|l| l.text).collect();
    // Text nothing was trained on at all.
    texts.extend(
        [
            "zorbic plenth wuvva kastor",
            "@PoliceRajasthan ??? !!! ...",
            "qwerty asdf hjkl",
            "lorem ipsum dolor sit amet",
        ]
        .map(String::from),
    );
    let mut reviewed = 0;
    for text in &texts {
        let d = classify(text);
        if d.category == Category::Sensitive {
            assert!(d.confidence >= 0.45, "sensitive without confidence: {text:?} {d:?}");
        }
        if d.needs_review {
            reviewed += 1;
            assert!(matches!(d.urgency, Urgency::Critical | Urgency::High), "{text:?} {d:?}");
        }
    }
    assert!(reviewed > 0, "some decisions are unsure");
}

/// Function words and place names carry no class: no decision's reasons
/// name one as the word that pushed it.
#[test]
fn function_words_and_places_never_decide() {
    let gazetteer = crate::gazetteer::Gazetteer::new(&Registry::rajasthan());
    for l in independent() {
        let d = classify(&l.text);
        for r in &d.reasons {
            let Some(word) = r.strip_prefix("word:").and_then(|w| w.split('→').next()) else { continue };
            assert!(!crate::stopwords::is_stop(word), "{word} decided {:?}: {}", d.category, l.text);
            let key = crate::translit::key(word);
            assert!(!gazetteer.is_place_word(word, &key), "place {word} decided {:?}: {}", d.category, l.text);
        }
    }
}

#[test]
fn independent_set_is_whole_and_never_trained_on() {
    let data = independent();
    assert!(data.len() >= 400, "{} posts", data.len());
    let emergencies = data.iter().filter(|l| l.category() == Some(Category::Emergency)).count();
    assert!(emergencies >= 80, "{emergencies} emergencies");
    for category in crate::linear::CATEGORIES {
        assert!(data.iter().any(|l| l.category() == Some(category)), "{} missing", category.slug());
    }
    for lang in ["hi", "en", "hi-Latn", "mixed"] {
        assert!(data.iter().any(|l| l.language.as_deref() == Some(lang)), "{lang} missing");
    }
    let voices =
        crate::train::read_voices(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/voices")).unwrap();
    let train = std::fs::read_to_string(corpus("train.jsonl")).unwrap();
    let trained: std::collections::HashSet<String> = train
        .lines()
        .filter_map(|l| serde_json::from_str::<eval::Labelled>(l).ok())
        .chain(voices)
        .map(|l| l.text.trim().to_owned())
        .collect();
    assert!(data.iter().all(|l| !trained.contains(l.text.trim())));
}

#[test]
fn frozen_split_covers_categories_languages_and_districts() {
    let data = eval::read_labelled(&corpus("test.jsonl")).unwrap();
    for category in crate::linear::CATEGORIES {
        let of: Vec<_> = data.iter().filter(|l| l.category() == Some(category)).collect();
        assert!(of.len() >= 40, "{}: {}", category.slug(), of.len());
        for lang in ["hi", "en", "hi-Latn"] {
            assert!(of.iter().any(|l| l.language.as_deref() == Some(lang)), "{} lacks {lang}", category.slug());
        }
    }
    let districts: std::collections::HashSet<_> = data.iter().filter_map(|l| l.district.as_deref()).collect();
    assert!(districts.len() >= 25, "{} districts", districts.len());
    // Never trained on: no frozen post appears in the training corpus.
    let train = std::fs::read_to_string(corpus("train.jsonl")).unwrap();
    let train: std::collections::HashSet<_> =
        train.lines().filter_map(|l| serde_json::from_str::<eval::Labelled>(l).ok()).map(|l| l.text).collect();
    assert!(data.iter().all(|l| !train.contains(&l.text)));
}

#[test]
fn what_the_cross_service_tests_rely_on() {
    let d = classify("@PoliceRajasthan बाड़मेर में मेरी बाइक चोरी हो गई");
    assert_eq!((d.category, d.unit.as_str()), (Category::Complaint, "barmer"));
    assert_eq!(classify("@PoliceRajasthan श्रीगंगानगर में अवैध शराब बिक रही है").unit, "sri-ganganagar");
    let d = classify("@PoliceRajasthan how do I get a character certificate?");
    assert_eq!((d.category, d.unit.as_str(), d.district.as_deref()), (Category::Query, "hq", None));
    let d = classify("Good morning");
    assert_eq!((d.category, d.urgency), (Category::Other, Urgency::Low));
    assert_eq!(classify("@SP_Balotra Jodhpur se aate waqt mobile chori").unit, "balotra");
    for text in ["my wallet was stolen", "online fraud, money deducted", "loud DJ noise all night", "बाड़मेर में अवैध खनन"]
    {
        assert_ne!(classify(&format!("@PoliceRajasthan {text}")).category, Category::Other, "{text}");
    }
}

#[test]
fn decisions_explain_themselves_and_record_the_model() {
    let d = classify("@SP_Balotra bhai mere ghar ke paas firing ho rahi hai jaldi aao");
    assert_eq!((d.category, d.urgency), (Category::Emergency, Urgency::Critical));
    assert_eq!(d.reasons[0], "account:@SP_Balotra→balotra");
    assert!(d.reasons.iter().any(|r| r.ends_with("→emergency")), "{:?}", d.reasons);
    assert_eq!(d.reasons.last().map(String::as_str), Some("lang:hi-Latn"));
    assert!((0.3..=0.99).contains(&d.confidence));
}

#[test]
fn personal_data_is_spanned_and_never_in_reasons() {
    let text = "@PoliceRajasthan mera number 9829012345, UPI ramesh.k@okaxis, bike RJ14CA1234 chori Jaipur me";
    let d = classify(text);
    let kinds: Vec<&str> = d.pii.iter().map(|s| s.kind.slug()).collect();
    assert_eq!(kinds, ["phone", "upi", "vehicle"]);
    assert_eq!(&text[d.pii[0].start..d.pii[0].end], "9829012345");
    let all = d.reasons.join(" ");
    assert!(!all.contains("9829") && !all.contains("ramesh") && !all.contains("1234"), "{all}");
}

#[test]
fn a_rumour_in_either_script_links_to_the_library_claim() {
    let hi = classify("@PoliceRajasthan क्या यह सच है? भीलवाड़ा में बच्चा चोर गिरोह घूम रहा है, बच्चों को अकेला न छोड़ें");
    assert_eq!(hi.category, Category::Misinformation);
    let latn = classify(
        "@PoliceRajasthan kya ye sach hai bhilwara me bachcha chor giroh ghoom raha hai bachcho ko akela na chhode",
    );
    assert_eq!(hi.rumour.as_ref().map(|r| r.claim.as_str()), Some("claim-0001"), "{hi:?}");
    assert_eq!(latn.rumour.map(|r| r.claim), Some("claim-0001".to_owned()));
    assert!(classify("@PoliceRajasthan meri bike chori ho gayi").rumour.is_none());
}
