//! Repeat rumours: a misinformation post is linked to a claim HQ already knows
//! (the rebuttal library, `tvarit_claims`) or to one seen recently in
//! any district, so a wave is answered once.
//!
//! Robust to script change, small edits and forwarding noise because the
//! signature is built from phonetic keys (`translit::key`, so Devanagari and
//! romanized Hindi meet) with forwarding boilerplate removed, shingled into
//! overlapping 4-character pieces and summarized by MinHash; candidates come
//! from LSH bands and are confirmed by the estimated Jaccard similarity.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::baseline::normalize::normalize;
use crate::translit::key;

const HASHES: usize = 64;
const BANDS: usize = 16;
const ROWS: usize = HASHES / BANDS;
const SHINGLE: usize = 4;
/// Estimated Jaccard similarity needed for a link.
pub const THRESHOLD: f32 = 0.4;
/// How long a new rumour is remembered, and how many.
const RECENT_FOR: Duration = Duration::from_secs(3 * 24 * 3600);
const RECENT_MAX: usize = 5000;

/// Forwarding boilerplate and filler that says nothing about the claim.
#[rustfmt::skip]
const NOISE: &[&str] = &[
    "forwarded", "forward", "fwd", "as", "received", "share", "shared", "please", "pls", "plz", "all", "groups",
    "group", "urgent", "alert", "viral", "message", "msg", "whatsapp", "is", "this", "true", "kya", "ye", "yeh",
    "sach", "hai", "sir", "ji", "the", "a", "of", "and", "to", "in", "on", "me", "mein", "aage", "bhejo",
    "फॉरवर्ड", "शेयर", "कृपया", "सभी", "ग्रुप", "वायरल", "मैसेज", "क्या", "यह", "ये", "सच", "है", "में",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RumourMatch {
    /// A library claim id (`claim-0007`) or a recent one (`recent-<hex>`).
    pub claim: String,
    pub similarity: f32,
}

type Sig = [u32; HASHES];

#[derive(Default)]
struct Index {
    sigs: Vec<(Sig, u32)>,
    bands: HashMap<(u8, u64), Vec<u32>>,
}

impl Index {
    fn insert(&mut self, sig: Sig, claim: u32) -> u32 {
        let slot = self.sigs.len() as u32;
        for (b, h) in band_hashes(&sig) {
            self.bands.entry((b, h)).or_default().push(slot);
        }
        self.sigs.push((sig, claim));
        slot
    }

    fn best(&self, sig: &Sig, alive: impl Fn(u32) -> bool) -> Option<(u32, f32)> {
        let mut best: Option<(u32, f32)> = None;
        for key in band_hashes(sig) {
            for &slot in self.bands.get(&(key.0, key.1)).into_iter().flatten() {
                let (other, claim) = &self.sigs[slot as usize];
                if !alive(slot) {
                    continue;
                }
                let sim = similarity(sig, other);
                if sim >= THRESHOLD && best.is_none_or(|b| sim > b.1) {
                    best = Some((*claim, sim));
                }
            }
        }
        best
    }
}

struct Recent {
    index: Index,
    /// (slot, claim id, first seen), oldest first.
    seen: VecDeque<(u32, String, Instant)>,
    first_alive: u32,
}

pub struct Rumours {
    library: Index,
    ids: Vec<String>,
    recent: Mutex<Recent>,
}

impl std::fmt::Debug for Rumours {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rumours").field("claims", &self.ids.len()).finish()
    }
}

impl Rumours {
    pub fn new() -> Self {
        let mut library = Index::default();
        let mut ids = Vec::new();
        for c in tvarit_claims::all() {
            let id = ids.len() as u32;
            ids.push(c.id);
            for text in std::iter::once(&c.claim).chain(&c.variants) {
                if let Some(sig) = signature(text) {
                    library.insert(sig, id);
                }
            }
        }
        let recent = Recent { index: Index::default(), seen: VecDeque::new(), first_alive: 0 };
        Rumours { library, ids, recent: Mutex::new(recent) }
    }

    pub fn claims(&self) -> usize {
        self.ids.len()
    }

    /// Links a misinformation post (its PII-masked text) to a known or recent
    /// claim; an unknown one is remembered so its repeats link to it.
    pub fn link(&self, text: &str) -> Option<RumourMatch> {
        let sig = signature(text)?;
        if let Some((claim, sim)) = self.library.best(&sig, |_| true) {
            return Some(RumourMatch { claim: self.ids[claim as usize].clone(), similarity: round(sim) });
        }
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.expire(Instant::now());
        let first_alive = recent.first_alive;
        if let Some((claim, sim)) = recent.index.best(&sig, |slot| slot >= first_alive) {
            let id = recent.seen.iter().find(|s| s.0 == claim).map(|s| s.1.clone())?;
            return Some(RumourMatch { claim: id, similarity: round(sim) });
        }
        let id = format!("recent-{:016x}", sig.iter().fold(0u64, |h, &x| h.rotate_left(5) ^ u64::from(x)));
        let slot = recent.index.sigs.len() as u32;
        recent.index.insert(sig, slot);
        recent.seen.push_back((slot, id, Instant::now()));
        None
    }
}

impl Default for Rumours {
    fn default() -> Self {
        Self::new()
    }
}

impl Recent {
    fn expire(&mut self, now: Instant) {
        while let Some(front) = self.seen.front() {
            if self.seen.len() > RECENT_MAX || now.duration_since(front.2) > RECENT_FOR {
                self.first_alive = front.0 + 1;
                self.seen.pop_front();
            } else {
                break;
            }
        }
        // Rebuild when most of the index is dead, so memory stays bounded.
        if self.index.sigs.len() > 2 * RECENT_MAX {
            let alive: Vec<_> = self.seen.iter().map(|s| (self.index.sigs[s.0 as usize].0, s.1.clone(), s.2)).collect();
            self.index = Index::default();
            self.seen.clear();
            self.first_alive = 0;
            for (sig, id, at) in alive {
                let slot = self.index.sigs.len() as u32;
                self.index.insert(sig, slot);
                self.seen.push_back((slot, id, at));
            }
        }
    }
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// The MinHash signature of a text's claim, or `None` when too little is left.
fn signature(text: &str) -> Option<Sig> {
    let noise: Vec<String> = NOISE.iter().map(|w| key(w)).collect();
    let n = normalize(text);
    let joined: Vec<String> = n.tokens().map(key).filter(|k| !k.is_empty() && !noise.contains(k)).collect();
    let s: Vec<char> = joined.join(" ").chars().collect();
    if s.len() < SHINGLE + 4 {
        return None;
    }
    let mut sig = [u32::MAX; HASHES];
    for w in s.windows(SHINGLE) {
        let base = w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| (h ^ c as u64).wrapping_mul(0x0100_0000_01b3));
        for (i, slot) in sig.iter_mut().enumerate() {
            let h = mix(base ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            *slot = (*slot).min(h as u32);
        }
    }
    Some(sig)
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn band_hashes(sig: &Sig) -> impl Iterator<Item = (u8, u64)> + '_ {
    sig.chunks(ROWS).enumerate().map(|(b, rows)| (b as u8, rows.iter().fold(0u64, |h, &x| mix(h ^ u64::from(x)))))
}

fn similarity(a: &Sig, b: &Sig) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / HASHES as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_claims_link_across_scripts_and_forwarding_noise() {
        let r = Rumours::new();
        assert!(r.claims() >= 10);
        let m = r
            .link("*Forwarded as received* भीलवाड़ा में बच्चा चोर गिरोह घूम रहा है, बच्चों को अकेला न छोड़ें!!")
            .expect("a known claim");
        assert!(m.claim.starts_with("claim-"), "{m:?}");
        let latin = r.link("Bhilwara me bachcha chor giroh ghoom raha hai bachchon ko akela na chhode, share karo");
        assert_eq!(latin.map(|l| l.claim), Some(m.claim));
    }

    #[test]
    fn a_new_rumour_is_remembered_and_its_repeat_linked() {
        let r = Rumours::new();
        let first = "Sikar ke Khatu mele me nakli prasad se 12 log mar gaye, mandir band";
        assert_eq!(r.link(first), None);
        let again = r.link("sikar khatu mele mein nakli prasad se 12 log mar gaye mandir band!! share").unwrap();
        assert!(again.claim.starts_with("recent-"), "{again:?}");
        assert_eq!(r.link("mera phone chori ho gaya"), None);
    }
}
