//! One queue row, the same markup for the page and for live updates, and
//! the queue's order: on supervision, replies waiting for approval first;
//! then emergencies and critical cases pinned on top, most urgent first;
//! then the rest; each group by the nearest breach. The page sorts by
//! [`rank`], and the script by the same number (`data-rank`), so the two
//! orders always agree.

use std::fmt::Write;

use maud::{Markup, html};
use tvarit_proto::v1::{Case, PiiSpan};
use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use crate::alarm::{self, Ack};
use crate::format::{self, millis};
use crate::html::esc;
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
pub fn state_cell(lang: Lang, registry: &Registry, c: &Case, watching: Option<&str>) -> String {
    let mut out = format!("{}", esc(lang.state(c.state())));
    if !c.claimed_by.is_empty() {
        let _ = write!(out, r#"<br><small>{} {}</small>"#, lang.t("claimed_by"), esc(&c.claimed_by));
    }
    if !c.acknowledged_by.is_empty() && c.claimed_by.is_empty() {
        let _ = write!(out, r#"<br><small>{} {}</small>"#, lang.t("acknowledged_by"), esc(&c.acknowledged_by));
    }
    if handed_to_hq(c) {
        let text = if watching == Some(HQ) {
            lang.t("handed.from").replace("{unit}", &unit_name(registry, lang, &c.unit))
        } else {
            lang.t("handed.to_hq").to_owned()
        };
        let _ = write!(out, r#"<br><small class="handed">{}</small>"#, esc(&text));
    }
    // The handoff itself is said above; a rung climbed (here or at HQ) is said here.
    if c.escalation_level > 0 && c.escalated_to != HQ {
        let to = lang.target(&c.escalated_to);
        let _ = write!(out, r#"<br><small class="esc">{} {}</small>"#, lang.t("escalated_to"), esc(&to));
    }
    if !c.reply_status.is_empty() {
        let class = if c.reply_status == "failed" { "reply-failed" } else { "reply" };
        let _ = write!(out, r#"<br><small class="{class}">{}</small>"#, esc(lang.reply_status(&c.reply_status)));
    }
    out
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
pub fn row(lang: Lang, registry: &Registry, c: &Case, now_ms: i64, shown: Shown<'_>) -> String {
    let ack = shown.ack;
    let (sla_class, sla_text) = format::sla(c, now_ms, lang);
    let cl = c.classification.clone().unwrap_or_default();
    let pin = pinned(c);
    let created = millis(&c.post.as_ref().and_then(|p| p.created_at)).or_else(|| millis(&c.opened_at));
    let attr = |v: Option<i64>| v.map_or_else(String::new, |v| v.to_string());
    let district = if cl.district.is_empty() { &c.unit } else { &cl.district };
    let text_lang = if cl.language == "hi" || cl.language == "mixed" { "hi" } else { "en" };
    let ack_html = ack.filter(|_| c.alarm).map_or_else(String::new, |a| alarm::ack_form(lang, &c.docket, a, None));
    let mut out = String::with_capacity(1024);
    let _ = write!(
        out,
        r#"<tr id="case-{d}" class="case sla-{sla_class}{pin_class}{ring_class}" data-docket="{d}" data-rank="{rank}" data-goal="{goal}" data-breach="{breach}" data-created="{created}"{alarm}>"#,
        d = esc(&c.docket),
        pin_class = if pin { " pinned" } else { "" },
        ring_class = if c.alarm { " ringing" } else { "" },
        alarm = alarm::attrs(lang, registry, c),
        rank = rank(c, shown.view),
        goal = attr(millis(&c.goal_at)),
        breach = attr(millis(&c.breach_at)),
        created = attr(created),
    );
    let _ = write!(
        out,
        r#"<td class="sla" data-label="{l_sla}"><span class="sla-text">{sla}</span></td><td class="docket" data-label="{l_docket}"><a href="/cases/{d}">{pin_mark}{d}</a></td><td data-label="{l_cat}"><span class="badge cat-{cat_slug}">{cat}</span>{review}</td><td data-label="{l_urg}"><span class="urg urg-{urg_slug}">{urg}</span></td><td data-label="{l_lang}">{post_lang}</td><td data-label="{l_district}">{district}</td><td class="age" data-label="{l_age}">{age}</td><td class="state" data-label="{l_state}">{state}</td><td class="excerpt" data-label="{l_post}"><span lang="{text_lang}">{text}</span></td></tr>"#,
        l_sla = lang.t("col.sla"),
        sla = esc(&sla_text),
        l_docket = lang.t("col.docket"),
        d = esc(&c.docket),
        pin_mark = if pin { r#"<span class="pin" aria-hidden="true">⚠ </span>"# } else { "" },
        l_cat = lang.t("col.category"),
        cat_slug = c.category().slug(),
        cat = lang.category(c.category()),
        // The classifier was unsure: a person should confirm the label.
        review = if cl.needs_review {
            format!(r#" <span class="badge review" title="{t}">?</span>"#, t = lang.t("review.badge"))
        } else {
            String::new()
        },
        l_urg = lang.t("col.urgency"),
        urg_slug = c.urgency().slug(),
        urg = lang.urgency(c.urgency()),
        l_lang = lang.t("col.language"),
        post_lang = lang.post_language(&cl.language),
        l_district = lang.t("col.district"),
        district = esc(&unit_name(registry, lang, district)),
        l_age = lang.t("col.age"),
        age = age(c, now_ms),
        l_state = lang.t("col.state"),
        state = state_cell(lang, registry, c, Some(shown.unit)) + &ack_html,
        l_post = lang.t("col.post"),
        text = esc(&excerpt(&masked_text(c), 140)),
    );
    out
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
        assert!(state_cell(Lang::En, &r, &c, Some("hq")).contains("handed over from Balotra"));
        assert!(state_cell(Lang::Hi, &r, &c, Some("balotra")).contains("मुख्यालय को सौंपा गया"));
        let climbed = Case { escalation_level: 1, escalated_to: "hq/shift supervisor".into(), ..c };
        assert!(state_cell(Lang::Hi, &r, &climbed, Some("hq")).contains("मुख्यालय शिफ्ट पर्यवेक्षक"));
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
        let html = row(Lang::En, &Registry::rajasthan(), &c, 0, shown);
        assert!(html.contains("&lt;b&gt;help&lt;/b&gt; call [phone]"), "{html}");
        assert!(!html.contains("9829012345"));
        assert!(html.contains("pinned") && html.contains(r#"href="/cases/BLT-2611-00001""#));
        assert!(!html.contains("style="), "no inline styles under the CSP");
    }
}
