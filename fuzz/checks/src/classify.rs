//! Classify's boundaries: the classifier over any text (personal data,
//! gazetteer routing, rumours), batch mode's JSONL, a model file
//! (`TVARIT_CLASSIFY_MODEL`), a registry file (`TVARIT_REGISTRY_FILE`, which
//! also builds the gazetteer), and the protobuf messages the consumers
//! decode from NATS (`Post`, `ClassifiedPost`, `CaseEvent`).
//!
//! Compiled into `tvarit-fuzz-checks` (for `cargo fuzz`) and into
//! `services/classify/tests/fuzz_corpus.rs` (to replay the corpus on stable),
//! so it may use only `tvarit-classify` and its dependencies.

use std::sync::OnceLock;

use prost::Message;
use tvarit_classify::classifier::{Classifier, Decision, PostInput};
use tvarit_classify::gazetteer::{Gazetteer, Route};
use tvarit_classify::linear::Model;
use tvarit_classify::pii;
use tvarit_classify::triage::Triage;
use tvarit_proto::v1::{CaseEvent, ClassifiedPost, Post};
use tvarit_proto::{Category, Urgency};
use tvarit_registry::{Registry, UnitKind};

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::rajasthan)
}

pub fn triage() -> &'static Triage {
    static TRIAGE: OnceLock<Triage> = OnceLock::new();
    TRIAGE.get_or_init(|| Triage::new(registry().clone()))
}

/// Personal-data spans: inside the text, on character boundaries, in order
/// and not overlapping; masking keeps every offset.
pub fn assert_spans(text: &str, spans: &[pii::PiiSpan]) {
    let mut last = 0;
    for s in spans {
        assert!(s.start < s.end && s.end <= text.len(), "span {s:?} outside {} bytes", text.len());
        assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "span {s:?} splits a character");
        assert!(s.start >= last, "spans overlap or are out of order: {spans:?}");
        last = s.end;
    }
    let masked = pii::mask(text, spans.iter().map(pii::PiiSpan::parts), pii::Cover::Blank);
    assert_eq!(masked.len(), text.len(), "masking moved offsets");
    for s in spans {
        assert!(masked[s.start..s.end].bytes().all(|b| b == b' '), "span {s:?} left unmasked");
    }
}

/// What every decision must satisfy, whatever the post.
pub fn assert_decision(d: &Decision, post: PostInput<'_>, registry: &Registry) {
    assert!(d.confidence.is_finite() && (0.0..=1.0).contains(&d.confidence), "confidence {}", d.confidence);
    let unit = registry.unit(&d.unit).unwrap_or_else(|| panic!("unknown unit {:?}", d.unit));
    assert_eq!(d.district.is_some(), unit.kind == UnitKind::District);
    if let Some(district) = &d.district {
        assert_eq!(district, &d.unit);
    }
    assert!(d.category != Category::Unspecified && d.urgency != Urgency::Unspecified);
    if d.urgency == Urgency::Critical {
        assert_eq!(d.category, Category::Emergency);
    }
    assert!(!d.reasons.is_empty());
    if let Some(r) = &d.rumour {
        assert!(r.similarity.is_finite() && (0.0..=1.0).contains(&r.similarity), "rumour {r:?}");
    }
    assert_spans(post.text, &d.pii);
    // A district account keeps its posts (README: routing).
    if let Some(a) = registry.addressed_account(post.mentions.iter().map(String::as_str))
        && registry.unit(&a.unit).is_some_and(|u| u.kind == UnitKind::District)
    {
        assert_eq!(d.unit, a.unit, "a post to {} left its district", a.handle);
    }
}

/// The first line is the post's mentions (space-separated), the rest its
/// text. Bytes that are not UTF-8 go through batch mode, which must answer
/// every line with a decision or an error.
pub fn classifier(data: &[u8]) {
    let Ok(all) = std::str::from_utf8(data) else {
        let mut out = Vec::new();
        let lines = tvarit_classify::batch::run(data, &mut out, triage()).expect("writing to memory");
        let out = String::from_utf8(out).expect("batch writes UTF-8");
        assert_eq!(out.lines().count() as u64, lines);
        for l in out.lines() {
            serde_json::from_str::<serde_json::Value>(l).expect("batch writes JSON lines");
        }
        return;
    };
    let (first, text) = all.split_once('\n').unwrap_or(("", all));
    let mentions: Vec<String> = first.split_whitespace().map(str::to_owned).collect();
    let post = PostInput { text, mentions: &mentions, platform: "x" };
    let d = triage().classify(post);
    assert_decision(&d, post, registry());
    // Deterministic: the same post, the same decision (rumours aside: they learn).
    let again = triage().classify(post);
    assert_eq!((again.category, again.unit, again.pii), (d.category, d.unit.clone(), d.pii.clone()));
    assert_spans(all, &pii::detect(all));
}

/// A model file: refused with a reason, or a model whose decisions keep
/// every property.
pub fn model_file(data: &[u8]) {
    let Ok(model) = Model::from_bytes(data) else { return };
    assert!(model.header.scale.is_finite(), "scale {}", model.header.scale);
    assert!(model.weights.iter().flatten().all(|w| w.is_finite()));
    let t = Triage::with_model(registry().clone(), Some(model));
    let mentions = vec!["@PoliceRajasthan".to_owned()];
    for text in ["मेरी बाइक चोरी हो गई जयपुर में", "thank you police", "accident NH 68 barmer, help!", ""]
    {
        let post = PostInput { text, mentions: &mentions, platform: "x" };
        assert_decision(&t.classify(post), post, registry());
    }
}

/// A registry file: refused with a reason, or one whose units, accounts,
/// policies and gazetteer all hold together.
pub fn registry_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(reg) = Registry::from_toml(text) else { return };
    assert!(reg.unit("hq").is_some());
    for u in reg.units() {
        let sla = reg.sla(&u.slug).expect("every unit has a policy");
        assert!(0 < sla.goal_seconds && sla.goal_seconds <= sla.breach_seconds);
    }
    for a in reg.accounts() {
        assert!(reg.unit(&a.unit).is_some());
        assert!(reg.account(&a.handle).is_some(), "account {:?} cannot be found by its handle", a.handle);
        let addressed = reg.addressed_account([a.handle.as_str()]).expect("an account addresses itself");
        assert_eq!(addressed.unit, a.unit);
    }
    let g = Gazetteer::new(&reg);
    let names: Vec<String> =
        reg.units().iter().flat_map(|u| [u.name.clone(), u.name_hi.clone(), u.slug.clone()]).collect();
    let tokens: Vec<&str> = names.iter().map(String::as_str).collect();
    let keys: Vec<String> = tokens.iter().map(|t| tvarit_classify::translit::key(t)).collect();
    for n in 0..tokens.len().min(8) {
        if let Route::District { slug, .. } = g.route(&tokens[n..n + 1], &keys[n..n + 1]) {
            assert!(reg.unit(slug).is_some_and(|u| u.kind == UnitKind::District), "routed to {slug:?}");
        }
    }
    let _ = g.route(&tokens, &keys);
}

/// NATS payloads as the consumers decode them; the first byte picks the
/// message. What decodes is used as the consumers use it.
pub fn bus_decode(data: &[u8]) {
    let Some((&which, payload)) = data.split_first() else { return };
    let millis = |t: &Option<prost_types::Timestamp>| {
        t.as_ref().map(|t| {
            let ms = tvarit_proto::time::to_millis(t);
            let _ = chrono::DateTime::from_timestamp_millis(ms);
        })
    };
    match which % 3 {
        0 => {
            // classify's pipeline: classify the post as it came.
            let Ok(post) = Post::decode(payload) else { return };
            assert_eq!(Post::decode(post.encode_to_vec().as_slice()).unwrap(), post);
            millis(&post.created_at);
            millis(&post.received_at);
            let input = PostInput { text: &post.text, mentions: &post.mentions, platform: &post.platform };
            assert_decision(&triage().classify(input), input, registry());
        }
        1 => {
            // reply's intake: a classified post and its spans, which may be anything.
            let Ok(cp) = ClassifiedPost::decode(payload) else { return };
            let text = cp.post.as_ref().map_or("", |p| p.text.as_str());
            for s in cp.classification.iter().flat_map(|c| &c.pii) {
                let _ = text.get(s.start as usize..s.end as usize);
            }
            millis(&cp.post.as_ref().and_then(|p| p.created_at));
        }
        _ => {
            // classify's label feedback and metrics: a case event and its times.
            let Ok(e) = CaseEvent::decode(payload) else { return };
            millis(&e.at);
            let _ = e.kind();
            if let Some(case) = &e.case {
                let _ = (case.category(), case.urgency(), case.state());
                millis(&case.opened_at);
                millis(&case.first_reply_at);
                millis(&case.closed_at);
            }
        }
    }
}
