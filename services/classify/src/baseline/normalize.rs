//! Text normalization shared by the lexicon, the place table and language
//! detection. A post becomes one lowercase string of tokens separated by single
//! spaces, plus the byte range of each token, so that phrase matching is token
//! comparison and word boundaries come for free.
//!
//! - `@handles` and URLs are dropped; `#` is dropped and CamelCase hashtags are
//!   split (`#FakeNews` → `fake news`).
//! - Latin is lowercased; punctuation, emoji, hyphens and the danda separate
//!   tokens.
//! - Devanagari is folded so spelling variants compare equal: the nukta is
//!   removed (precomposed `ड़` becomes `ड`), chandrabindu becomes anusvara
//!   (`ँ` → `ं`), zero-width joiners are dropped and Devanagari digits become
//!   ASCII digits.

/// A normalized post (or lexicon phrase).
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    text: String,
    tokens: Vec<(u32, u32)>,
    open: Option<u32>,
    /// Devanagari letters and signs outside handles and URLs.
    pub devanagari: u32,
    /// ASCII letters outside handles and URLs.
    pub latin: u32,
    /// The post contains a question mark.
    pub question: bool,
}

impl Normalized {
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    pub fn token(&self, i: usize) -> &str {
        let (start, end) = self.tokens[i];
        &self.text[start as usize..end as usize]
    }

    pub fn tokens(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.token(i))
    }

    fn push(&mut self, c: char) {
        if self.open.is_none() {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            self.open = Some(self.text.len() as u32);
        }
        self.text.push(c);
    }

    fn end_token(&mut self) {
        if let Some(start) = self.open.take() {
            self.tokens.push((start, self.text.len() as u32));
        }
    }

    fn push_char(&mut self, c: char) {
        match c {
            'a'..='z' | 'A'..='Z' => {
                self.latin += 1;
                self.push(c.to_ascii_lowercase());
            }
            '0'..='9' => self.push(c),
            '?' => {
                self.question = true;
                self.end_token();
            }
            '\u{0900}'..='\u{097F}' => self.push_devanagari(c),
            // Zero-width non-joiner/joiner, variation selectors: invisible.
            '\u{200C}' | '\u{200D}' | '\u{FE0E}' | '\u{FE0F}' => {}
            c if c.is_alphabetic() => c.to_lowercase().for_each(|l| self.push(l)),
            _ => self.end_token(),
        }
    }

    fn push_devanagari(&mut self, c: char) {
        let folded = match c {
            // Nukta: dropped, so ड़ (ड + ़) and ड compare equal.
            '\u{093C}' => return,
            // Danda and double danda end a sentence.
            '\u{0964}' | '\u{0965}' => return self.end_token(),
            // Chandrabindu → anusvara.
            '\u{0901}' => '\u{0902}',
            // Precomposed nukta letters → their base letters.
            '\u{0958}' => 'क',
            '\u{0959}' => 'ख',
            '\u{095A}' => 'ग',
            '\u{095B}' => 'ज',
            '\u{095C}' => 'ड',
            '\u{095D}' => 'ढ',
            '\u{095E}' => 'फ',
            '\u{095F}' => 'य',
            // Devanagari digits → ASCII digits.
            '\u{0966}'..='\u{096F}' => {
                let digit = c as u32 - 0x0966;
                return self.push(char::from_digit(digit, 10).unwrap_or('0'));
            }
            c => c,
        };
        self.devanagari += 1;
        self.push(folded);
    }
}

/// Normalize a post's text.
pub(crate) fn normalize(raw: &str) -> Normalized {
    let mut n = Normalized {
        text: String::with_capacity(raw.len() + 8),
        tokens: Vec::with_capacity(raw.len() / 4 + 1),
        ..Normalized::default()
    };
    for word in raw.split_whitespace() {
        if word.starts_with('@') || is_url(word) {
            continue;
        }
        let (word, hashtag) = match word.strip_prefix('#') {
            Some(rest) => (rest, true),
            None => (word, false),
        };
        let mut prev_lower = false;
        for c in word.chars() {
            if hashtag && prev_lower && c.is_ascii_uppercase() {
                n.end_token();
            }
            prev_lower = c.is_ascii_lowercase();
            n.push_char(c);
        }
        n.end_token();
    }
    n
}

/// The tokens of a lexicon phrase or place name, normalized like posts.
pub(crate) fn phrase_tokens(phrase: &str) -> Vec<Box<str>> {
    let n = normalize(phrase);
    n.tokens().map(Box::from).collect()
}

fn is_url(word: &str) -> bool {
    let lower = |prefix: &str| {
        word.len() >= prefix.len()
            && word.is_char_boundary(prefix.len())
            && word[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    lower("http://") || lower("https://") || lower("www.") || lower("t.co/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        normalize(s).tokens().map(String::from).collect()
    }

    #[test]
    fn drops_handles_urls_and_splits_hashtags() {
        assert_eq!(
            toks("@SP_Balotra Bike STOLEN!! https://t.co/x #FakeNews #जयपुर_पुलिस"),
            ["bike", "stolen", "fake", "news", "जयपुर", "पुलिस"]
        );
    }

    #[test]
    fn folds_nukta_and_chandrabindu() {
        // Precomposed ड़ (U+095C), decomposed ड + ़, and plain ड all agree.
        assert_eq!(toks("\u{095C}"), toks("\u{0921}\u{093C}"));
        assert_eq!(toks("बाड़मेर"), ["बाडमेर"]);
        assert_eq!(toks("कहाँ"), toks("कहां"));
        assert_eq!(toks("Didwana-Kuchaman।"), ["didwana", "kuchaman"]);
    }

    #[test]
    fn counts_scripts_and_questions() {
        let n = normalize("@PoliceRajasthan क्या ye sach hai?");
        assert_eq!(n.latin, 9);
        assert_eq!(n.devanagari, 4);
        assert!(n.question);
    }
}
