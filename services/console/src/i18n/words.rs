//! Words the services send, in the interface language: a case's event kinds
//! (`opened`, `sla_breached`, ...), escalation targets (`nodal officer`,
//! `hq/shift supervisor`), the classifier's reasons, and the ranking rule and
//! exclusions tvarit-metrics states. A value with no translation shows as
//! the service sent it, so a new one is never hidden. The translations are
//! in `words.tsv`, but for the metrics sentences, which are in
//! `tvarit_proto::report::STATED_IN_HINDI` (the printed report uses them too).

use super::Lang;

impl Lang {
    /// A case event's kind (`sla_breached`) in words.
    pub fn event(self, kind: &str) -> String {
        self.named("event", kind).unwrap_or_else(|| kind.replace('_', " "))
    }

    /// An escalation target: a rung of the ladder (`nodal officer`), `hq`
    /// (handed to HQ), or `hq/<rung>` (a rung at HQ after a handoff).
    pub fn target(self, to: &str) -> String {
        let rung = |r: &str| self.named("target", r).unwrap_or_else(|| r.to_owned());
        match to.split_once('/') {
            Some(("hq", r)) => format!("{} {}", rung("hq"), rung(r)),
            _ => rung(to),
        }
    }

    /// A sentence tvarit-metrics states (the ranking rule, an exclusion).
    pub fn metrics_text(self, english: &str) -> String {
        match (self, tvarit_proto::report::stated_in_hindi(english)) {
            (Lang::Hi, Some(hi)) => hi.to_owned(),
            _ => english.to_owned(),
        }
    }

    /// `group.value` if it is an interface string.
    pub fn named(self, group: &str, value: &str) -> Option<String> {
        let key = format!("{group}.{value}");
        super::has(&key).then(|| self.t(&key).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_words_are_translated_and_unknown_ones_kept() {
        assert_eq!(Lang::Hi.event("sla_breached"), "समय सीमा पार");
        assert_eq!(Lang::En.event("something_new"), "something new");
        assert_eq!(Lang::Hi.target("nodal officer"), "नोडल अधिकारी");
        assert_eq!(Lang::Hi.target("hq/shift supervisor"), "मुख्यालय शिफ्ट पर्यवेक्षक");
        assert_eq!(Lang::En.target("hq"), "HQ");
        assert_eq!(Lang::Hi.target("DIG range"), "DIG range");
        let rule = tvarit_proto::report::STATED_IN_HINDI[0].0;
        assert!(Lang::Hi.metrics_text(rule).starts_with("जिनके उत्तर"));
        assert_eq!(Lang::Hi.metrics_text("a new rule"), "a new rule");
    }
}
