//! The interface in Hindi and English. The language comes from the `lang`
//! cookie (a switch link on every page sets it); Hindi is the default, as
//! district cells work in it.

use tvarit_proto::{CaseState, Category, Urgency};

mod private;
mod publish;
mod search;
mod shift;
mod words;

/// Every interface string: (key, English, Hindi).
fn all() -> impl Iterator<Item = &'static (&'static str, &'static str, &'static str)> {
    STRINGS
        .iter()
        .chain(publish::STRINGS)
        .chain(private::STRINGS)
        .chain(search::STRINGS)
        .chain(shift::STRINGS)
        .chain(words::STRINGS)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Hi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Hi => "hi",
            Lang::En => "en",
        }
    }

    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "hi" => Some(Lang::Hi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Hi => Lang::En,
            Lang::En => Lang::Hi,
        }
    }

    /// The name of the language in itself, for the switch link.
    pub fn own_name(self) -> &'static str {
        match self {
            Lang::Hi => "हिन्दी",
            Lang::En => "English",
        }
    }

    /// The interface string `key`. A missing key shows as itself, and the
    /// unit test below catches it.
    pub fn t(self, key: &str) -> &'static str {
        match all().find(|(k, _, _)| *k == key) {
            Some((_, en, hi)) => match self {
                Lang::En => en,
                Lang::Hi => hi,
            },
            None => {
                debug_assert!(false, "no interface string {key:?}");
                "?"
            }
        }
    }

    /// As [`Lang::t`], with `{zone}` filled with the deployment's time zone
    /// (`IST`).
    pub fn tz(self, key: &str, zone: chrono_tz::Tz) -> String {
        self.t(key).replace("{zone}", &crate::format::zone_name(zone))
    }

    pub fn category(self, c: Category) -> &'static str {
        self.t(match c {
            Category::Emergency => "cat.emergency",
            Category::Complaint => "cat.complaint",
            Category::Misinformation => "cat.misinformation",
            Category::Sensitive => "cat.sensitive",
            Category::Query => "cat.query",
            Category::Appreciation => "cat.appreciation",
            Category::Other => "cat.other",
            Category::Unspecified => "unknown",
        })
    }

    pub fn urgency(self, u: Urgency) -> &'static str {
        self.t(match u {
            Urgency::Critical => "urg.critical",
            Urgency::High => "urg.high",
            Urgency::Normal => "urg.normal",
            Urgency::Low => "urg.low",
            Urgency::Unspecified => "unknown",
        })
    }

    pub fn state(self, s: CaseState) -> &'static str {
        self.t(match s {
            CaseState::Open => "state.open",
            CaseState::InProcess => "state.in_process",
            CaseState::Closed => "state.closed",
            CaseState::NotActionable => "state.not_actionable",
            CaseState::Unspecified => "unknown",
        })
    }

    /// A post's language as the classifier names it ("hi", "hi-Latn", ...).
    pub fn post_language(self, code: &str) -> &'static str {
        self.t(match code {
            "hi" => "postlang.hi",
            "en" => "postlang.en",
            "hi-Latn" => "postlang.hi-Latn",
            "mixed" => "postlang.mixed",
            _ => "unknown",
        })
    }

    /// A reply's delivery ("pending", "sent", "failed", ...).
    pub fn reply_status(self, status: &str) -> &'static str {
        self.t(match status {
            "manual" => "reply.manual",
            "pending" | "sending" => "reply.pending",
            "retrying" => "reply.retrying",
            "sent" => "reply.sent",
            "failed" => "reply.failed",
            "awaiting_approval" => "reply.awaiting_approval",
            "rejected" => "reply.rejected",
            _ => "unknown",
        })
    }
}

/// Whether `key` is an interface string (for values the services name).
pub fn has(key: &str) -> bool {
    all().any(|(k, _, _)| *k == key)
}

/// (key, English, Hindi).
const STRINGS: &[(&str, &str, &str)] = &[
    ("app.name", "Tvarit console", "त्वरित कंसोल"),
    ("unknown", "unknown", "अज्ञात"),
    ("nav.queue", "Queue", "कतार"),
    ("nav.supervise", "Supervise", "पर्यवेक्षण"),
    ("nav.library", "Library", "लाइब्रेरी"),
    ("nav.hq", "HQ overview", "मुख्यालय अवलोकन"),
    ("nav.signout", "Sign out", "साइन आउट"),
    ("nav.skip", "Skip to main content", "मुख्य सामग्री पर जाएँ"),
    ("signin.title", "Sign in", "साइन इन"),
    ("signin.token", "Your operator token", "आपका ऑपरेटर टोकन"),
    (
        "signin.help",
        "Paste the token your supervisor gave you (tvarit-reply operators add prints it).",
        "अपने पर्यवेक्षक से मिला टोकन यहाँ चिपकाएँ (tvarit-reply operators add इसे देता है)।",
    ),
    ("signin.submit", "Sign in", "साइन इन करें"),
    (
        "signin.bad",
        "That token was not accepted. Check it and try again.",
        "यह टोकन स्वीकार नहीं हुआ। जाँच कर फिर से प्रयास करें।",
    ),
    (
        "signin.unavailable",
        "The desk service cannot be reached. Try again in a minute.",
        "डेस्क सेवा से संपर्क नहीं हो पा रहा। एक मिनट बाद प्रयास करें।",
    ),
    ("signed_in_as", "Signed in as", "साइन इन:"),
    ("role.operator", "operator", "ऑपरेटर"),
    ("role.supervisor", "supervisor", "पर्यवेक्षक"),
    ("role.hq", "HQ", "मुख्यालय"),
    ("queue.title", "Live queue", "लाइव कतार"),
    ("queue.unit", "Unit", "इकाई"),
    ("queue.show", "Show", "दिखाएँ"),
    (
        "queue.empty",
        "No open cases. New posts appear here by themselves.",
        "कोई खुला मामला नहीं। नई पोस्ट यहाँ अपने आप आ जाएँगी।",
    ),
    ("queue.live", "Live", "लाइव"),
    ("queue.offline", "Reconnecting…", "फिर से जुड़ रहा है…"),
    ("queue.emergencies", "Emergencies waiting", "प्रतीक्षारत आपात मामले"),
    ("queue.keys", "Keys: j / k move, Enter opens a case.", "कुंजियाँ: j / k ऊपर-नीचे, Enter मामला खोलता है।"),
    ("queue.count", "open cases", "खुले मामले"),
    ("col.sla", "SLA", "समय सीमा"),
    ("col.docket", "Docket", "डॉकेट"),
    ("col.category", "Category", "श्रेणी"),
    ("col.urgency", "Urgency", "तात्कालिकता"),
    ("col.language", "Language", "भाषा"),
    ("col.district", "District", "ज़िला"),
    ("col.age", "Age", "आयु"),
    ("col.state", "State", "स्थिति"),
    ("col.post", "Post", "पोस्ट"),
    ("sla.goal_in", "goal in {t}", "लक्ष्य {t} में"),
    ("sla.breach_in", "breach in {t}", "सीमा {t} में"),
    ("sla.breached", "breached {t} ago", "सीमा {t} पहले पार"),
    ("sla.answered", "answered", "उत्तर दिया"),
    ("cat.emergency", "Emergency", "आपातकाल"),
    ("cat.complaint", "Complaint", "शिकायत"),
    ("cat.misinformation", "Misinformation", "भ्रामक सूचना"),
    ("cat.sensitive", "Sensitive", "संवेदनशील"),
    ("cat.query", "Query", "जानकारी"),
    ("cat.appreciation", "Appreciation", "सराहना"),
    ("cat.other", "Other", "अन्य"),
    ("urg.critical", "Critical", "अति गंभीर"),
    ("urg.high", "High", "उच्च"),
    ("urg.normal", "Normal", "सामान्य"),
    ("urg.low", "Low", "निम्न"),
    ("state.open", "Open", "खुला"),
    ("state.in_process", "In process", "कार्यवाही में"),
    ("state.closed", "Closed", "बंद"),
    ("state.not_actionable", "Not actionable", "कार्रवाई योग्य नहीं"),
    ("postlang.hi", "Hindi", "हिन्दी"),
    ("postlang.en", "English", "अंग्रेज़ी"),
    ("postlang.hi-Latn", "Hinglish", "हिंग्लिश"),
    ("postlang.mixed", "Mixed", "मिश्रित"),
    ("reply.manual", "recorded (send by hand)", "दर्ज (हाथ से भेजें)"),
    ("reply.pending", "sending…", "भेजा जा रहा है…"),
    ("reply.retrying", "retrying…", "फिर से प्रयास…"),
    ("reply.sent", "sent", "भेजा गया"),
    ("reply.failed", "failed", "विफल"),
    ("reply.awaiting_approval", "waiting for a supervisor's approval", "पर्यवेक्षक की स्वीकृति की प्रतीक्षा"),
    ("reply.rejected", "rejected by a supervisor", "पर्यवेक्षक ने अस्वीकार किया"),
    ("claimed_by", "claimed by", "द्वारा लिया गया:"),
    ("acknowledged_by", "acknowledged by", "संज्ञान लिया:"),
    ("alarm.enable", "Enable alerts", "अलर्ट चालू करें"),
    (
        "alarm.enable_help",
        "Browsers play the emergency alarm and show desktop notifications only after a click on the page: press this once (again after a reload, if it comes back).",
        "ब्राउज़र आपात अलार्म की आवाज़ और डेस्कटॉप सूचनाएँ पेज पर एक क्लिक के बाद ही चलाते हैं: इसे एक बार दबाएँ (पेज दोबारा लोड होने पर यह फिर दिखे तो फिर से)।",
    ),
    (
        "alarm.blocked",
        "Desktop notifications are blocked for this site in the browser's settings; the sound and the tab title still ring.",
        "इस साइट के लिए ब्राउज़र की सेटिंग में डेस्कटॉप सूचनाएँ बंद हैं; आवाज़ और टैब का शीर्षक फिर भी अलार्म देंगे।",
    ),
    ("alarm.title", "⚠ {n} emergency", "⚠ {n} आपातकाल"),
    ("alarm.ringing", "ringing, nobody has claimed or acknowledged", "अलार्म बज रहा है, न किसी ने लिया न संज्ञान लिया"),
    ("alarm.notice", "⚠ Emergency {docket}", "⚠ आपातकाल {docket}"),
    ("review.badge", "unsure: check the label", "वर्गीकरण अनिश्चित: लेबल जाँचें"),
    ("alarm.escalated", "{docket} escalated to {to}", "{docket} आगे भेजा गया: {to}"),
    (
        "alarm.case_ringing",
        "This emergency rings for everyone in the unit until someone claims or acknowledges it.",
        "जब तक कोई इसे ले या इसका संज्ञान न ले, यह आपात मामला इकाई में सबके लिए अलार्म बजाता रहेगा।",
    ),
    ("alarm.acknowledge", "Acknowledge", "संज्ञान लें"),
    (
        "alarm.ack_hint",
        "Seen, on it: silences the alarm for everyone without claiming the case.",
        "देख लिया, कार्रवाई जारी: मामला लिए बिना सबके लिए अलार्म बंद करता है।",
    ),
    ("escalated_to", "escalated to", "आगे भेजा गया:"),
    ("handed.from", "handed over from {unit}", "{unit} से सौंपा गया"),
    ("handed.to_hq", "handed over to HQ", "मुख्यालय को सौंपा गया"),
    ("csrf.title", "The form has expired", "फ़ॉर्म की अवधि समाप्त"),
    (
        "csrf.expired",
        "This form no longer matches your session (you signed in again, or the page is old). Go back, reload the page and try again: nothing was changed.",
        "यह फ़ॉर्म अब आपके सत्र से मेल नहीं खाता (आपने फिर से साइन इन किया, या पेज पुराना है)। वापस जाएँ, पेज दोबारा लोड करें और फिर प्रयास करें: कुछ भी बदला नहीं गया।",
    ),
    (
        "csrf.cross_site",
        "A form sent from another site was refused: nothing was changed.",
        "दूसरी साइट से भेजा गया फ़ॉर्म अस्वीकार किया गया: कुछ भी बदला नहीं गया।",
    ),
    ("csrf.too_large", "The form is too large.", "फ़ॉर्म बहुत बड़ा है।"),
    ("supervise.show", "Show", "दिखाएँ"),
    ("supervise.all", "All", "सभी"),
    ("supervise.approvals", "Approvals", "स्वीकृतियाँ"),
    ("supervise.escalations", "Escalations", "आगे भेजे गए"),
    ("history.by", "by", "द्वारा"),
    ("case.title", "Case", "मामला"),
    ("case.back", "Back to the queue", "कतार पर वापस"),
    ("case.post", "The post", "पोस्ट"),
    ("case.author", "Author", "लेखक"),
    ("case.platform", "Platform", "प्लेटफ़ॉर्म"),
    ("case.posted", "Posted", "पोस्ट का समय"),
    ("case.open_on_platform", "Open on the platform", "प्लेटफ़ॉर्म पर खोलें"),
    ("case.links", "Links in the post", "पोस्ट में लिंक"),
    ("case.media", "Photos and videos", "फ़ोटो और वीडियो"),
    ("case.media_photo", "photo", "फ़ोटो"),
    ("case.media_video", "video (still)", "वीडियो (स्थिर चित्र)"),
    ("case.follow_ups", "Follow-up posts by the author in this conversation", "इस बातचीत में लेखक की अगली पोस्ट"),
    ("case.pii_note", "Personal data is masked.", "व्यक्तिगत जानकारी छिपाई गई है।"),
    ("case.why", "Why the classifier decided this", "वर्गीकरण के कारण"),
    ("case.confidence", "Confidence", "विश्वास"),
    ("case.rumour", "Repeats a known claim", "ज्ञात दावे को दोहराता है"),
    ("case.reply", "Reply", "उत्तर"),
    ("case.draft_from", "Suggested from", "सुझाव का स्रोत"),
    ("case.reply_label", "Reply text (in the post's script)", "उत्तर (पोस्ट की लिपि में)"),
    ("case.close_when_sent", "Close the case once the platform has the reply", "प्लेटफ़ॉर्म पर उत्तर पहुँचते ही मामला बंद करें"),
    ("case.send", "Send reply", "उत्तर भेजें"),
    ("case.send_hint", "Ctrl+Enter sends", "Ctrl+Enter से भेजें"),
    ("case.last_reply", "Last reply", "पिछला उत्तर"),
    (
        "case.failed",
        "The platform refused the reply; the case stays open. Its reason:",
        "प्लेटफ़ॉर्म ने उत्तर अस्वीकार किया; मामला खुला है। कारण:",
    ),
    ("case.actions", "Actions", "कार्रवाई"),
    ("case.claim", "Claim", "मामला लें"),
    ("case.close", "Close case", "मामला बंद करें"),
    ("case.close_confirm", "Close this case?", "यह मामला बंद करें?"),
    (
        "case.close_confirm_unanswered",
        "Nobody has answered this case yet. Close it anyway?",
        "इस मामले का अभी तक कोई उत्तर नहीं दिया गया है। फिर भी बंद करें?",
    ),
    ("case.release", "Release to the queue", "कतार में वापस दें"),
    ("case.reopen", "Reopen case", "मामला फिर से खोलें"),
    ("case.escalate", "Escalate", "आगे भेजें"),
    ("case.escalate_reason", "Reason for escalating", "आगे भेजने का कारण"),
    ("case.relabel", "Correct the label", "श्रेणी सुधारें"),
    ("case.relabel_submit", "Save label", "श्रेणी सहेजें"),
    ("case.keep", "keep", "वही रखें"),
    ("case.reassign", "Reassign to operator", "ऑपरेटर को सौंपें"),
    ("case.reassign_submit", "Reassign", "सौंपें"),
    ("case.reassign_choose", "choose an operator", "ऑपरेटर चुनें"),
    ("case.approval", "A reply waits for approval", "एक उत्तर स्वीकृति की प्रतीक्षा में है"),
    ("case.approve", "Approve and send", "स्वीकृत कर भेजें"),
    ("case.reject", "Reject", "अस्वीकार करें"),
    ("case.note", "Note", "टिप्पणी"),
    ("case.history", "History", "इतिहास"),
    ("case.acknowledged", "Acknowledged by {who} at {at}.", "{who} ने {at} पर संज्ञान लिया।"),
    ("case.no_draft", "No suggested reply: this case needs none.", "कोई सुझाया उत्तर नहीं: इस मामले को इसकी ज़रूरत नहीं।"),
    ("done.claimed", "You hold this case.", "यह मामला अब आपके पास है।"),
    ("done.replied", "Reply accepted; it is being sent to the platform.", "उत्तर स्वीकार हुआ; प्लेटफ़ॉर्म पर भेजा जा रहा है।"),
    (
        "done.awaiting_approval",
        "Reply saved: it is waiting for a supervisor's approval, and goes out only once approved.",
        "उत्तर सहेजा गया: यह पर्यवेक्षक की स्वीकृति की प्रतीक्षा में है, और स्वीकृति के बाद ही भेजा जाएगा।",
    ),
    (
        "done.recorded",
        "Reply recorded: no platform sender is set up for this account, so post it on the platform by hand.",
        "उत्तर दर्ज: इस खाते के लिए कोई प्लेटफ़ॉर्म प्रेषक नहीं है, इसलिए इसे प्लेटफ़ॉर्म पर हाथ से पोस्ट करें।",
    ),
    ("done.closed", "Case closed.", "मामला बंद हुआ।"),
    ("done.released", "Case released to the queue.", "मामला कतार में वापस दिया गया।"),
    ("done.reopened", "Case reopened.", "मामला फिर से खोला गया।"),
    (
        "done.acknowledged",
        "Alarm silenced: the unit knows someone is on it.",
        "अलार्म बंद: इकाई को पता है कि कोई इस पर काम कर रहा है।",
    ),
    ("done.escalated", "Case escalated.", "मामला आगे भेजा गया।"),
    ("done.relabelled", "Label saved.", "श्रेणी सहेजी गई।"),
    ("done.reassigned", "Case reassigned.", "मामला सौंपा गया।"),
    ("done.approved", "Decision recorded.", "निर्णय दर्ज हुआ।"),
    ("done.saved", "Saved.", "सहेजा गया।"),
    ("error.not_found", "No such case, or it is not in your units.", "ऐसा कोई मामला नहीं, या यह आपकी इकाइयों में नहीं है।"),
    ("error.forbidden", "You may not do that.", "आपको इसकी अनुमति नहीं है।"),
    (
        "error.unavailable",
        "A service is not answering. Try again in a minute.",
        "एक सेवा उत्तर नहीं दे रही। एक मिनट बाद प्रयास करें।",
    ),
    ("error.refused", "Refused:", "अस्वीकृत:"),
    ("error.title", "Something went wrong", "कुछ गड़बड़ हुई"),
    ("supervise.title", "Escalations and approvals", "आगे भेजे गए मामले और स्वीकृतियाँ"),
    (
        "supervise.help",
        "Replies waiting for approval first, then escalated cases (at HQ also the district cases handed over out of shift), live. Open a case to reassign, approve or reject.",
        "पहले स्वीकृति की प्रतीक्षा वाले उत्तर, फिर आगे भेजे गए मामले (मुख्यालय में शिफ्ट के बाहर ज़िलों से सौंपे गए मामले भी), लाइव। सौंपने, स्वीकृत या अस्वीकार करने के लिए मामला खोलें।",
    ),
    (
        "supervise.empty",
        "Nothing is escalated or waiting for approval.",
        "कुछ भी आगे भेजा हुआ या स्वीकृति की प्रतीक्षा में नहीं है।",
    ),
    ("library.title", "Rebuttals and templates", "खंडन और टेम्पलेट"),
    ("library.rebuttals", "Rebuttal library", "खंडन लाइब्रेरी"),
    (
        "library.rebuttals_help",
        "Publishing a rebuttal makes it the draft of every matching open case in every district.",
        "खंडन प्रकाशित करने पर यह हर ज़िले के हर मिलते-जुलते खुले मामले का मसौदा बन जाता है।",
    ),
    ("library.claim", "False claim", "झूठा दावा"),
    ("library.verdict", "Verdict", "निष्कर्ष"),
    ("library.text_hi", "Rebuttal in Hindi", "हिन्दी में खंडन"),
    ("library.text_en", "Rebuttal in English", "अंग्रेज़ी में खंडन"),
    ("library.evidence", "Evidence link", "साक्ष्य लिंक"),
    ("library.variants", "Other wordings (one a line)", "अन्य शब्दावली (हर पंक्ति में एक)"),
    ("library.publish", "Publish to every district", "हर ज़िले में प्रकाशित करें"),
    ("library.published", "Rebuttal published; open cases redrafted:", "खंडन प्रकाशित; मसौदे बदले गए खुले मामले:"),
    ("library.hq_only", "Only HQ publishes rebuttals.", "केवल मुख्यालय खंडन प्रकाशित करता है।"),
    ("library.templates", "Reply templates", "उत्तर टेम्पलेट"),
    (
        "library.templates_help",
        "Placeholders: {docket} {unit_name} {unit_name_hi} {police_station} {helpline} {cyber_helpline} {women_helpline}. Every version is kept.",
        "प्लेसहोल्डर: {docket} {unit_name} {unit_name_hi} {police_station} {helpline} {cyber_helpline} {women_helpline}। हर संस्करण सुरक्षित रहता है।",
    ),
    ("library.save", "Save new version", "नया संस्करण सहेजें"),
    ("library.version", "version", "संस्करण"),
    ("library.edited_by", "edited by", "संपादक"),
    ("hq.title", "HQ overview", "मुख्यालय अवलोकन"),
    ("hq.units", "Units now", "इकाइयाँ अभी"),
    ("hq.open", "Open cases", "खुले मामले"),
    ("hq.oldest", "Oldest waiting", "सबसे पुराना प्रतीक्षारत"),
    ("hq.on_shift", "On shift", "ड्यूटी पर"),
    ("hq.nobody", "nobody", "कोई नहीं"),
    ("hq.median_today", "Median FRT today", "आज का माध्यिका FRT"),
    ("hq.leaderboard", "Leaderboard", "रैंकिंग"),
    ("hq.rank", "Rank", "रैंक"),
    ("hq.change", "Change", "बदलाव"),
    ("hq.new", "new", "नया"),
    ("hq.cases", "Cases", "मामले"),
    ("hq.answered", "Answered", "उत्तर दिए"),
    ("hq.median", "Median FRT", "माध्यिका FRT"),
    ("hq.mean", "Mean FRT", "औसत FRT"),
    ("hq.ranked_by", "ranked by", "रैंकिंग का आधार"),
    ("hq.accounts", "Accounts", "खाते"),
    ("hq.within_goal", "Within goal", "लक्ष्य के भीतर"),
    ("hq.breaches", "Breaches", "सीमा उल्लंघन"),
    ("hq.report", "Download the month's report (CSV)", "महीने की रिपोर्ट डाउनलोड करें (CSV)"),
    ("hq.month", "Month", "महीना"),
    ("hq.rule", "Ranking rule", "रैंकिंग नियम"),
    ("hq.not_counted", "Not counted", "गिना नहीं गया"),
    (
        "hq.quiet_hidden",
        "Units with no open case and nobody on shift are left out.",
        "जिन इकाइयों में न कोई खुला मामला है न कोई ड्यूटी पर, वे छोड़ दी गई हैं।",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_exists_once_in_both_languages() {
        let all: Vec<_> = all().collect();
        for (i, (key, en, hi)) in all.iter().enumerate() {
            assert!(!en.is_empty() && !hi.is_empty(), "{key} is empty");
            assert!(all[i + 1..].iter().all(|(k, _, _)| k != key), "{key} twice");
        }
    }

    #[test]
    fn names_use_the_interface_language() {
        assert_eq!(Lang::Hi.category(Category::Emergency), "आपातकाल");
        assert_eq!(Lang::En.urgency(Urgency::Critical), "Critical");
        assert_eq!(Lang::En.t("sla.goal_in"), "goal in {t}");
        assert_eq!(Lang::from_code("hi").unwrap().other(), Lang::En);
    }
}
