//! Words the services send, in the interface language: a case's event kinds
//! (`opened`, `sla_breached`, ...), escalation targets (`nodal officer`,
//! `hq/shift supervisor`), the classifier's reasons, and the ranking rule and
//! exclusions tvarit-metrics states. A value with no translation shows as
//! the service sent it, so a new one is never hidden.

use super::Lang;

/// (key, English, Hindi).
pub(super) const STRINGS: &[(&str, &str, &str)] = &[
    ("event.opened", "opened", "मामला खुला"),
    ("event.claimed", "claimed", "लिया गया"),
    ("event.replied", "replied", "उत्तर दिया गया"),
    ("event.closed", "closed", "बंद किया गया"),
    ("event.relabelled", "relabelled", "श्रेणी बदली गई"),
    ("event.reply_queued", "reply queued for the platform", "उत्तर प्लेटफ़ॉर्म के लिए कतार में"),
    ("event.reply_failed", "reply refused by the platform", "प्लेटफ़ॉर्म ने उत्तर अस्वीकार किया"),
    ("event.followed_up", "the author wrote again", "लेखक ने फिर लिखा"),
    ("event.sla_goal_missed", "SLA goal missed", "लक्ष्य समय निकल गया"),
    ("event.sla_breached", "SLA breached", "समय सीमा पार"),
    ("event.escalated", "escalated", "आगे भेजा गया"),
    ("event.reassigned", "reassigned", "सौंपा गया"),
    ("event.approval_requested", "approval requested", "स्वीकृति माँगी गई"),
    ("event.approved", "approval decided", "स्वीकृति पर निर्णय"),
    ("event.action_recorded", "action recorded", "कार्रवाई दर्ज"),
    ("event.acknowledged", "acknowledged", "संज्ञान लिया गया"),
    ("event.released", "released to the queue", "कतार में वापस दिया गया"),
    ("event.reopened", "reopened", "फिर से खोला गया"),
    ("event.system", "system", "सिस्टम"),
    ("target.hq", "HQ", "मुख्यालय"),
    ("target.shift supervisor", "shift supervisor", "शिफ्ट पर्यवेक्षक"),
    ("target.nodal officer", "nodal officer", "नोडल अधिकारी"),
    ("target.SP", "SP", "पुलिस अधीक्षक (SP)"),
    ("reason.account", "Tags {handle}, an account of {unit}", "{handle} को टैग किया ({unit} का खाता)"),
    ("reason.place", "Names {place}: {unit}", "{place} का उल्लेख: {unit}"),
    (
        "reason.place_ambiguous",
        "Names places in more than one district: {unit}",
        "एक से अधिक ज़िलों के स्थानों का उल्लेख: {unit}",
    ),
    ("reason.place_none", "Names no district: {unit}", "किसी ज़िले का उल्लेख नहीं: {unit}"),
    ("reason.keyword", "Keyword “{word}” → {category}", "मुख्य शब्द “{word}” → {category}"),
    ("reason.keyword_none", "No telling keyword → {category}", "कोई निर्णायक शब्द नहीं → {category}"),
    ("reason.word", "Word “{word}” → {category}", "शब्द “{word}” → {category}"),
    ("reason.rule", "Rule: “{word}” makes it {category}", "नियम: “{word}” से {category}"),
    ("reason.punct", "A question mark → {category}", "प्रश्नचिह्न → {category}"),
    ("reason.urgent", "Urgent word “{word}”", "तात्कालिकता का शब्द “{word}”"),
    ("reason.rumour", "Repeats the known claim {claim}", "ज्ञात दावा दोहराता है: {claim}"),
    ("reason.pii", "Personal data: {kinds}", "व्यक्तिगत जानकारी: {kinds}"),
    ("reason.lang", "Language: {language}", "भाषा: {language}"),
    ("reason.unsure", "Unsure: a person should check the label", "अनिश्चित: कोई व्यक्ति श्रेणी जाँचे"),
    ("pii.phone", "phone number", "फ़ोन नंबर"),
    ("pii.aadhaar", "Aadhaar", "आधार"),
    ("pii.vehicle", "vehicle number", "वाहन नंबर"),
    ("pii.upi", "UPI id", "UPI आईडी"),
    ("pii.email", "e-mail", "ई-मेल"),
];

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
