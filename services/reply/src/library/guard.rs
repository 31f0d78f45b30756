//! The reply guard: a public reply must not carry personal data, abuse or
//! more text than the platform takes; a direct message only no abuse and
//! no more text than the platform takes. It says why it refuses.
//!
//! - Personal data from the post: the value of every PII span the classifier
//!   found, compared digits-only for numbers (so `98290 12345`, `98290-12345`
//!   and `+91 9829012345` are one number), letters-and-digits only for vehicle
//!   numbers, case-insensitively for UPI ids and e-mails.
//! - Contact details anywhere in the reply: Indian mobile numbers (10 digits
//!   from 6–9, with an optional 0 / 91 prefix), Aadhaar-like 12-digit numbers,
//!   e-mail and UPI ids. Official helplines (112, 1930, 1090, 100, 181, 1098)
//!   are short and never match; official mail on `gov.in` / `nic.in` is allowed.
//! - Abusive words: a small Hindi, English and Hinglish list, whole words.
//! - Length: characters, against the platform's limit.

use tvarit_proto::v1::{Classification, GuardVerdict, Post};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the reply is empty")]
    Empty,
    #[error("the reply repeats the {kind} from the post ({masked}); never echo personal data in public")]
    PersonalData { kind: String, masked: String },
    #[error("the reply contains a {kind} ({masked}); ask for contact details by DM, never publicly")]
    ContactDetails { kind: &'static str, masked: String },
    #[error("the reply contains an abusive word ({word:?})")]
    Abusive { word: String },
    #[error("the reply is {chars} characters; {platform} allows at most {limit}")]
    TooLong { chars: usize, limit: usize, platform: String },
}

impl GuardError {
    pub fn code(&self) -> &'static str {
        match self {
            GuardError::Empty => "empty",
            GuardError::PersonalData { .. } => "personal_data",
            GuardError::ContactDetails { .. } => "contact_details",
            GuardError::Abusive { .. } => "abusive",
            GuardError::TooLong { .. } => "too_long",
        }
    }
}

/// The verdict as the API carries it.
pub fn verdict(result: &Result<(), GuardError>) -> GuardVerdict {
    match result {
        Ok(()) => GuardVerdict { allowed: true, code: String::new(), reason: String::new() },
        Err(e) => GuardVerdict { allowed: false, code: e.code().into(), reason: e.to_string() },
    }
}

/// The longest reply a platform takes (as `desk.rs` counts it): X the
/// configured limit, Facebook and YouTube at most 2,000.
pub fn reply_limit(platform: &str, x_limit: usize) -> usize {
    if platform == "x" { x_limit } else { x_limit.max(2_000) }
}

#[rustfmt::skip]
const ABUSIVE: &[&str] = &[
    "idiot", "idiots", "stupid", "bastard", "bloody", "moron", "fool", "nonsense", "shut-up", "rascal", "fuck", "shit",
    "bewakoof", "bevkoof", "bewakuf", "murkh", "moorkh", "gadha", "gadhe", "kamina", "kameena", "kamine", "kameene",
    "saala", "saale", "sala", "harami", "haraami", "kutta", "kutte", "chutiya", "chutiye", "bakwas", "nalayak",
    "बेवकूफ", "बेवकूफ़", "मूर्ख", "गधा", "गधे", "कमीना", "कमीने", "साला", "साले", "हरामी", "कुत्ता", "कुत्ते",
    "बकवास", "नालायक",
];

/// Helplines a reply may always give.
const HELPLINES: &[&str] = &["112", "1930", "1090", "100", "181", "1098"];

/// Checks `text` as a public reply to `post`; `limit` in characters.
pub fn check(text: &str, post: &Post, classification: &Classification, limit: usize) -> Result<(), GuardError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(GuardError::Empty);
    }
    let groups = digit_windows(text);
    for span in &classification.pii {
        let Some(value) = post.text.get(span.start as usize..span.end as usize) else { continue };
        if repeats(text, &groups, &span.kind, value) {
            return Err(GuardError::PersonalData { kind: pii_name(&span.kind), masked: mask(value) });
        }
    }
    contact_details(text, &groups)?;
    words_and_length(text, post, limit)
}

/// Checks `text` as a direct message to the author of `post`: a private
/// message may repeat their details or give an officer's number, so only
/// emptiness, abuse and length are checked.
pub fn check_private(text: &str, post: &Post, _: &Classification, limit: usize) -> Result<(), GuardError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(GuardError::Empty);
    }
    words_and_length(text, post, limit)
}

/// What every reply is checked for, public or private: no abusive word, no
/// more characters than the platform takes.
fn words_and_length(text: &str, post: &Post, limit: usize) -> Result<(), GuardError> {
    if let Some(word) = super::words(text).find(|w| ABUSIVE.contains(&w.as_str())) {
        return Err(GuardError::Abusive { word });
    }
    let chars = text.chars().count();
    if chars > limit {
        return Err(GuardError::TooLong { chars, limit, platform: platform_name(&post.platform) });
    }
    Ok(())
}

fn platform_name(p: &str) -> String {
    if p.is_empty() { "the platform".into() } else { p.into() }
}

fn pii_name(kind: &str) -> String {
    match kind {
        "phone" => "phone number".into(),
        "aadhaar" => "Aadhaar number".into(),
        "vehicle" => "vehicle number".into(),
        "upi" => "UPI id".into(),
        "email" => "e-mail address".into(),
        other => other.into(),
    }
}

/// First two and last two characters, the rest as `•`.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i < 2 || i + 2 >= n { *c } else { '•' }).collect()
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '०'..='९' => char::from_digit(c as u32 - '०' as u32, 10),
        _ => None,
    }
}

/// The digits of every run of digit groups joined by at most one separator
/// (space, `-`, `.`, `/`, brackets, `+`), one string per window of
/// consecutive groups: `call 112 98290 12345` gives `112`, `11298290`,
/// `98290`, `9829012345`, ... so a number is found however it is spaced.
fn digit_windows(text: &str) -> Vec<String> {
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    let mut current = String::new();
    let mut gap = 0usize;
    for c in text.chars() {
        if let Some(d) = ascii_digit(c) {
            if current.is_empty() && gap > 1 && !runs.last().unwrap().is_empty() {
                runs.push(Vec::new());
            }
            current.push(d);
            gap = 0;
            continue;
        }
        if !current.is_empty() {
            runs.last_mut().unwrap().push(std::mem::take(&mut current));
        }
        gap += if matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '+') { 1 } else { 2 };
    }
    if !current.is_empty() {
        runs.last_mut().unwrap().push(current);
    }
    let mut out = Vec::new();
    for run in runs {
        for i in 0..run.len() {
            let mut joined = String::new();
            for group in run.iter().skip(i).take(8) {
                joined.push_str(group);
                out.push(joined.clone());
            }
        }
    }
    out
}

fn alnum_upper(s: &str) -> String {
    s.chars().filter_map(|c| ascii_digit(c).or(c.is_ascii_alphabetic().then(|| c.to_ascii_uppercase()))).collect()
}

fn repeats(reply: &str, windows: &[String], kind: &str, value: &str) -> bool {
    let digits: String = value.chars().filter_map(ascii_digit).collect();
    match kind {
        "phone" | "aadhaar" if digits.len() >= 6 => {
            // A phone's last ten digits, without its +91 or 0.
            let core = if kind == "phone" && digits.len() > 10 { &digits[digits.len() - 10..] } else { &digits[..] };
            windows.iter().any(|w| w.contains(core))
        }
        "vehicle" => {
            let v = alnum_upper(value);
            v.len() >= 5 && alnum_upper(reply).contains(&v)
        }
        _ => {
            let v = value.trim().to_lowercase();
            !v.is_empty() && reply.to_lowercase().contains(&v)
        }
    }
}

fn contact_details(text: &str, windows: &[String]) -> Result<(), GuardError> {
    for w in windows {
        if HELPLINES.contains(&w.as_str()) {
            continue;
        }
        let mobile = match w.len() {
            10 => Some(w.as_str()),
            11 if w.starts_with('0') => Some(&w[1..]),
            12 if w.starts_with("91") => Some(&w[2..]),
            _ => None,
        };
        if mobile.is_some_and(|m| m.starts_with(['6', '7', '8', '9'])) {
            return Err(GuardError::ContactDetails { kind: "mobile number", masked: mask(w) });
        }
        if w.len() == 12 && !w.starts_with(['0', '1']) {
            return Err(GuardError::ContactDetails { kind: "12-digit (Aadhaar-like) number", masked: mask(w) });
        }
    }
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '<' | '>' | '"')) {
        let word = word.trim_end_matches(['.', '!', '?', ':', '।']);
        let Some((local, host)) = word.split_once('@') else { continue };
        if local.is_empty()
            || host.is_empty()
            || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            continue;
        }
        let host = host.to_ascii_lowercase();
        if host.ends_with(".gov.in") || host.ends_with(".nic.in") {
            continue;
        }
        let kind = if host.contains('.') { "e-mail address" } else { "UPI id" };
        return Err(GuardError::ContactDetails { kind, masked: mask(word) });
    }
    Ok(())
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
