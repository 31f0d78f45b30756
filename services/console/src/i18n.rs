//! The interface in Hindi and English. The language comes from the `lang`
//! cookie (a switch link on every page sets it); Hindi is the default, as
//! district cells work in it.

use std::collections::HashMap;
use std::sync::OnceLock;

use tvarit_proto::{CaseState, Category, Urgency};

mod words;

/// The catalogue, one file per part of the console, searched in this order.
/// Each line of a file is `key<TAB>English<TAB>Hindi`; `#` starts a comment
/// line. Data, not code: a new string is one line, and its translation sits
/// beside it.
const CATALOGUE: [(&str, &str); 6] = [
    ("console.tsv", include_str!("i18n/console.tsv")),
    ("publish.tsv", include_str!("i18n/publish.tsv")),
    ("private.tsv", include_str!("i18n/private.tsv")),
    ("search.tsv", include_str!("i18n/search.tsv")),
    ("shift.tsv", include_str!("i18n/shift.tsv")),
    ("words.tsv", include_str!("i18n/words.tsv")),
];

/// (key, English, Hindi).
type Row = (&'static str, &'static str, &'static str);

/// Every interface string, in catalogue order, read from [`CATALOGUE`]
/// once ([`check`] does it at start).
fn all() -> impl Iterator<Item = &'static Row> {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| CATALOGUE.iter().flat_map(|(file, text)| parse(file, text)).collect()).iter()
}

/// The catalogue by key: a page asks for dozens of strings per row, so a
/// lookup must not walk the 441 rows.
fn index() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static INDEX: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    INDEX.get_or_init(|| all().map(|&(key, en, hi)| (key, (en, hi))).collect())
}

/// Reads the catalogue now, so that a malformed file (a bug in what the
/// binary ships) stops the console at start rather than at its first page.
pub fn check() {
    index();
}

/// The rows of one catalogue file; a malformed line panics (see [`check`]).
fn parse(file: &'static str, text: &'static str) -> impl Iterator<Item = Row> {
    text.lines().enumerate().filter(|(_, line)| !line.is_empty() && !line.starts_with('#')).map(move |(n, line)| {
        let mut fields = line.split('\t');
        match (fields.next(), fields.next(), fields.next(), fields.next()) {
            (Some(key), Some(en), Some(hi), None) => (key, en, hi),
            _ => panic!("{file}:{}: not key<TAB>English<TAB>Hindi", n + 1),
        }
    })
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

    /// The interface string `key`. A missing key shows as `?` (and fails
    /// a debug build), and the unit tests below catch it.
    pub fn t(self, key: &str) -> &'static str {
        match index().get(key) {
            Some((en, hi)) => match self {
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
    index().contains_key(key)
}

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

    #[test]
    fn every_catalogue_file_is_read_as_written() {
        assert_eq!(Lang::En.t("app.name"), "Tvarit console");
        assert_eq!(Lang::En.t("search.text_help"), "\"a phrase\", -word to leave out, or");
        assert_eq!(Lang::Hi.t("pii.email"), "ई-मेल");
        assert_eq!(all().count(), 441, "every line of every file is a string");
    }
}
