//! One queue row, the same markup for the page and for live updates, and
//! the queue's order: on supervision, replies waiting for approval first;
//! then emergencies and critical cases pinned on top, most urgent first;
//! then the rest; each group by the nearest breach. The page sorts by
//! [`rank`], and the script by the same number (`data-rank`), so the two
//! orders always agree.

use maud::{Markup, html};
use tvarit_proto::v1::{Case, PiiSpan};
use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use crate::alarm::{self, Ack};
use crate::format::{self, millis};
use crate::i18n::Lang;
use crate::live::View;

/// Emergencies and critical cases are pinned above everything else.
pub fn pinned(c: &Case) -> bool {
    c.category() == Category::Emergency || c.urgency() == Urgency::Critical
}

/// A case's group in `view`, lower first: a reply waiting for a supervisor
/// (on supervision only) 0–4, else 10–14; within each, pinned cases by
/// urgency (critical 0, high 1, ...) before the rest (4). A critical case
/// never sits under high ones, whichever breaches first.
pub fn rank(c: &Case, view: View) -> u8 {
    let within = if pinned(c) {
        match c.urgency() {
            Urgency::Critical => 0,
            Urgency::High => 1,
            Urgency::Normal => 2,
            Urgency::Low | Urgency::Unspecified => 3,
        }
    } else {
        4
    };
    let approval = view == View::Supervise && c.reply_status == "awaiting_approval";
    if approval { within } else { 10 + within }
}

pub fn sort(cases: &mut [Case], view: View) {
    cases.sort_by_key(|c| (rank(c, view), millis(&c.breach_at).unwrap_or(i64::MAX), c.docket.clone()));
}

/// The state desk.
pub const HQ: &str = "hq";

/// A district case handed to HQ: out of its shift (`escalated_to = "hq"`),
/// and the ladder's rungs at HQ after that (`"hq/<rung>"`); docs/sla.md.
/// tvarit-reply puts these in HQ's queue.
pub fn handed_to_hq(c: &Case) -> bool {
    c.unit != HQ && (c.escalated_to == HQ || c.escalated_to.starts_with("hq/"))
}

/// Whether a case belongs in the view of `unit`: its own cases, and for HQ
/// the cases handed to it.
pub fn in_unit(c: &Case, unit: &str) -> bool {
    c.unit == unit || (unit == HQ && handed_to_hq(c))
}

/// A unit's name in the interface language.
pub fn unit_name(registry: &Registry, lang: Lang, slug: &str) -> String {
    match registry.unit(slug) {
        Some(u) if lang == Lang::Hi && !u.name_hi.is_empty() => u.name_hi.clone(),
        Some(u) => u.name.clone(),
        None => slug.to_owned(),
    }
}

/// The post's text with personal data masked.
pub fn masked_text(c: &Case) -> String {
    let text = c.post.as_ref().map_or("", |p| p.text.as_str());
    let spans = c.classification.as_ref().map_or(&[][..], |cl| cl.pii.as_slice());
    mask_pii(text, spans)
}

/// `text` with the classifier's personal-data spans replaced by `[kind]`:
/// operators answer publicly and must not copy a phone number into a reply.
pub fn mask_pii(text: &str, spans: &[PiiSpan]) -> String {
    let spans = spans.iter().map(|s| (s.start as usize, s.end as usize, s.kind.as_str()));
    tvarit_pii::mask(text, spans, tvarit_pii::Cover::Label)
}

pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().count() > chars {
        out.push('…');
    }
    out.replace('\n', " ")
}

pub fn age(c: &Case, now_ms: i64) -> String {
    let created = millis(&c.post.as_ref().and_then(|p| p.created_at)).or_else(|| millis(&c.opened_at));
    created.map_or_else(|| "–".into(), |t| format::span(((now_ms - t) / 1000).max(0)))
}

/// The state cell: state, holder, escalation and reply delivery. `watching`:
/// the unit whose queue shows it, which words a handoff ("handed over from
/// Balotra" in HQ's queue, "to HQ" elsewhere).
pub fn state_cell(lang: Lang, registry: &Registry, c: &Case, watching: Option<&str>) -> Markup {
    let handed = handed_to_hq(c).then(|| {
        if watching == Some(HQ) {
            lang.t("handed.from").replace("{unit}", &unit_name(registry, lang, &c.unit))
        } else {
            lang.t("handed.to_hq").to_owned()
        }
    });
    html! {
        (lang.state(c.state()))
        @if !c.claimed_by.is_empty() { br; small { (lang.t("claimed_by")) " " (c.claimed_by) } }
        @if !c.acknowledged_by.is_empty() && c.claimed_by.is_empty() {
            br; small { (lang.t("acknowledged_by")) " " (c.acknowledged_by) }
        }
        @if let Some(text) = handed { br; small class="handed" { (text) } }
        // The handoff itself is said above; a rung climbed (here or at HQ) is said here.
        @if c.escalation_level > 0 && c.escalated_to != HQ {
            br; small class="esc" { (lang.t("escalated_to")) " " (lang.target(&c.escalated_to)) }
        }
        @if !c.reply_status.is_empty() {
            br;
            small class=(if c.reply_status == "failed" { "reply-failed" } else { "reply" }) {
                (lang.reply_status(&c.reply_status))
            }
        }
    }
}

/// What a row is rendered for: the page's view and unit, and where an
/// Acknowledge button on a ringing case comes back to (none: no button).
#[derive(Clone, Copy)]
pub struct Shown<'a> {
    pub view: View,
    pub unit: &'a str,
    pub ack: Option<Ack<'a>>,
}

/// One queue row.
pub fn row(lang: Lang, registry: &Registry, c: &Case, now_ms: i64, shown: Shown<'_>) -> Markup {
    let (sla_class, sla_text) = format::sla(c, now_ms, lang);
    let cl = c.classification.clone().unwrap_or_default();
    let pin = pinned(c);
    let created = millis(&c.post.as_ref().and_then(|p| p.created_at)).or_else(|| millis(&c.opened_at));
    let attr = |v: Option<i64>| v.map_or_else(String::new, |v| v.to_string());
    let district = if cl.district.is_empty() { &c.unit } else { &cl.district };
    let text_lang = if cl.language == "hi" || cl.language == "mixed" { "hi" } else { "en" };
    let alert = alarm::ringing(lang, registry, c);
    let d = &c.docket;
    html! {
        tr id={ "case-" (d) } class={ "case sla-" (sla_class) @if pin { " pinned" } @if c.alarm { " ringing" } }
            data-docket=(d) data-rank=(rank(c, shown.view)) data-goal=(attr(millis(&c.goal_at)))
            data-breach=(attr(millis(&c.breach_at))) data-created=(attr(created))
            data-alarm=[alert.as_ref().map(|_| "1")] data-alert-title=[alert.as_ref().map(|n| &n.title)]
            data-alert-body=[alert.as_ref().map(|n| &n.body)] {
            td class="sla" data-label=(lang.t("col.sla")) { span class="sla-text" { (sla_text) } }
            td class="docket" data-label=(lang.t("col.docket")) {
                a href={ "/cases/" (d) } { @if pin { span class="pin" aria-hidden="true" { "⚠ " } } (d) }
            }
            td data-label=(lang.t("col.category")) {
                span class={ "badge cat-" (c.category().slug()) } { (lang.category(c.category())) }
                // The classifier was unsure: a person should confirm the label.
                @if cl.needs_review { " " span class="badge review" title=(lang.t("review.badge")) { "?" } }
            }
            td data-label=(lang.t("col.urgency")) {
                span class={ "urg urg-" (c.urgency().slug()) } { (lang.urgency(c.urgency())) }
            }
            td data-label=(lang.t("col.language")) { (lang.post_language(&cl.language)) }
            td data-label=(lang.t("col.district")) { (unit_name(registry, lang, district)) }
            td class="age" data-label=(lang.t("col.age")) { (age(c, now_ms)) }
            td class="state" data-label=(lang.t("col.state")) {
                (state_cell(lang, registry, c, Some(shown.unit)))
                @if let Some(ack) = shown.ack.filter(|_| c.alarm) { (alarm::ack_form(lang, d, ack, None)) }
            }
            td class="excerpt" data-label=(lang.t("col.post")) { span lang=(text_lang) { (excerpt(&masked_text(c), 140)) } }
        }
    }
}

/// The table head and the strings the script needs to keep countdowns
/// running in the interface language.
pub fn table(lang: Lang, id: &str, body: Markup) -> Markup {
    const COLUMNS: [&str; 9] = [
        "col.sla",
        "col.docket",
        "col.category",
        "col.urgency",
        "col.language",
        "col.district",
        "col.age",
        "col.state",
        "col.post",
    ];
    html! {
        table class="queue" id=(id) data-t-goal=(lang.t("sla.goal_in")) data-t-breach=(lang.t("sla.breach_in"))
            data-t-breached=(lang.t("sla.breached")) data-t-answered=(lang.t("sla.answered")) {
            thead { tr { @for key in COLUMNS { th scope="col" { (lang.t(key)) } } } }
            tbody { (body) }
        }
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::CaseState;
    use tvarit_proto::time::from_millis;
    use tvarit_proto::v1::{Classification, PiiSpan, Post};

    use super::*;

    fn case(docket: &str, category: Category, breach: Option<i64>) -> Case {
        Case {
            docket: docket.into(),
            unit: "balotra".into(),
            category: category as i32,
            urgency: Urgency::Normal as i32,
            breach_at: breach.map(from_millis),
            ..Default::default()
        }
    }

    fn order(cases: &mut [Case], view: View) -> Vec<String> {
        sort(cases, view);
        cases.iter().map(|c| c.docket.clone()).collect()
    }

    #[test]
    fn emergencies_first_then_nearest_breach() {
        let mut cases = vec![
            case("A", Category::Complaint, Some(300)),
            case("B", Category::Complaint, Some(100)),
            case("C", Category::Emergency, Some(900)),
            case("D", Category::Query, None),
        ];
        assert_eq!(order(&mut cases, View::Queue), ["C", "B", "A", "D"]);
    }

    #[test]
    fn a_critical_case_is_never_under_high_ones() {
        let urgent =
            |d: &str, u: Urgency, breach: i64| Case { urgency: u as i32, ..case(d, Category::Emergency, Some(breach)) };
        let mut cases = vec![
            urgent("HIGH-1", Urgency::High, 100),
            urgent("HIGH-2", Urgency::High, 200),
            urgent("CRIT", Urgency::Critical, 900),
            case("PLAIN", Category::Complaint, Some(50)),
        ];
        assert_eq!(order(&mut cases, View::Queue), ["CRIT", "HIGH-1", "HIGH-2", "PLAIN"]);
    }

    #[test]
    fn supervision_puts_waiting_approvals_first() {
        let waiting =
            Case { reply_status: "awaiting_approval".into(), ..case("WAIT", Category::Sensitive, Some(9000)) };
        let escalated = Case { escalation_level: 1, ..case("ESC", Category::Emergency, Some(10)) };
        let mut cases = vec![escalated.clone(), waiting.clone()];
        assert_eq!(order(&mut cases, View::Supervise), ["WAIT", "ESC"]);
        assert_eq!(order(&mut cases, View::Queue), ["ESC", "WAIT"], "the queue keeps emergencies first");
    }

    #[test]
    fn hq_sees_where_a_handed_over_case_came_from() {
        let r = Registry::rajasthan();
        let c = Case {
            escalated_to: "hq".into(),
            state: CaseState::Open as i32,
            ..case("BLT-1", Category::Complaint, None)
        };
        assert!(handed_to_hq(&c) && in_unit(&c, "hq") && in_unit(&c, "balotra") && !in_unit(&c, "jaipur"));
        assert!(state_cell(Lang::En, &r, &c, Some("hq")).into_string().contains("handed over from Balotra"));
        assert!(state_cell(Lang::Hi, &r, &c, Some("balotra")).into_string().contains("मुख्यालय को सौंपा गया"));
        let climbed = Case { escalation_level: 1, escalated_to: "hq/shift supervisor".into(), ..c };
        assert!(state_cell(Lang::Hi, &r, &climbed, Some("hq")).into_string().contains("मुख्यालय शिफ्ट पर्यवेक्षक"));
        let own = Case { unit: "hq".into(), escalated_to: "hq".into(), ..climbed };
        assert!(!handed_to_hq(&own), "HQ's own case is not handed over");
    }

    #[test]
    fn a_row_escapes_the_post_and_masks_personal_data() {
        let text = "<b>help</b> call 9829012345";
        let start = text.find('9').unwrap() as u32;
        let mut c = case("BLT-2611-00001", Category::Emergency, Some(1));
        c.post = Some(Post { text: text.into(), ..Default::default() });
        c.classification = Some(Classification {
            pii: vec![PiiSpan { kind: "phone".into(), start, end: start + 10 }],
            ..Default::default()
        });
        let shown = Shown { view: View::Queue, unit: "balotra", ack: None };
        let html = row(Lang::En, &Registry::rajasthan(), &c, 0, shown).into_string();
        assert!(html.contains("&lt;b&gt;help&lt;/b&gt; call [phone]"), "{html}");
        assert!(!html.contains("9829012345"));
        assert!(html.contains("pinned") && html.contains(r#"href="/cases/BLT-2611-00001""#));
        assert!(!html.contains("style="), "no inline styles under the CSP");
    }
}
