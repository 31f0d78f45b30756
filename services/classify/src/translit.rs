//! A script-independent phonetic key for a token, so that `chori`, `chory`
//! and `चोरी` compare equal, and so do `Jhunjhunu` and `झुंझुनूं` or
//! `Chittorgarh`, `chitorgadh` and `चित्तौड़गढ़`.
//!
//! Devanagari is first romanized (every inherent vowel written, nasals before
//! consonants as `n`), then every Latin token is folded the
//! way people's spellings vary: aspiration dropped (`kh`→`k`), `w`→`v`,
//! `z`→`j`, `ph`→`f`, long vowels shortened, `ai`→`e`, `au`→`o`, doubled
//! letters collapsed, `d` after a vowel read as the flap `r` (ड़ is written `r`
//! or `d`), a final nasal after a vowel dropped, and the short `a` dropped
//! after the first letter, because Hindi spellers disagree most about where a
//! schwa is (`ganganagar`/`gangangar`).
//!
//! The key is lossy by design; it is used for matching places, for shared
//! features between Hindi and Hinglish, and for rumour shingles, never shown.

/// The phonetic key of one normalized token (lowercase Latin, or Devanagari
/// already folded by `normalize`). Digits pass through.
pub fn key(token: &str) -> String {
    let mut latin = String::with_capacity(token.len());
    if token.bytes().any(|b| b >= 0x80) {
        romanize(token, &mut latin);
    } else {
        latin.push_str(token);
    }
    fold(&latin)
}

/// One Devanagari letter's Latin consonant, if it is a consonant.
fn consonant(c: char) -> Option<&'static str> {
    Some(match c {
        'क' => "k",
        'ख' => "kh",
        'ग' => "g",
        'घ' => "gh",
        'ङ' | 'ञ' | 'ण' | 'न' => "n",
        'च' => "ch",
        'छ' => "chh",
        'ज' => "j",
        'झ' => "jh",
        'ट' | 'त' => "t",
        'ठ' | 'थ' => "th",
        'ड' | 'द' => "d",
        'ढ' | 'ध' => "dh",
        'प' => "p",
        'फ' => "ph",
        'ब' => "b",
        'भ' => "bh",
        'म' => "m",
        'य' => "y",
        'र' => "r",
        'ल' | 'ळ' => "l",
        'व' => "v",
        'श' | 'ष' => "sh",
        'स' => "s",
        'ह' => "h",
        _ => return None,
    })
}

/// Vowel signs (matras) and independent vowels.
fn vowel(c: char) -> Option<&'static str> {
    Some(match c {
        'अ' => "a",
        'आ' | 'ा' => "aa",
        'इ' | 'ि' => "i",
        'ई' | 'ी' => "ii",
        'उ' | 'ु' => "u",
        'ऊ' | 'ू' => "uu",
        'ऋ' | 'ृ' => "ri",
        'ए' | 'े' | 'ऍ' | 'ॅ' => "e",
        'ऐ' | 'ै' => "ai",
        'ओ' | 'ो' | 'ऑ' | 'ॉ' => "o",
        'औ' | 'ौ' => "au",
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum V {
    /// The inherent `a`, which schwa deletion may drop.
    Inherent,
    /// A written vowel sign.
    Sign(&'static str),
    /// Virama: no vowel.
    None,
}

/// Romanizes one Devanagari token into `out`.
fn romanize(token: &str, out: &mut String) {
    // Syllables: (consonant or "" for an independent vowel, vowel, nasal).
    let mut syl: Vec<(&'static str, V, bool)> = Vec::with_capacity(token.len() / 3 + 1);
    for c in token.chars() {
        if let Some(cons) = consonant(c) {
            syl.push((cons, V::Inherent, false));
        } else if let Some(v) = vowel(c) {
            match syl.last_mut() {
                // A vowel sign replaces the inherent vowel of the consonant before it.
                Some(last) if last.1 == V::Inherent && is_sign(c) => last.1 = V::Sign(v),
                _ => syl.push(("", V::Sign(v), false)),
            }
        } else if c == '\u{094D}' {
            if let Some(last) = syl.last_mut() {
                last.1 = V::None;
            }
        } else if c == 'ं' || c == 'ँ' {
            if let Some(last) = syl.last_mut() {
                last.2 = true;
            }
        } else if c == 'ः' {
            syl.push(("h", V::None, false));
        } else if c.is_ascii_alphanumeric() {
            syl.push((ascii_str(c), V::None, false));
        }
    }
    // No schwa deletion: `fold` drops every short `a` after the first letter
    // anyway, which is more robust than guessing where a schwa is silent.
    for (i, &(cons, v, nasal)) in syl.iter().enumerate() {
        out.push_str(cons);
        match v {
            V::Inherent => out.push('a'),
            V::Sign(s) => out.push_str(s),
            _ => {}
        }
        // Anusvara is `n` before a consonant, and only nasalizes a final vowel.
        if nasal && syl.get(i + 1).is_some_and(|s| !s.0.is_empty()) {
            out.push('n');
        }
    }
}

fn is_sign(c: char) -> bool {
    ('\u{093E}'..='\u{094C}').contains(&c) || c == '\u{0945}' || c == '\u{0949}'
}

fn ascii_str(c: char) -> &'static str {
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyz";
    match c {
        '0'..='9' => DIGITS[c as usize - '0' as usize],
        'a'..='z' => {
            let i = c as usize - 'a' as usize;
            &LETTERS[i..i + 1]
        }
        _ => "",
    }
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// Folds a Latin spelling; see the module comment.
fn fold(s: &str) -> String {
    let b = s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let (emit, skip): (&[u8], usize) = match (c, next) {
            (b'p', Some(b'h')) => (b"f", 2),
            (b'c', Some(b'k')) => (b"k", 2),
            (b'c', _) => (b"c", 1),
            (b'q', _) => (b"k", 1),
            (b'z', _) => (b"j", 1),
            (b'w', _) => (b"v", 1),
            (b'x', _) => (b"ks", 1),
            (b'y', _) => (b"i", 1),
            (b'a', Some(b'i' | b'y')) | (b'e', Some(b'i')) => (b"e", 2),
            (b'a', Some(b'u')) | (b'o', Some(b'u')) => (b"o", 2),
            (b'e', Some(b'e')) => (b"i", 2),
            (b'o', Some(b'o')) => (b"u", 2),
            // An `h` after a consonant is aspiration (kh, chh, dh, rh): dropped.
            (b'h', _) if out.last().is_some_and(|&p| !is_vowel(p) && p.is_ascii_alphabetic()) => (b"", 1),
            (b's', Some(b'h')) => (b"s", 2),
            _ => (std::slice::from_ref(&b[i]), 1),
        };
        for &e in emit {
            // The flap: `d` after a vowel is written `r` as often as `d`.
            let e = if e == b'd' && out.last().is_some_and(|&p| is_vowel(p)) { b'r' } else { e };
            if out.last() != Some(&e) {
                out.push(e);
            }
        }
        i += skip;
    }
    // A final nasal is written `n` in Latin (Osian, ओसियां) or not at all.
    if out.len() > 2 && out.last() == Some(&b'n') && is_vowel(out[out.len() - 2]) {
        out.pop();
    }
    // Drop the short `a` after the first letter: schwas are spelt inconsistently.
    let mut folded = String::with_capacity(out.len());
    for (k, &c) in out.iter().enumerate() {
        // Letters that met when an `a` between them went collapse too.
        if (k == 0 || c != b'a') && !folded.ends_with(c as char) {
            folded.push(c as char);
        }
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::key;

    fn same(a: &str, b: &str) {
        assert_eq!(key(a), key(b), "{a} vs {b}");
    }

    #[test]
    fn devanagari_and_latin_spellings_agree() {
        same("chori", "चोरी");
        same("chory", "चोरी");
        same("jaipur", "जयपुर");
        same("kota", "कोटा");
        same("barmer", "बाडमेर");
        same("badmer", "barmer");
        same("jhunjhunu", "झुंझुनूं");
        same("chittorgarh", "चित्तौडगढ");
        same("chitorgadh", "chittorgarh");
        same("sriganganagar", "श्रीगंगानगर");
        same("alwar", "अलवर");
        same("jaisalmer", "jesalmer");
        same("hai", "है");
        same("nahi", "नहीं");
        same("ghar", "घर");
        same("bhilwara", "भीलवाडा");
        same("mandalgarh", "मांडलगढ");
        same("osian", "ओसियां");
        same("kaman", "कामां");
        same("jodhpur", "जोधपुर");
    }

    #[test]
    fn different_words_stay_apart() {
        assert_ne!(key("kota"), key("kaat"));
        assert_ne!(key("pali"), key("pul"));
        assert_ne!(key("jaipur"), key("jodhpur"));
        assert_eq!(key("2024"), "2024");
        assert_eq!(key(""), "");
    }
}
