//! One queue row, the same markup for the page and for live updates, and
//! the queue's order: emergencies pinned on top, then the nearest breach.

use std::fmt::Write;

use tvarit_proto::v1::Case;
use tvarit_proto::{Category, Urgency};
use tvarit_registry::Registry;

use crate::alarm::{self, Ack};
use crate::format::{self, millis};
use crate::html::esc;
use crate::i18n::Lang;
use crate::pii;

/// Emergencies and critical cases are pinned above everything else.
pub fn pinned(c: &Case) -> bool {
    c.category() == Category::Emergency || c.urgency() == Urgency::Critical
}

pub fn sort(cases: &mut [Case]) {
    cases.sort_by_key(|c| (!pinned(c), millis(&c.breach_at).unwrap_or(i64::MAX), c.docket.clone()));
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
    pii::mask(text, spans)
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

/// The state cell: state, holder, escalation and reply delivery.
pub fn state_cell(lang: Lang, c: &Case) -> String {
    let mut out = format!("{}", esc(lang.state(c.state())));
    if !c.claimed_by.is_empty() {
        let _ = write!(out, r#"<br><small>{} {}</small>"#, lang.t("claimed_by"), esc(&c.claimed_by));
    }
    if !c.acknowledged_by.is_empty() && c.claimed_by.is_empty() {
        let _ = write!(out, r#"<br><small>{} {}</small>"#, lang.t("acknowledged_by"), esc(&c.acknowledged_by));
    }
    if c.escalation_level > 0 {
        let _ = write!(out, r#"<br><small class="esc">{} {}</small>"#, lang.t("escalated_to"), esc(&c.escalated_to));
    }
    if !c.reply_status.is_empty() {
        let class = if c.reply_status == "failed" { "reply-failed" } else { "reply" };
        let _ = write!(out, r#"<br><small class="{class}">{}</small>"#, esc(lang.reply_status(&c.reply_status)));
    }
    out
}

/// One queue row. `ack` puts an Acknowledge button on a ringing case.
pub fn row(lang: Lang, registry: &Registry, c: &Case, now_ms: i64, ack: Option<Ack<'_>>) -> String {
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
        rank = if pin { 0 } else { 1 },
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
        state = state_cell(lang, c) + &ack_html,
        l_post = lang.t("col.post"),
        text = esc(&excerpt(&masked_text(c), 140)),
    );
    out
}

/// The table head and the strings the script needs to keep countdowns
/// running in the interface language.
pub fn table_open(lang: Lang, id: &str) -> String {
    let mut out = format!(
        r#"<table class="queue" id="{id}" data-t-goal="{}" data-t-breach="{}" data-t-breached="{}" data-t-answered="{}"><thead><tr>"#,
        esc(lang.t("sla.goal_in")),
        esc(lang.t("sla.breach_in")),
        esc(lang.t("sla.breached")),
        esc(lang.t("sla.answered")),
    );
    for key in [
        "col.sla",
        "col.docket",
        "col.category",
        "col.urgency",
        "col.language",
        "col.district",
        "col.age",
        "col.state",
        "col.post",
    ] {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, lang.t(key));
    }
    out.push_str("</tr></thead><tbody>");
    out
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn emergencies_first_then_nearest_breach() {
        let mut cases = vec![
            case("A", Category::Complaint, Some(300)),
            case("B", Category::Complaint, Some(100)),
            case("C", Category::Emergency, Some(900)),
            case("D", Category::Query, None),
        ];
        sort(&mut cases);
        let order: Vec<&str> = cases.iter().map(|c| c.docket.as_str()).collect();
        assert_eq!(order, ["C", "B", "A", "D"]);
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
        let html = row(Lang::En, &Registry::rajasthan(), &c, 0, None);
        assert!(html.contains("&lt;b&gt;help&lt;/b&gt; call [phone]"), "{html}");
        assert!(!html.contains("9829012345"));
        assert!(html.contains("pinned") && html.contains(r#"href="/cases/BLT-2611-00001""#));
        assert!(!html.contains("style="), "no inline styles under the CSP");
    }
}
