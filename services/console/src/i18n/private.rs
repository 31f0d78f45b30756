//! Direct messages on the case page and in the conversation: (key, English, Hindi).

pub(super) const STRINGS: &[(&str, &str, &str)] = &[
    ("dm.badge", "Direct message", "निजी संदेश"),
    (
        "dm.case_hint",
        "This case came by direct message: the reply goes back to the person as a direct message, never in public.",
        "यह मामला निजी संदेश से आया है: उत्तर व्यक्ति को निजी संदेश के रूप में जाएगा, सार्वजनिक रूप से कभी नहीं।",
    ),
    (
        "dm.send_private",
        "Send as a direct message to the author (not public)",
        "लेखक को निजी संदेश के रूप में भेजें (सार्वजनिक नहीं)",
    ),
    ("thread.dm", "Direct message", "निजी संदेश"),
    ("thread.private_reply", "Direct message reply", "निजी उत्तर"),
];
