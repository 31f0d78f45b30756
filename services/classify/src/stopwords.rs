//! Function words: the glue of Hindi, Hinglish and English sentences. They
//! say nothing about what a post is, yet a model trained on template posts
//! learned `are`, `bhi` and `rahe` as signs of `sensitive`. A function word
//! makes no feature of its own; it still counts inside a key bigram
//! (`maar rahe`: beating, now), where it does carry meaning.
//!
//! Question words (`kya`, `kaise`, `how`) and time words (`abhi`, `अभी`:
//! now) are not on the list: they tell a query from an emergency.
//!
//! Matched on the word as normalized (lowercase), not on its phonetic key:
//! folded keys of short words collide with content words.

use std::collections::HashSet;
use std::sync::LazyLock;

#[rustfmt::skip]
const WORDS: &[&str] = &[
    // English
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "of", "in", "on", "at", "to",
    "for", "from", "by", "with", "and", "or", "but", "this", "that", "these", "those", "it", "its", "he",
    "she", "they", "we", "i", "you", "my", "our", "your", "his", "her", "their", "me", "us", "him", "them",
    "there", "here", "has", "have", "had", "do", "does", "did", "will", "would", "can", "could", "should",
    "shall", "may", "might", "so", "as", "if", "then", "also", "just", "very", "all", "any", "some",     "into", "about", "over", "after", "before",
    "up", "out", "been", "than", "too", "own", "same", "such", "only", "both", "each", "few", "more", "most",
    "other", "again", "once", "while", "because", "until", "through", "during", "above", "below", "off",
    "under", "further", "being", "im", "its", "dont", "got", "get", "one",
    // Romanized Hindi
    "hai", "hain", "h", "hae", "he", "tha", "the", "thi", "thin", "ho", "hoga", "hogi", "honge", "ke", "ka",
    "ki", "ko", "me", "mein", "mai", "main", "mei", "se", "sey", "par", "pe", "pr", "ne", "aur", "or",
    "bhi", "bi", "to", "toh", "hi", "yeh", "ye", "yah", "vo", "woh", "wo", "vah", "is", "us", "ek", "kar",
    "karke", "ra", "rha", "raha", "rahi", "rahe", "rhe", "rhi", "rahaa", "gaya", "gayi", "gaye", "gya",
    "gyi", "gye", "ji", "hum", "ham", "mera", "meri", "mere", "hamara", "hamari", "hamare", "apna",
    "apni", "apne", "aap", "ap", "tum", "tu", "jo", "kuch", "kuchh", "sab", "liye", "liya", "lie", "bahut",
    "bhut", "bohot", "ab", "hua", "hui", "hue", "huye", "diya", "di", "de", "do", "dono",     "iss", "uss", "inka", "unka", "inki", "unki", "iske", "uske", "iska", "uska", "wala", "wali", "wale",
    "bhai", "sir", "sahab", "sa", "na", "ni", "haan", "han", "jab", "tab", "yaha", "yahan", "waha",
    "wahan", "koi", "kisi", "sath", "saath", "tak", "bhee",
    // Devanagari
    "है", "हैं", "था", "थे", "थी", "हो", "होगा", "होगी", "के", "का", "की", "को", "में", "मे", "से", "पर",
    "ने", "और", "भी", "तो", "ही", "यह", "वह", "ये", "वो", "इस", "उस", "एक", "कर", "करके", "रहा", "रही",
    "रहे", "गया", "गई", "गयी", "गए", "गये", "जी", "हम", "मैं", "मै", "मेरा", "मेरी", "मेरे", "हमारा",
    "हमारी", "हमारे", "अपना", "अपनी", "अपने", "आप", "तुम", "जो", "कुछ", "सब", "लिए", "लिये", "बहुत",
    "अब", "हुआ", "हुई", "हुए", "दिया", "दी", "दे", "दो", "इसके", "उसके", "इसका", "उसका", "इसकी",
    "उसकी", "वाला", "वाली", "वाले", "साहब", "सा", "ना", "हां", "हाँ", "जब", "तब", "यहां", "यहाँ",
    "वहां", "वहाँ", "कोई", "किसी", "साथ", "तक", "कि", "इन", "उन", "किया",
    "करने", "करें", "करे", "करो", "रहें", "भाई", "सर",
];

static SET: LazyLock<HashSet<&'static str>> = LazyLock::new(|| WORDS.iter().copied().collect());

/// Whether `word` (normalized: lowercase, nukta folded) is a function word.
pub fn is_stop(word: &str) -> bool {
    SET.contains(word)
}
