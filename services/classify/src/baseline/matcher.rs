//! Phrase matching over normalized tokens.
//!
//! A phrase is one or more whole tokens (`illegal liquor`, `क्या यह सच है`).
//! A trailing `*` makes the last token a stem: `harass*` matches `harassed`
//! and `harassment`, `ठग*` matches `ठगी`. Phrases are indexed by their first
//! token, so a scan costs one hash lookup per token (plus one per stem length
//! present at a token's character boundaries), not one search per phrase.
//! Overlapping matches are resolved leftmost-longest, so `bachcha chor gang`
//! (a rumour) hides the `chor` inside it.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::{Normalized, phrase_tokens};

/// FNV-1a: short keys, no adversarial input worth SipHash's cost here (the
/// keys are our own phrases; post tokens are only looked up).
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

#[derive(Debug)]
struct Pattern {
    /// The tokens after the first.
    rest: Box<[Box<str>]>,
    /// The last token is a prefix.
    stem: bool,
    payload: u32,
}

/// One match: `payload` over tokens `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Match {
    pub payload: u32,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Default)]
pub(crate) struct PhraseTable {
    /// Keyed by the first token.
    exact: FastMap<Box<str>, Vec<Pattern>>,
    /// One-token stems, keyed by the stem.
    stems: FastMap<Box<str>, Vec<u32>>,
    /// Bit `n` set when some stem is `n` bytes long.
    stem_lens: u64,
}

impl PhraseTable {
    /// Add `phrase` (optionally ending in `*`). Returns false when the phrase
    /// normalizes to nothing.
    pub fn insert(&mut self, phrase: &str, payload: u32) -> bool {
        let (body, stem) = match phrase.strip_suffix('*') {
            Some(body) => (body, true),
            None => (phrase, false),
        };
        let mut tokens = phrase_tokens(body);
        if tokens.is_empty() {
            return false;
        }
        if tokens.len() == 1 && stem && tokens[0].len() < 64 {
            self.stem_lens |= 1 << tokens[0].len();
            let key = tokens.remove(0);
            self.stems.entry(key).or_default().push(payload);
            return true;
        }
        let first = tokens.remove(0);
        let pattern = Pattern { rest: tokens.into_boxed_slice(), stem, payload };
        self.exact.entry(first).or_default().push(pattern);
        true
    }

    /// All leftmost-longest, non-overlapping matches in `n`, in text order.
    /// Different phrases over the very same tokens are all kept.
    pub fn scan(&self, n: &Normalized, out: &mut Vec<Match>) {
        out.clear();
        for i in 0..n.len() {
            let token = n.token(i);
            if let Some(patterns) = self.exact.get(token) {
                for p in patterns {
                    if self.matches_rest(n, i + 1, p) {
                        out.push(Match { payload: p.payload, start: i, end: i + 1 + p.rest.len() });
                    }
                }
            }
            if self.stem_lens != 0 {
                self.scan_stems(token, i, out);
            }
        }
        select_leftmost_longest(out);
    }

    fn matches_rest(&self, n: &Normalized, from: usize, p: &Pattern) -> bool {
        if from + p.rest.len() > n.len() {
            return false;
        }
        let last = p.rest.len().wrapping_sub(1);
        p.rest.iter().enumerate().all(|(k, want)| {
            let have = n.token(from + k);
            if p.stem && k == last { have.starts_with(&**want) } else { have == &**want }
        })
    }

    fn scan_stems(&self, token: &str, i: usize, out: &mut Vec<Match>) {
        let boundaries = token.char_indices().skip(1).map(|(pos, _)| pos).chain([token.len()]);
        for pos in boundaries {
            if pos >= 64 {
                break;
            }
            if self.stem_lens & (1 << pos) == 0 {
                continue;
            }
            if let Some(payloads) = self.stems.get(&token[..pos]) {
                out.extend(payloads.iter().map(|&payload| Match { payload, start: i, end: i + 1 }));
            }
        }
    }
}

fn select_leftmost_longest(out: &mut Vec<Match>) {
    out.sort_by_key(|m| (m.start, Reverse(m.end)));
    let mut covered = 0;
    let mut last = None;
    let mut kept = 0;
    for r in 0..out.len() {
        let m = out[r];
        if m.start >= covered || last == Some((m.start, m.end)) {
            out[kept] = m;
            kept += 1;
            covered = covered.max(m.end);
            last = Some((m.start, m.end));
        }
    }
    out.truncate(kept);
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn scan(table: &PhraseTable, text: &str) -> Vec<(u32, usize, usize)> {
        let mut out = Vec::new();
        table.scan(&normalize(text), &mut out);
        out.iter().map(|m| (m.payload, m.start, m.end)).collect()
    }

    #[test]
    fn whole_words_stems_and_longest_phrase() {
        let mut t = PhraseTable::default();
        t.insert("chor*", 1);
        t.insert("bachcha chor gang", 2);
        t.insert("fire", 3);
        t.insert("aag lag*", 4);
        t.insert("ठग*", 5);
        assert_eq!(scan(&t, "chori ho gayi"), [(1, 0, 1)]);
        assert_eq!(scan(&t, "bachcha chor gang ki afwah"), [(2, 0, 3)]);
        // Word boundaries: "fire" is not inside "firefox" or "campfires".
        assert_eq!(scan(&t, "firefox campfires"), []);
        assert_eq!(scan(&t, "FIRE! ghar me aag lagi"), [(3, 0, 1), (4, 3, 5)]);
        assert_eq!(scan(&t, "मेरे साथ ठगी हुई"), [(5, 2, 3)]);
    }

    #[test]
    fn same_span_from_two_phrases_is_kept() {
        let mut t = PhraseTable::default();
        t.insert("kota", 1);
        t.insert("Kota", 2);
        assert_eq!(scan(&t, "kota city"), [(1, 0, 1), (2, 0, 1)]);
    }
}
