//! Language: script proportions, then romanized-Hindi function words.
//!
//! - Devanagari and Latin letters each at least 25% of the letters → `mixed`.
//! - Mostly Devanagari → `hi`.
//! - Mostly Latin with at least two romanized-Hindi function words → `hi-Latn`.
//! - Otherwise `en` (also when the post has no letters at all).

use std::collections::HashSet;
use std::hash::BuildHasherDefault;

use super::Language;
use super::matcher::Fnv;
use super::normalize::Normalized;

/// Words common in romanized Hindi and rare in English. Ambiguous ones
/// (`me`, `to`, `na`, `is`, `the`, `main`, `par`, `sir`) are left out on purpose.
const HINDI_FUNCTION_WORDS: &[&str] = &[
    "hai", "hain", "hei", "nahi", "nahin", "nhi", "nai", "kya", "kyaa", "mera", "meri", "mere", "hamara", "humara",
    "hamari", "hamare", "tera", "teri", "aapka", "aapki", "aapke", "apna", "apni", "apne", "uska", "uski", "uske",
    "iska", "iski", "ka", "ke", "ki", "ko", "se", "hua", "hui", "hue", "huwa", "kar", "karo", "karke", "kare",
    "karein", "karen", "kiya", "kiye", "diya", "liya", "bhai", "ji", "wale", "wala", "wali", "waale", "ho", "raha",
    "rahi", "rahe", "gaya", "gayi", "gaye", "gya", "gyi", "gye", "tha", "thi", "aur", "bhi", "ye", "yeh", "yah", "wo",
    "woh", "vo", "koi", "kuch", "sab", "hum", "aap", "mujhe", "hume", "humein", "unko", "usko", "kab", "kaise",
    "kahan", "kyun", "kyon", "abhi", "jaldi", "sahab", "saab", "sahib", "bahut", "bohot", "bahot", "liye", "pe",
    "mein", "mai", "hoga", "hogi", "kal", "aaj", "ghar", "paas", "sath", "saath", "logo", "logon", "kaha", "bata",
    "batao", "kro", "krna", "karna", "karne", "dekho", "dekhiye", "chahiye", "wahan", "yahan", "ne", "diye", "jai",
    "sa", "hukum",
];

#[derive(Debug)]
pub(crate) struct LanguageDetector {
    function_words: HashSet<&'static str, BuildHasherDefault<Fnv>>,
}

impl LanguageDetector {
    pub fn new() -> Self {
        LanguageDetector { function_words: HINDI_FUNCTION_WORDS.iter().copied().collect() }
    }

    pub fn detect(&self, n: &Normalized) -> Language {
        let deva = n.devanagari as f32;
        let latin = n.latin as f32;
        let total = deva + latin;
        if total == 0.0 {
            return Language::English;
        }
        if deva >= 0.25 * total && latin >= 0.25 * total {
            return Language::Mixed;
        }
        if deva > latin {
            return Language::Hindi;
        }
        let hindi_words = n.tokens().filter(|t| self.function_words.contains(t)).take(2).count();
        if hindi_words >= 2 { Language::HindiLatin } else { Language::English }
    }
}

#[cfg(test)]
mod tests {
    use super::super::normalize::normalize;
    use super::*;

    fn lang(text: &str) -> Language {
        LanguageDetector::new().detect(&normalize(text))
    }

    #[test]
    fn scripts_and_function_words() {
        assert_eq!(lang("मेरी बाइक चोरी हो गई"), Language::Hindi);
        assert_eq!(lang("मेरी बाइक चोरी हो गई, FIR nahi likhi"), Language::Mixed);
        assert_eq!(lang("mere ghar ke paas firing ho rahi hai"), Language::HindiLatin);
        assert_eq!(lang("The bike was stolen near the main market, please help sir"), Language::English);
        assert_eq!(lang("🙏🙏"), Language::English);
        // A little Latin in a Devanagari post (UPI, OTP) is still Hindi.
        assert_eq!(lang("UPI से मेरे खाते से पैसे कट गए, कृपया मदद करें"), Language::Hindi);
    }
}
