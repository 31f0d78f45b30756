//! What a publication says and how it reads on each platform: the kinds,
//! the checks on a composed post, the text exactly as posted, and the
//! length each platform counts.
//!
//! One text goes to every platform (Hindi, then English, then links and
//! media URLs), so a district's copy reads like HQ's and a person checking
//! by hand finds it by its words. X counts it the twitter-text v3 way:
//! code points up to U+10FF (Latin, Devanagari, …) and a few punctuation
//! ranges weigh 1, everything else (emoji, CJK) 2, and every URL 23 (t.co).
//! Variation selectors weigh nothing; other emoji sequences (ZWJ families)
//! are counted per part, which over-counts: a post that fits here fits on X.

use tvarit_proto::v1::PostContent;

pub const KINDS: [&str; 4] = ["awareness", "achievement", "fact_check", "alert"];
/// X's limit in weighted characters.
pub const X_LIMIT: usize = 280;
/// Facebook's limit for a Page post's message.
pub const FACEBOOK_LIMIT: usize = 63_206;
/// t.co wraps every link to this many characters.
const X_URL_LENGTH: usize = 23;
const MAX_LINKS: usize = 10;

/// Why a composed post is refused.
pub fn validate(c: &PostContent) -> Result<(), String> {
    if !KINDS.contains(&c.kind.as_str()) {
        return Err(format!("kind must be one of {}, not {:?}", KINDS.join(", "), c.kind));
    }
    if c.text_hi.trim().is_empty() && c.text_en.trim().is_empty() {
        return Err("give the text in Hindi, English or both".into());
    }
    if c.links.len() + c.media.len() > MAX_LINKS {
        return Err(format!("at most {MAX_LINKS} links and media in one post"));
    }
    if let Some(bad) = c.links.iter().chain(&c.media).find(|u| !is_url(u)) {
        return Err(format!("not an http(s) link: {bad:?}"));
    }
    if c.kind == "fact_check" {
        let f = c.fact_check.clone().unwrap_or_default();
        if f.claim.trim().is_empty() {
            return Err("a fact-check needs the claim it answers".into());
        }
        if !crate::library::rebuttals::VERDICTS.contains(&f.verdict.as_str()) {
            return Err(format!("verdict must be one of {}", crate::library::rebuttals::VERDICTS.join(", ")));
        }
    }
    Ok(())
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && s.len() > 8 && !s.chars().any(char::is_whitespace)
}

fn verdict_label(verdict: &str) -> &'static str {
    match verdict {
        "false" => "असत्य / FALSE",
        "misleading" => "भ्रामक / MISLEADING",
        _ => "अपुष्ट / UNVERIFIED",
    }
}

/// The text posted on every platform.
pub fn body(c: &PostContent) -> String {
    let mut parts: Vec<String> = Vec::new();
    match c.kind.as_str() {
        "fact_check" => {
            let f = c.fact_check.clone().unwrap_or_default();
            parts.push(format!("#FactCheck {}\nदावा / Claim: {}", verdict_label(&f.verdict), f.claim.trim()));
        }
        "alert" => parts.push("⚠️ चेतावनी / ALERT".into()),
        _ => {}
    }
    parts.extend([c.text_hi.trim(), c.text_en.trim()].into_iter().filter(|t| !t.is_empty()).map(str::to_owned));
    let links: Vec<&str> = c.links.iter().chain(&c.media).map(|u| u.trim()).collect();
    if !links.is_empty() {
        parts.push(links.join("\n"));
    }
    parts.join("\n\n")
}

/// The length `platform` counts, and its limit; `None` for a platform
/// Tvarit cannot post on.
pub fn measure(platform: &str, text: &str) -> Option<(usize, usize)> {
    match platform {
        "x" => Some((x_weighted_length(text), X_LIMIT)),
        "facebook" => Some((text.chars().count(), FACEBOOK_LIMIT)),
        _ => None,
    }
}

/// twitter-text v3's weighted length (URLs count 23).
pub fn x_weighted_length(text: &str) -> usize {
    let mut total = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let at = [rest.find("https://"), rest.find("http://")].into_iter().flatten().min();
        let Some(at) = at else {
            total += weigh(rest);
            break;
        };
        total += weigh(&rest[..at]);
        let end = rest[at..].find(char::is_whitespace).map_or(rest.len(), |i| at + i);
        total += X_URL_LENGTH;
        rest = &rest[end..];
    }
    total
}

fn weigh(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let c = c as u32;
            if (0xFE00..=0xFE0F).contains(&c) {
                return 0;
            }
            let light = c <= 0x10FF
                || (0x2000..=0x200D).contains(&c)
                || (0x2010..=0x201F).contains(&c)
                || (0x2032..=0x2037).contains(&c);
            if light { 1 } else { 2 }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvarit_proto::v1::FactCheck;

    #[test]
    fn x_counts_devanagari_as_one_emoji_as_two_and_urls_as_23() {
        // क ृ प य ा: five code points, each weight 1.
        assert_eq!(x_weighted_length("कृपया"), 5);
        // An emoji weighs 2; its variation selector adds nothing, as X
        // counts the whole emoji sequence once.
        assert_eq!(x_weighted_length("⚠️"), 2);
        assert_eq!(x_weighted_length("see https://police.rajasthan.gov.in/a/very/long/path/indeed ok"), 4 + 23 + 3);
        assert_eq!(x_weighted_length(&"a".repeat(280)), 280);
    }

    #[test]
    fn a_fact_check_reads_claim_verdict_and_facts() {
        let c = PostContent {
            kind: "fact_check".into(),
            text_hi: "यह खबर झूठी है।".into(),
            text_en: "This is false.".into(),
            links: vec!["https://police.rajasthan.gov.in/fc/1".into()],
            fact_check: Some(FactCheck {
                claim: "Petrol pumps closed".into(),
                verdict: "false".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        assert!(validate(&c).is_ok());
        assert_eq!(
            body(&c),
            "#FactCheck असत्य / FALSE\nदावा / Claim: Petrol pumps closed\n\nयह खबर झूठी है।\n\nThis is false.\n\nhttps://police.rajasthan.gov.in/fc/1"
        );
        let mut bad = c.clone();
        bad.fact_check = None;
        assert!(validate(&bad).unwrap_err().contains("claim"));
        bad.kind = "gossip".into();
        assert!(validate(&bad).unwrap_err().contains("kind"));
    }

    #[test]
    fn limits_per_platform() {
        assert_eq!(measure("x", "abc"), Some((3, 280)));
        assert_eq!(measure("facebook", "कृपया"), Some((5, 63_206)));
        assert_eq!(measure("youtube", "abc"), None);
    }
}
