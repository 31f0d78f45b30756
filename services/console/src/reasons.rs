//! The classifier's reasons (`keyword:chori→complaint`, `place:Pachpadra→balotra`,
//! `lang:hi-Latn`, ...) as sentences in the interface language, with
//! categories, units and languages named as everywhere else on the page. A
//! reason of a shape this does not know shows as the classifier wrote it.

use tvarit_proto::Category;
use tvarit_registry::Registry;

use crate::i18n::Lang;
use crate::rows::unit_name;

pub fn explain(l: Lang, registry: &Registry, reason: &str) -> String {
    sentence(l, registry, reason).unwrap_or_else(|| reason.to_owned())
}

fn sentence(l: Lang, registry: &Registry, reason: &str) -> Option<String> {
    if reason == "unsure→review" {
        return Some(l.t("reason.unsure").to_owned());
    }
    let (kind, rest) = reason.split_once(':')?;
    // `what→where`: a word and the category it points to, or a place and its unit.
    let arrow = rest.rsplit_once('→');
    let category = |slug: &str| Category::from_slug(slug).map(|c| l.category(c).to_owned());
    let fill = |key: &str, pairs: &[(&str, &str)]| {
        pairs.iter().fold(l.t(key).to_owned(), |text, (k, v)| text.replace(&format!("{{{k}}}"), v))
    };
    let unit = |slug: &str| unit_name(registry, l, slug);
    Some(match (kind, arrow) {
        ("account", Some((handle, u))) => fill("reason.account", &[("handle", handle), ("unit", &unit(u))]),
        ("place", Some(("ambiguous", u))) => fill("reason.place_ambiguous", &[("unit", &unit(u))]),
        ("place", Some(("none", u))) => fill("reason.place_none", &[("unit", &unit(u))]),
        ("place", Some((place, u))) => fill("reason.place", &[("place", place), ("unit", &unit(u))]),
        ("keyword", Some(("none", c))) => fill("reason.keyword_none", &[("category", &category(c)?)]),
        ("keyword", Some((w, c))) => fill("reason.keyword", &[("word", w), ("category", &category(c)?)]),
        ("word", Some((w, c))) => fill("reason.word", &[("word", w), ("category", &category(c)?)]),
        ("rule", Some((w, c))) => fill("reason.rule", &[("word", w), ("category", &category(c)?)]),
        ("punct", Some((_, c))) => fill("reason.punct", &[("category", &category(c)?)]),
        ("urgent", None) => fill("reason.urgent", &[("word", rest)]),
        ("rumour", None) => fill("reason.rumour", &[("claim", rest)]),
        ("station", None) => fill("reason.station", &[("station", rest)]),
        ("lang", None) => fill("reason.lang", &[("language", l.post_language(rest))]),
        ("pii", None) => {
            let kinds: Vec<String> =
                rest.split(',').map(|k| l.named("pii", k).unwrap_or_else(|| k.to_owned())).collect();
            fill("reason.pii", &[("kinds", &kinds.join(", "))])
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_sentences_in_either_language() {
        let r = Registry::rajasthan();
        assert_eq!(explain(Lang::En, &r, "keyword:chori→complaint"), "Keyword “chori” → Complaint");
        assert_eq!(explain(Lang::Hi, &r, "keyword:chori→complaint"), "मुख्य शब्द “chori” → शिकायत");
        assert_eq!(explain(Lang::En, &r, "account:@SP_Balotra→balotra"), "Tags @SP_Balotra, an account of Balotra");
        assert_eq!(explain(Lang::Hi, &r, "place:none→hq"), "किसी ज़िले का उल्लेख नहीं: राजस्थान पुलिस मुख्यालय");
        assert_eq!(explain(Lang::Hi, &r, "lang:hi-Latn"), "भाषा: हिंग्लिश");
        assert_eq!(explain(Lang::En, &r, "pii:phone,upi"), "Personal data: phone number, UPI id");
        assert_eq!(explain(Lang::Hi, &r, "unsure→review"), "अनिश्चित: कोई व्यक्ति श्रेणी जाँचे");
        assert_eq!(explain(Lang::Hi, &r, "rule:goli→emergency"), "नियम: “goli” से आपातकाल");
        assert_eq!(explain(Lang::En, &r, "station:Moti Dungari"), "Names police station Moti Dungari");
        // An unknown shape, or an unknown category, is shown as written.
        assert_eq!(explain(Lang::Hi, &r, "novel:thing"), "novel:thing");
        assert_eq!(explain(Lang::Hi, &r, "keyword:x→spam"), "keyword:x→spam");
    }
}
