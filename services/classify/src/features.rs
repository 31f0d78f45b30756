//! Hashed features of a post for the linear model.
//!
//! Per token: the word as written, its phonetic key (`translit::key`, so
//! `चोरी`, `chori` and `chory` share weights), character 3- and 4-grams of
//! the key (misspellings and inflections share most of them), and key
//! bigrams. Per post: every lexicon keyword that matched and the lexicon's
//! summed score for each category (the baseline's explainable evidence,
//! which the model learns to weigh), the question mark, the personal-data
//! kinds present, and a bias. Features are present or absent (repeats do not
//! add up), and token features are scaled by 1/√tokens (capped) so long
//! posts do not swamp the lexicon features.
//!
//! Each feature remembers which token made it, so a decision can name the
//! words that pushed it (`word:चोरी→complaint`).

use crate::baseline::lexicon::Evidence;
use crate::pii::PiiSpan;

/// log2 of the hashed feature space.
pub const BITS: u32 = 18;
pub const BUCKETS: usize = 1 << BITS;
const MASK: u64 = (1 << BITS) - 1;
/// `Feature::token` for features that no single token made.
pub const NO_TOKEN: u16 = u16::MAX;

#[derive(Debug, Clone, Copy)]
pub struct Feature {
    pub bucket: u32,
    pub value: f32,
    /// Which token made it, or `NO_TOKEN`.
    pub token: u16,
}

/// FNV-1a over a kind tag and parts, without allocating.
struct H(u64);

impl H {
    fn new(tag: u8) -> Self {
        let mut h = H(0xcbf2_9ce4_8422_2325);
        h.byte(tag);
        h
    }

    fn byte(&mut self, b: u8) {
        self.0 ^= u64::from(b);
        self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
    }

    fn bytes(mut self, s: &[u8]) -> Self {
        for &b in s {
            self.byte(b);
        }
        self
    }

    fn bucket(self) -> u32 {
        // Fold the high bits in: FNV's low bits alone mix poorly.
        ((self.0 ^ (self.0 >> 29) ^ (self.0 >> 47)) & MASK) as u32
    }
}

/// What a token is to the model. Function words and place names carry no
/// class of their own: a place says where, not what (`bikaner` was learned
/// as a sign of `sensitive`), so every place name is the one feature `place`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    Stop,
    Place,
}

/// What the extractor needs from one prepared post.
pub(crate) struct Input<'a> {
    pub tokens: &'a [&'a str],
    pub keys: &'a [String],
    /// One per token.
    pub kinds: &'a [TokenKind],
    pub evidence: &'a Evidence,
    pub question: bool,
    pub pii: &'a [PiiSpan],
}

/// Appends the features of `input` to `out` (cleared first).
pub(crate) fn extract(input: &Input<'_>, out: &mut Vec<Feature>) {
    out.clear();
    let n = input.tokens.len();
    // Beyond a tweet's length more words add little; capping keeps a 50 KB
    // paste from looking like nothing the model has seen.
    let scale = 1.0 / (n.clamp(1, 48) as f32).sqrt();
    let mut push = |h: H, value: f32, token: u16| out.push(Feature { bucket: h.bucket(), value, token });
    // A place's key in a bigram is `@place`: "near @place" says as much
    // wherever it is.
    let bigram_key = |i: usize| match input.kinds.get(i) {
        Some(TokenKind::Place) => "@place",
        _ => input.keys[i].as_str(),
    };
    for (i, (&word, key)) in input.tokens.iter().zip(input.keys).enumerate() {
        let t = i.min(NO_TOKEN as usize - 1) as u16;
        let kind = input.kinds.get(i).copied().unwrap_or(TokenKind::Word);
        if i > 0 && !key.is_empty() && !input.keys[i - 1].is_empty() {
            // A bigram speaks for its content word: `maar rahe` is `maar`'s
            // reason, never `rahe`'s or a place's.
            let word = |j: usize| matches!(input.kinds.get(j), Some(TokenKind::Word) | None);
            let owner = if word(i) {
                t
            } else if word(i - 1) {
                (i - 1).min(NO_TOKEN as usize - 1) as u16
            } else {
                NO_TOKEN
            };
            push(
                H::new(b'b').bytes(bigram_key(i - 1).as_bytes()).bytes(b" ").bytes(bigram_key(i).as_bytes()),
                scale,
                owner,
            );
        }
        match kind {
            TokenKind::Stop => continue,
            TokenKind::Place => {
                push(H::new(b'p'), scale, NO_TOKEN);
                continue;
            }
            TokenKind::Word => {}
        }
        push(H::new(b'w').bytes(word.as_bytes()), scale, t);
        if key.is_empty() {
            continue;
        }
        push(H::new(b'k').bytes(key.as_bytes()), scale, t);
        let k = key.as_bytes();
        if k.len() >= 3 && k.is_ascii() {
            // `^key$` n-grams; keys are ASCII by construction.
            let mut padded = [0u8; 64];
            let len = (k.len() + 2).min(64);
            padded[0] = b'^';
            padded[1..len - 1].copy_from_slice(&k[..len - 2]);
            padded[len - 1] = b'$';
            let padded = &padded[..len];
            for g in [3, 4] {
                for w in padded.windows(g) {
                    push(H::new(b'0' + g as u8).bytes(w), scale * 0.5, t);
                }
            }
        }
    }
    let ev = input.evidence;
    for hit in &ev.hits {
        push(H::new(b'L').bytes(hit.text.as_bytes()), 1.0, NO_TOKEN);
    }
    for (c, &score) in ev.scores.iter().enumerate() {
        if score > 0.0 {
            push(H::new(b'S').bytes(&[c as u8]), score.min(4.0), NO_TOKEN);
        }
    }
    if ev.critical {
        push(H::new(b'C'), 1.0, NO_TOKEN);
    }
    if ev.urgent.is_some() {
        push(H::new(b'U'), 1.0, NO_TOKEN);
    }
    if input.question {
        push(H::new(b'?'), 1.0, NO_TOKEN);
    }
    for span in input.pii {
        push(H::new(b'P').bytes(span.kind.slug().as_bytes()), 1.0, NO_TOKEN);
    }
    let length = match n {
        0 => b'0',
        1..=3 => b'1',
        4..=8 => b'2',
        9..=20 => b'3',
        _ => b'4',
    };
    push(H::new(b'N').bytes(&[length]), 1.0, NO_TOKEN);
    push(H::new(b'B'), 1.0, NO_TOKEN);
    // Presence, not counts: a word or keyword repeated 200 times is still one
    // signal. Keeps the first token that made each feature, for the reasons.
    out.sort_by_key(|f| f.bucket);
    out.dedup_by(|next, kept| {
        let same = next.bucket == kept.bucket;
        if same {
            kept.value = kept.value.max(next.value);
            kept.token = kept.token.min(next.token);
        }
        same
    });
}
