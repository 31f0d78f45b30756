//! Filtered-stream rule values: a small subset of X's rule language, parsed
//! and matched. Supported: `@handle`, `from:handle`, bare keywords, `"quoted
//! phrases"`, `#hashtags`, `is:retweet`, `is:reply`, `is:quote`,
//! `has:mentions`, `lang:xx`, `-` negation, `OR`, and parentheses; AND
//! (juxtaposition) binds tighter than OR, as on X.

use crate::state::Post;

/// X's rule-length limit on the Pro tier (512 on Basic).
pub const MAX_RULE_LEN: usize = 1024;

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub value: String,
    pub tag: Option<String>,
    pub expr: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Mention(String),
    From(String),
    Keyword(String),
    Phrase(String),
    Hashtag(String),
    IsRetweet,
    IsReply,
    IsQuote,
    HasMentions,
    Lang(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    Or,
    Minus,
    Phrase(String),
    Word(String),
}

fn tokenize(value: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = value.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' => {
                out.push(if c == '(' { Tok::Open } else { Tok::Close });
                i += 1;
            }
            '-' if i + 1 < chars.len() && !chars[i + 1].is_whitespace() => {
                out.push(Tok::Minus);
                i += 1;
            }
            '"' => {
                let end = chars[i + 1..].iter().position(|&c| c == '"').ok_or("Unterminated quoted phrase")?;
                out.push(Tok::Phrase(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '(' | ')' | '"') {
                    i += 1;
                }
                let w: String = chars[start..i].iter().collect();
                out.push(if w == "OR" { Tok::Or } else { Tok::Word(w) });
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut alts = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.at += 1;
            alts.push(self.and()?);
        }
        Ok(if alts.len() == 1 { alts.remove(0) } else { Expr::Or(alts) })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut terms = Vec::new();
        while let Some(t) = self.peek() {
            if matches!(t, Tok::Or | Tok::Close) {
                break;
            }
            terms.push(self.unary()?);
        }
        if terms.is_empty() {
            return Err("Ambiguous use of OR or empty group".into());
        }
        if terms.iter().all(|t| matches!(t, Expr::Not(_))) {
            return Err("Rules must contain a non-negation term".into());
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::And(terms) })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek() == Some(&Tok::Minus) {
            self.at += 1;
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let tok = self.toks.get(self.at).cloned().ok_or("Unexpected end of rule")?;
        self.at += 1;
        match tok {
            Tok::Open => {
                let e = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err("Unbalanced parentheses".into());
                }
                self.at += 1;
                Ok(e)
            }
            Tok::Phrase(p) if p.trim().is_empty() => Err("Empty quoted phrase".into()),
            Tok::Phrase(p) => Ok(Expr::Phrase(p.to_lowercase())),
            Tok::Word(w) => word(&w),
            Tok::Close => Err("Unbalanced parentheses".into()),
            Tok::Or | Tok::Minus => Err("Ambiguous use of OR".into()),
        }
    }
}

fn word(w: &str) -> Result<Expr, String> {
    let handle = |h: &str| -> Result<String, String> {
        if h.is_empty() || h.len() > 15 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("Invalid handle: {h}"));
        }
        Ok(h.to_ascii_lowercase())
    };
    if let Some(h) = w.strip_prefix('@') {
        return Ok(Expr::Mention(handle(h)?));
    }
    if let Some(t) = w.strip_prefix('#') {
        return Ok(Expr::Hashtag(t.to_lowercase()));
    }
    if let Some((op, arg)) = w.split_once(':') {
        return match (op, arg) {
            ("from", h) => Ok(Expr::From(handle(h.trim_start_matches('@'))?)),
            ("is", "retweet") => Ok(Expr::IsRetweet),
            ("is", "reply") => Ok(Expr::IsReply),
            ("is", "quote") => Ok(Expr::IsQuote),
            ("has", "mentions") => Ok(Expr::HasMentions),
            ("lang", l) if !l.is_empty() => Ok(Expr::Lang(l.to_ascii_lowercase())),
            _ => Err(format!(
                "Reference to invalid operator '{op}'. Operator is not available in current product or product packaging."
            )),
        };
    }
    Ok(Expr::Keyword(w.to_lowercase()))
}

/// Parses a rule value, or says why X would refuse it.
pub fn parse(value: &str) -> Result<Expr, String> {
    if value.trim().is_empty() {
        return Err("Rule value is empty".into());
    }
    if value.chars().count() > MAX_RULE_LEN {
        return Err(format!("Rule length exceeds the maximum of {MAX_RULE_LEN} characters"));
    }
    let mut p = Parser { toks: tokenize(value)?, at: 0 };
    let e = p.or()?;
    if p.at != p.toks.len() {
        return Err("Unbalanced parentheses".into());
    }
    Ok(e)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || ('\u{0900}'..='\u{097F}').contains(&c)
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

impl Expr {
    pub fn matches(&self, p: &Post) -> bool {
        match self {
            Expr::Or(v) => v.iter().any(|e| e.matches(p)),
            Expr::And(v) => v.iter().all(|e| e.matches(p)),
            Expr::Not(e) => !e.matches(p),
            Expr::Mention(h) => p.mentions.iter().any(|m| m.eq_ignore_ascii_case(h)),
            Expr::From(h) => p.author.username.eq_ignore_ascii_case(h),
            Expr::Keyword(k) if k.chars().all(is_word_char) => words(&p.text).iter().any(|w| w == k),
            Expr::Keyword(k) => p.text.to_lowercase().contains(k.as_str()),
            Expr::Phrase(s) => {
                let norm = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
                norm(&p.text.to_lowercase()).contains(&norm(s))
            }
            Expr::Hashtag(t) => {
                let lower = p.text.to_lowercase();
                let needle = format!("#{t}");
                lower.match_indices(&needle).any(|(i, _)| !lower[i + needle.len()..].starts_with(is_word_char))
            }
            Expr::IsRetweet | Expr::IsQuote => false,
            Expr::IsReply => p.in_reply_to_id.is_some(),
            Expr::HasMentions => !p.mentions.is_empty(),
            Expr::Lang(l) => {
                let hindi = p.text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c));
                l == if hindi { "hi" } else { "en" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Author, Platform};
    use chrono::Utc;

    fn post(text: &str) -> Post {
        Post {
            platform: Platform::X,
            id: "1".into(),
            seq: 1,
            corpus_id: None,
            text: text.into(),
            author: Author { id: "7".into(), username: "citizen".into(), name: "C".into() },
            mentions: crate::public::mentions_in(text).into_iter().map(|m| m.2).collect(),
            mentioned_ids: vec![],
            created_at: Utc::now(),
            indexed_at: Utc::now(),
            conversation_id: "1".into(),
            in_reply_to_id: None,
            in_reply_to_user_id: None,
            page_id: None,
            fb_post_id: None,
            by_account: false,
            media: Vec::new(),
        }
    }

    fn m(rule: &str, text: &str) -> bool {
        parse(rule).unwrap().matches(&post(text))
    }

    #[test]
    fn mentions_keywords_phrases_and_or() {
        assert!(m("@SP_Balotra -is:retweet", "@sp_balotra डीजे बज रहा है"));
        assert!(!m("@SP_Balotra -is:retweet", "@jaipur_police help"));
        assert!(m("बालोतरा पुलिस", "बालोतरा में पुलिस नहीं आई"));
        assert!(!m("बालोतरा पुलिस", "बालोतरा में कोई नहीं"));
        assert!(m("\"station road\"", "bike stolen near Station  Road today"));
        assert!(m("jam OR चोरी", "मेरी बाइक चोरी हो गई"));
        assert!(m("(jam OR traffic) jodhpur", "Jodhpur traffic is bad"));
        assert!(!m("(jam OR traffic) jodhpur", "Jaipur traffic is bad"));
        assert!(!m("police -fake", "fake police call"));
        assert!(m("#RajasthanPolice", "thanks #rajasthanpolice!"));
        assert!(!m("#Rajasthan", "thanks #rajasthanpolice"));
    }

    #[test]
    fn invalid_rules_are_refused() {
        assert!(parse("-is:retweet").is_err());
        assert!(parse("(a OR b").is_err());
        assert!(parse("a OR").is_err());
        assert!(parse("place_country:IN").is_err());
        assert!(parse("\"open").is_err());
        assert!(parse("").is_err());
    }
}
