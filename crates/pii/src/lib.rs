//! Personal data in a post: Indian mobile numbers, Aadhaar numbers (with
//! their Verhoeff checksum, so a random 12-digit amount is not one), vehicle
//! registration numbers, UPI ids and e-mail addresses. Only kinds and byte
//! spans leave this module: the values are never copied into a decision, so
//! no reply, reason or log can echo them.
//!
//! Hand-written scanners rather than regular expressions: one pass over the
//! bytes, no allocation when a post holds none (the common case).
//!
//! Classify finds the spans (`detect`) and masks them before its features see
//! the text; the console masks the spans the classifier sent (`mask`).

use serde::Serialize;

mod mask;

pub use mask::{Cover, mask};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Phone,
    Aadhaar,
    Vehicle,
    Upi,
    Email,
}

impl PiiKind {
    pub fn slug(self) -> &'static str {
        match self {
            PiiKind::Phone => "phone",
            PiiKind::Aadhaar => "aadhaar",
            PiiKind::Vehicle => "vehicle",
            PiiKind::Upi => "upi",
            PiiKind::Email => "email",
        }
    }
}

/// `text[start..end]` (byte offsets) holds personal data of `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PiiSpan {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

impl PiiSpan {
    /// The span as `mask` takes it.
    pub fn parts(&self) -> (usize, usize, &'static str) {
        (self.start, self.end, self.kind.slug())
    }
}

/// Registration state codes (and `BH`, the Bharat series).
#[rustfmt::skip]
const STATES: &[&str] = &[
    "AN", "AP", "AR", "AS", "BR", "CG", "CH", "DD", "DL", "DN", "GA", "GJ", "HP", "HR", "JH", "JK", "KA", "KL",
    "LA", "LD", "MH", "ML", "MN", "MP", "MZ", "NL", "OD", "OR", "PB", "PY", "RJ", "SK", "TN", "TR", "TS", "UK",
    "UP", "WB",
];

/// Every span of personal data in `text`, in order, not overlapping.
pub fn detect(text: &str) -> Vec<PiiSpan> {
    let mut spans = Vec::new();
    let b = text.as_bytes();
    if b.iter().any(u8::is_ascii_digit) {
        numbers(b, &mut spans);
        vehicles(b, &mut spans);
    }
    if b.contains(&b'@') {
        addresses(b, &mut spans);
    }
    spans.sort_by_key(|s| s.start);
    spans.dedup_by(|next, prev| next.start < prev.end);
    spans
}

/// Digit groups separated by one space or hyphen: phone numbers written as
/// `98290 12345`, `+91-98290-12345`, Aadhaar as `2345 6789 0123`.
fn numbers(b: &[u8], out: &mut Vec<PiiSpan>) {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric()) {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == b.len() || !b[i].is_ascii_alphabetic() {
                groups.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    let mut g = 0;
    while g < groups.len() {
        let mut best: Option<(usize, PiiSpan)> = None;
        let mut digits = String::new();
        for h in g..groups.len().min(g + 4) {
            if h > g && !joined(b, groups[h - 1].1, groups[h].0) {
                break;
            }
            digits.push_str(std::str::from_utf8(&b[groups[h].0..groups[h].1]).unwrap_or(""));
            let plus = groups[g].0 > 0 && b[groups[g].0 - 1] == b'+';
            let start = groups[g].0 - usize::from(plus);
            if let Some(kind) = number_kind(&digits) {
                best = Some((h, PiiSpan { kind, start, end: groups[h].1 }));
            }
        }
        match best {
            Some((h, span)) => {
                out.push(span);
                g = h + 1;
            }
            None => g += 1,
        }
    }
}

fn joined(b: &[u8], end: usize, next: usize) -> bool {
    next == end + 1 && matches!(b[end], b' ' | b'-' | b'.')
}

fn number_kind(d: &str) -> Option<PiiKind> {
    let mobile = |s: &str| s.len() == 10 && matches!(s.as_bytes()[0], b'6'..=b'9');
    match d.len() {
        10 if mobile(d) => Some(PiiKind::Phone),
        11 if d.starts_with('0') && mobile(&d[1..]) => Some(PiiKind::Phone),
        12 if d.starts_with("91") && mobile(&d[2..]) => Some(PiiKind::Phone),
        12 if matches!(d.as_bytes()[0], b'2'..=b'9') && verhoeff_valid(d) => Some(PiiKind::Aadhaar),
        _ => None,
    }
}

/// The Verhoeff check digit scheme Aadhaar numbers use (the `verhoeff`
/// crate; an empty string is not a number).
pub fn verhoeff_valid(digits: &str) -> bool {
    !digits.is_empty() && verhoeff::Verhoeff::validate_verhoeff_check_digit(digits)
}

/// `RJ14CA1234`, `RJ 14 CA 1234`, `rj-14-c-0012`.
fn vehicles(b: &[u8], out: &mut Vec<PiiSpan>) {
    let mut i = 0;
    while i + 6 <= b.len() {
        if (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && let Some(end) = plate_at(b, i)
        {
            out.push(PiiSpan { kind: PiiKind::Vehicle, start: i, end });
            i = end;
            continue;
        }
        i += 1;
    }
}

fn plate_at(b: &[u8], i: usize) -> Option<usize> {
    let state = [b[i].to_ascii_uppercase(), b[i + 1].to_ascii_uppercase()];
    if !STATES.iter().any(|s| s.as_bytes() == state) {
        return None;
    }
    let mut j = sep(b, i + 2);
    let district = run(b, j, u8::is_ascii_digit);
    if !(1..=2).contains(&district) {
        return None;
    }
    j = sep(b, j + district);
    let series = run(b, j, u8::is_ascii_alphabetic);
    if series > 3 {
        return None;
    }
    j = sep(b, j + series);
    let number = run(b, j, u8::is_ascii_digit);
    // Demand a series letter: `RJ 14 2024` is likelier a date than a plate.
    let ok = series > 0 && (1..=4).contains(&number);
    let end = j + number;
    (ok && (end == b.len() || !b[end].is_ascii_alphanumeric())).then_some(end)
}

fn sep(b: &[u8], j: usize) -> usize {
    if j < b.len() && matches!(b[j], b' ' | b'-') { j + 1 } else { j }
}

fn run(b: &[u8], j: usize, f: fn(&u8) -> bool) -> usize {
    b[j.min(b.len())..].iter().take_while(|c| f(c)).count()
}

/// `name@okaxis` (UPI) and `name@example.com` (e-mail); `@handles` have
/// nothing before the `@` and are not personal data.
fn addresses(b: &[u8], out: &mut Vec<PiiSpan>) {
    let local = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'+');
    let domain = |c: &u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-');
    for at in memchr_all(b, b'@') {
        let start = at - b[..at].iter().rev().take_while(|c| local(c)).count();
        let mut end = at + 1 + b[at + 1..].iter().take_while(|c| domain(c)).count();
        while end > at + 1 && matches!(b[end - 1], b'.' | b'-') {
            end -= 1;
        }
        if start == at || end <= at + 2 {
            continue;
        }
        let host = &b[at + 1..end];
        let kind = match host.iter().rposition(|&c| c == b'.') {
            Some(dot) if host.len() - dot > 2 && dot > 0 => PiiKind::Email,
            None if host.iter().all(u8::is_ascii_alphabetic) && host.len() >= 2 => PiiKind::Upi,
            _ => continue,
        };
        out.push(PiiSpan { kind, start, end });
    }
}

fn memchr_all(b: &[u8], needle: u8) -> impl Iterator<Item = usize> + '_ {
    b.iter().enumerate().filter(move |(_, c)| **c == needle).map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, &str)> {
        detect(text).into_iter().map(|s| (s.kind, &text[s.start..s.end])).collect()
    }

    #[test]
    fn phones_in_the_ways_people_write_them() {
        assert_eq!(kinds("call 9829012345 now"), [(PiiKind::Phone, "9829012345")]);
        assert_eq!(kinds("मेरा नंबर +91-98290-12345 है"), [(PiiKind::Phone, "+91-98290-12345")]);
        assert_eq!(
            kinds("no. 98290 12345, alt 09829012346"),
            [(PiiKind::Phone, "98290 12345"), (PiiKind::Phone, "09829012346")]
        );
        // Not mobiles: 1930 helpline, amounts, a landline-like run, a 10-digit id starting 1.
        assert!(kinds("1930 pe call, 25000 rupaye, 1234567890, 0141-2615238").is_empty());
    }

    #[test]
    fn aadhaar_needs_a_valid_checksum() {
        // 2345 6789 0124 is not valid; find the valid last digit.
        let valid = (0..10).map(|d| format!("23456789012{d}")).find(|s| verhoeff_valid(s)).unwrap();
        let spaced = format!("{} {} {}", &valid[..4], &valid[4..8], &valid[8..]);
        assert_eq!(kinds(&format!("aadhaar {spaced} hai")), [(PiiKind::Aadhaar, spaced.as_str())]);
        let invalid = (0..10).map(|d| format!("23456789012{d}")).find(|s| !verhoeff_valid(s)).unwrap();
        assert!(kinds(&invalid).is_empty());
    }

    #[test]
    fn vehicles_upi_and_email() {
        assert_eq!(kinds("bike RJ14CA1234 chori"), [(PiiKind::Vehicle, "RJ14CA1234")]);
        assert_eq!(kinds("car rj-19-c-7 on 2 RJ 04 2024"), [(PiiKind::Vehicle, "rj-19-c-7")]);
        assert!(kinds("rajasthan 2024 ko").is_empty());
        assert_eq!(kinds("paise ramesh.k@okaxis pe"), [(PiiKind::Upi, "ramesh.k@okaxis")]);
        assert_eq!(kinds("mail me at a.b@gmail.com."), [(PiiKind::Email, "a.b@gmail.com")]);
        assert!(kinds("@PoliceRajasthan @SP_Balotra help").is_empty());
    }
}
