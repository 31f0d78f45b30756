//! Reply templates: keyed `<category>/<sub-category>` and language, every
//! edit a new version, variables filled per case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tvarit_proto::Category;
use tvarit_proto::time::from_millis;
use tvarit_proto::v1::Template;
use tvarit_registry::Registry;

use super::words;

/// The variables a template may use.
pub const VARIABLES: [&str; 7] =
    ["docket", "unit_name", "unit_name_hi", "police_station", "helpline", "cyber_helpline", "women_helpline"];

/// Sub-categories with templates of their own, by category; each category
/// also has `general`. Tried in this order, so `passport verification` is a
/// passport query and an OTP theft is cyber fraud.
#[rustfmt::skip]
const SUBS: &[(Category, &str, &[&str])] = &[
    (Category::Emergency, "women_safety", &["harass", "molest", "eve teas", "stalk", "chhed", "छेड़", "rape", "बलात्कार", "अश्लील"]),
    (Category::Emergency, "accident", &["accident", "hadsa", "हादसा", "दुर्घटना", "durghatna", "takkar", "टक्कर", "injured", "घायल", "ghayal"]),
    (Category::Complaint, "cyber_fraud", &["otp", "upi", "kyc", "fraud", "froud", "scam", "cyber", "online", "paytm", "phonepe", "gpay",
        "thagi", "ठगी", "धोखाधड़ी", "साइबर", "ओटीपी", "khate se", "खाते से", "account se", "bank", "बैंक", "link", "लिंक", "1930"]),
    (Category::Complaint, "women_safety", &["harass", "molest", "eve teas", "stalk", "chhed", "छेड़", "अश्लील", "ashleel", "blackmail",
        "dowry", "दहेज", "domestic violence", "घरेलू हिंसा"]),
    (Category::Complaint, "theft", &["stolen", "theft", "steal", "chori", "chor", "चोरी", "चोर", "snatch", "छीन", "loot", "लूट",
        "burglar", "robbery", "pickpocket"]),
    (Category::Complaint, "traffic", &["traffic", "jam", "जाम", "challan", "चालान", "parking", "पार्किंग", "wrong side", "ट्रैफिक"]),
    (Category::Query, "passport", &["passport", "पासपोर्ट"]),
    (Category::Query, "verification", &["verification", "character certificate", "tenant", "kirayedar", "किरायेदार", "चरित्र",
        "सत्यापन", "clearance", "pcc", "noc"]),
    (Category::Query, "fir_status", &["fir", "एफआईआर", "f.i.r", "mukadma", "मुकदमा", "case status", "chargesheet", "charge sheet"]),
];

/// The template key for a post: its category and the first sub-category
/// whose words it uses (short Latin words whole, longer ones as prefixes,
/// phrases anywhere), else `general`.
pub fn key_for(category: Category, text: &str) -> String {
    let lower = text.to_lowercase();
    let ws: Vec<String> = words(&lower).collect();
    let uses = |kw: &str| {
        if kw.contains(' ') {
            lower.contains(kw)
        } else if kw.is_ascii() && kw.len() <= 3 {
            ws.iter().any(|w| w == kw)
        } else {
            ws.iter().any(|w| w.starts_with(kw))
        }
    };
    let sub = SUBS.iter().find(|(c, _, kws)| *c == category && kws.iter().any(|k| uses(k))).map_or("general", |s| s.1);
    format!("{}/{sub}", category.slug())
}

/// Checks a key is one the drafts use, so an edit never lands on a dead key.
pub fn valid_key(key: &str) -> Result<(), String> {
    let known = |c: Category, s: &str| s == "general" || SUBS.iter().any(|(sc, sub, _)| *sc == c && *sub == s);
    match key.split_once('/') {
        Some((c, s)) if Category::from_slug(c).is_some_and(|c| Category::ANSWERED.contains(&c) && known(c, s)) => {
            Ok(())
        }
        _ => {
            let mut keys: Vec<String> = Category::ANSWERED.iter().map(|c| format!("{}/general", c.slug())).collect();
            keys.extend(SUBS.iter().map(|(c, s, _)| format!("{}/{s}", c.slug())));
            Err(format!("unknown template key {key:?}; known: {}", keys.join(", ")))
        }
    }
}

/// Checks a template's text uses only known `{variables}`.
pub fn valid_text(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else { return Err("unclosed `{` in the template".into()) };
        let name = &rest[open + 1..open + len];
        if !VARIABLES.contains(&name) {
            return Err(format!(
                "unknown variable {{{name}}}; use {}",
                VARIABLES.map(|v| format!("{{{v}}}")).join(" ")
            ));
        }
        rest = &rest[open + len + 1..];
    }
    Ok(())
}

/// The values a template's variables take for one case.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    pub docket: String,
    pub unit_name: String,
    pub unit_name_hi: String,
    /// The police station the post names (`store::police_station`); empty
    /// when it names none, as `new` leaves it.
    pub police_station: String,
}

impl Vars {
    /// The unit as the public knows its cell: "Balotra Police", "बालोतरा पुलिस".
    pub fn new(registry: &Registry, unit: &str, docket: &str) -> Self {
        let (name, name_hi) =
            registry.unit(unit).map_or((unit.to_owned(), String::new()), |u| (u.name.clone(), u.name_hi.clone()));
        let police = |n: &str, word: &str| {
            if n.to_lowercase().contains(&word.to_lowercase()) { n.to_owned() } else { format!("{n} {word}") }
        };
        let unit_name = police(&name, "Police");
        let unit_name_hi = if name_hi.is_empty() { unit_name.clone() } else { police(&name_hi, "पुलिस") };
        Vars { docket: docket.into(), unit_name, unit_name_hi, police_station: String::new() }
    }

    /// The longest values a case can give, to check a template's length.
    pub fn widest(registry: &Registry) -> Self {
        let unit = registry.units().iter().max_by_key(|u| u.name.chars().count().max(u.name_hi.chars().count()));
        Vars::new(registry, unit.map_or("hq", |u| u.slug.as_str()), "XXX-0000-00000")
    }
}

/// Fills the variables; an empty one leaves no double space behind.
pub fn render(text: &str, v: &Vars) -> String {
    let mut out = text.to_owned();
    for (name, value) in [
        ("docket", v.docket.as_str()),
        ("unit_name_hi", &v.unit_name_hi),
        ("unit_name", &v.unit_name),
        ("police_station", &v.police_station),
        ("helpline", "112"),
        ("cyber_helpline", "1930"),
        ("women_helpline", "1090"),
    ] {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    let mut tidy = out.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    for p in [",", ".", "।", ";", ")"] {
        tidy = tidy.replace(&format!(" {p}"), p);
    }
    tidy
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub key: String,
    pub lang: String,
    pub version: i32,
    pub body: String,
    pub edited_by: String,
    pub edited_at: DateTime<Utc>,
}

impl TemplateRow {
    pub fn to_proto(&self) -> Template {
        Template {
            key: self.key.clone(),
            lang: self.lang.clone(),
            version: self.version.max(0) as u32,
            text: self.body.clone(),
            edited_by: self.edited_by.clone(),
            edited_at: Some(from_millis(self.edited_at.timestamp_millis())),
        }
    }

    /// `template:complaint/theft@3` (the language is the case's).
    pub fn source(&self) -> String {
        format!("template:{}@{}", self.key, self.version)
    }
}

/// The current version of every template, by key and language.
#[derive(Debug, Clone, Default)]
pub struct Templates(pub HashMap<(String, String), TemplateRow>);

impl Templates {
    /// The template for `key` in `lang`, else its category's `general` one.
    pub fn pick(&self, key: &str, lang: &str) -> Option<&TemplateRow> {
        let general = format!("{}/general", key.split('/').next().unwrap_or_default());
        self.0.get(&(key.to_owned(), lang.to_owned())).or_else(|| self.0.get(&(general, lang.to_owned())))
    }
}

const COLUMNS: &str = "key, lang, version, body, edited_by, edited_at";

pub async fn current(db: &mut PgConnection) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT DISTINCT ON (key, lang) {COLUMNS} FROM reply_templates ORDER BY key, lang, version DESC"
    )))
    .fetch_all(db)
    .await
}

pub async fn history(db: &mut PgConnection, key: &str, lang: &str) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM reply_templates WHERE key = $1 AND lang = $2 ORDER BY version DESC"
    )))
    .bind(key)
    .bind(lang)
    .fetch_all(db)
    .await
}

/// Saves `text` as the next version of `key`/`lang` (inside the caller's
/// transaction, which also writes the audit entry).
pub async fn save(
    db: &mut PgConnection,
    key: &str,
    lang: &str,
    text: &str,
    by: &str,
) -> Result<TemplateRow, sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('tvarit-template:' || $1 || ':' || $2))")
        .bind(key)
        .bind(lang)
        .execute(&mut *db)
        .await?;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "INSERT INTO reply_templates (key, lang, version, body, edited_by)
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4 FROM reply_templates WHERE key = $1 AND lang = $2
         RETURNING {COLUMNS}"
    )))
    .bind(key)
    .bind(lang)
    .bind(text)
    .bind(by)
    .fetch_one(db)
    .await
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
