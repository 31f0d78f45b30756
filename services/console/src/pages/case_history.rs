//! A case's history on its page: the events from `Metrics.CaseTimeline`,
//! each with what it changed, in the interface language.

use chrono_tz::Tz;
use maud::{Markup, html};
use tvarit_proto::v1::{CaseTimelineResponse, TimelineEvent};

use crate::format;
use crate::i18n::Lang;

/// A case's events in order, each with what it changed: where an
/// escalation went and why (the person's reason), a relabel's old and new
/// label, an approval's note.
pub fn section(l: Lang, zone: Tz, t: &CaseTimelineResponse) -> Markup {
    html! {
        section class="history card" aria-labelledby="hist-h" {
            h2 id="hist-h" { (l.t("case.history")) }
            ol {
                @for e in &t.events {
                    li class={ "event ev-" (e.kind) } {
                        time { (format::clock(l, zone, &e.at)) }
                        " "
                        strong { (l.event(&e.kind)) }
                        (event_detail(l, e))
                        " "
                        span class="muted" {
                            (l.t("history.by")) " "
                            @if e.actor == "system" { (l.t("event.system")) } @else { (e.actor) }
                        }
                    }
                }
            }
        }
    }
}

/// ` → nodal officer: “viral, needs the SP”`, ` Complaint → Emergency, Normal → Critical`.
fn event_detail(l: Lang, e: &TimelineEvent) -> Markup {
    let mut changes = Vec::new();
    if let Some(r) = &e.relabel {
        if r.from_category != r.to_category {
            changes.push(format!("{} → {}", l.category(r.from_category()), l.category(r.to_category())));
        }
        if r.from_urgency != r.to_urgency {
            changes.push(format!("{} → {}", l.urgency(r.from_urgency()), l.urgency(r.to_urgency())));
        }
    }
    html! {
        @if !e.escalated_to.is_empty() { " " span class="to" { "→ " (l.target(&e.escalated_to)) } }
        @if !changes.is_empty() { " " span class="relabel" { (changes.join(", ")) } }
        @if !e.note.is_empty() { ": " q class="note" { (e.note) } }
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::{Category, Urgency};

    use super::*;

    #[test]
    fn the_history_says_where_an_escalation_went_why_and_what_a_relabel_changed() {
        let escalated = TimelineEvent {
            kind: "escalated".into(),
            actor: "ravi".into(),
            escalated_to: "nodal officer".into(),
            note: "viral <video>".into(),
            ..Default::default()
        };
        let t = CaseTimelineResponse { events: vec![escalated], ..Default::default() };
        let html = section(Lang::Hi, chrono_tz::Asia::Kolkata, &t).into_string();
        assert!(html.contains("आगे भेजा गया") && html.contains("→ नोडल अधिकारी"), "{html}");
        assert!(html.contains("viral &lt;video&gt;"), "{html}");
        let relabel = tvarit_proto::v1::Relabel {
            from_category: Category::Complaint as i32,
            to_category: Category::Emergency as i32,
            from_urgency: Urgency::Normal as i32,
            to_urgency: Urgency::Critical as i32,
        };
        let e = TimelineEvent { kind: "relabelled".into(), relabel: Some(relabel), ..Default::default() };
        assert_eq!(
            event_detail(Lang::En, &e).into_string(),
            r#" <span class="relabel">Complaint → Emergency, Normal → Critical</span>"#
        );
    }
}
