//! Bad input gets a label (or, in batch, a per-line error), never a panic.

use tvarit_proto::Category;

use super::{classify, triage};
use crate::batch;

#[test]
fn empty_emoji_and_url_only_posts_are_other() {
    for text in ["", "   ", "🙏🙏🙏", "https://t.co/abc www.example.com", "@PoliceRajasthan", "#️⃣ ‼️ 🇮🇳"]
    {
        let d = classify(text);
        assert_eq!(d.category, Category::Other, "{text:?}");
        assert_eq!(d.unit, "hq");
    }
}

#[test]
fn fifty_kilobytes_and_mixed_scripts_are_labelled() {
    let long = "मेरी बाइक चोरी हो गई bike stolen Jaipur ".repeat(1300);
    assert!(long.len() > 50_000);
    let d = classify(&long);
    assert_eq!(d.category, Category::Complaint);
    assert_eq!(d.unit, "jaipur");
    let mixed = "Бармер بارمير बाड़मेर 巴尔梅尔 chori ho gayi ✔";
    assert_eq!(classify(mixed).unit, "barmer");
    // Combining marks and lone Devanagari signs do not upset transliteration.
    classify("\u{094D}\u{0902}\u{093C} ा ि ं ् ड़ ़़़");
}

#[test]
fn invalid_utf8_and_broken_lines_in_batch_are_per_line_errors() {
    let input: &[u8] = b"{\"id\":\"a\",\"text\":\"x\xff\xfe\"}\n\
        {\"id\":\"b\",\"text\":\"Jaipur me chori\"}\n\
        {\"id\":\"c\",\"text\":null}\n\
        \xff\xff\xff\n\
        {\"id\":\"d\",\"text\":\"\"}\n";
    let mut out = Vec::new();
    assert_eq!(batch::run(input, &mut out, triage()).unwrap(), 5);
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines[0]["error"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(lines[1]["unit"], "jaipur");
    assert!(lines[1]["pii"].as_array().unwrap().is_empty());
    assert!(lines[2]["error"].is_string());
    assert!(lines[3]["error"].is_string());
    assert_eq!(lines[4]["category"], "other");
}
