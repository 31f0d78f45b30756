//! The monthly leaderboard as CSV: one writer for `tvarit-metrics report`
//! and the console's download, so HQ gets the same file from both.

use crate::v1::LeaderboardResponse;

pub const CSV_HEADER: &str = "month,rank,rank_change,unit,cases,answered,unanswered,median_frt_s,mean_frt_s,\
p90_frt_s,max_frt_s,within_goal_share,within_breach_share,sla_breaches,escalations";

/// The header, then one line per row of `board` (the csv crate quotes a
/// field that holds a comma, a quote or a line end).
pub fn leaderboard_csv(board: &LeaderboardResponse) -> String {
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.1}"));
    let mut w = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
    let header: Vec<&str> = CSV_HEADER.split(',').collect();
    let mut write = |record: &[String]| w.write_record(record).expect("writing to memory cannot fail");
    write(&header.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    for r in &board.rows {
        write(&[
            board.month.clone(),
            r.rank.to_string(),
            r.rank_change.map_or_else(String::new, |c| c.to_string()),
            r.unit.clone(),
            r.cases.to_string(),
            r.answered.to_string(),
            r.unanswered.to_string(),
            opt(r.median_frt_s),
            opt(r.mean_frt_s),
            opt(r.p90_frt_s),
            opt(r.max_frt_s),
            format!("{:.4}", r.within_goal_share),
            format!("{:.4}", r.within_breach_share),
            r.sla_breaches.to_string(),
            r.escalations.to_string(),
        ]);
    }
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("every field is UTF-8")
}

/// The sentences tvarit-metrics states (the ranking rule for each `rank_by`,
/// the exclusions) with their Hindi, for the console and the printed report:
/// (English exactly as sent, Hindi). A sentence not here is shown in English.
pub const STATED_IN_HINDI: &[(&str, &str)] = &[
    (
        "rows with answered cases first, by mean FRT ascending; ties by median FRT ascending, then share answered within the unit's goal (descending), then counted cases (descending), then name (unit or account, alphabetical); rows with no answered case last, by counted cases (descending), then name",
        "जिनके उत्तर दिए गए मामले हैं वे पहले, औसत FRT के बढ़ते क्रम में; बराबरी होने पर माध्यिका FRT (बढ़ते क्रम में), फिर इकाई के लक्ष्य के भीतर उत्तर का हिस्सा (घटते क्रम में), फिर गिने गए मामले (घटते क्रम में), फिर नाम (इकाई या खाता, वर्णक्रम से); जिनका कोई उत्तर नहीं वे अंत में, गिने गए मामलों (घटते क्रम में), फिर नाम से",
    ),
    (
        "rows with answered cases first, by median FRT ascending; ties by mean FRT ascending, then share answered within the unit's goal (descending), then counted cases (descending), then name (unit or account, alphabetical); rows with no answered case last, by counted cases (descending), then name",
        "जिनके उत्तर दिए गए मामले हैं वे पहले, माध्यिका FRT के बढ़ते क्रम में; बराबरी होने पर औसत FRT (बढ़ते क्रम में), फिर इकाई के लक्ष्य के भीतर उत्तर का हिस्सा (घटते क्रम में), फिर गिने गए मामले (घटते क्रम में), फिर नाम (इकाई या खाता, वर्णक्रम से); जिनका कोई उत्तर नहीं वे अंत में, गिने गए मामलों (घटते क्रम में), फिर नाम से",
    ),
    (
        "not-actionable cases (spam, greetings, slogans) are not counted",
        "कार्रवाई योग्य न होने वाले मामले (स्पैम, अभिवादन, नारे) नहीं गिने जाते",
    ),
    (
        "untagged posts (seen through a district's watch terms, not addressed to any of our accounts) are not counted",
        "बिना टैग वाली पोस्ट (ज़िले के निगरानी शब्दों से मिली, हमारे किसी खाते को संबोधित नहीं) नहीं गिनी जातीं",
    ),
    (
        "cases opened by a direct message (X, Messenger, Instagram) are not counted: the public saw neither the question nor the answer",
        "निजी संदेश (X, मैसेंजर, इंस्टाग्राम) से खुले मामले नहीं गिने जाते: जनता ने न प्रश्न देखा, न उत्तर",
    ),
    (
        "a post seen again (same platform and post id) is one case, counted once",
        "दोबारा मिली पोस्ट (वही प्लेटफ़ॉर्म और पोस्ट आईडी) एक ही मामला है, एक बार गिनी जाती है",
    ),
    (
        "a case belongs to the month of its post's platform time in the deployment's time zone",
        "मामला उस महीने का है जिसमें पोस्ट प्लेटफ़ॉर्म पर आई (तैनाती के समय क्षेत्र में)",
    ),
    (
        "unanswered cases count in `cases` and `unanswered`, and as outside the goal and breach shares",
        "बिना उत्तर के मामले कुल मामलों और अनुत्तरित में गिने जाते हैं, और लक्ष्य व सीमा के भीतर वाले हिस्सों से बाहर",
    ),
    (
        "a case counts for the unit that owns it, except a district case handed to HQ (outside the district's shift, or an emergency raised to HQ) before its first reply: that case counts for HQ",
        "मामला उसी इकाई का गिना जाता है जिसका वह है, सिवाय उस ज़िला मामले के जो पहले उत्तर से पहले मुख्यालय को सौंपा गया (ज़िले की शिफ्ट के बाहर, या मुख्यालय तक पहुँचाई गई आपात स्थिति): वह मुख्यालय का गिना जाता है",
    ),
    (
        "account rows count every case addressed to the account, whichever unit answered it; goal and breach shares use the targets of the case's unit when the case was opened",
        "खाते की पंक्तियाँ उस खाते को संबोधित हर मामला गिनती हैं, उत्तर किसी भी इकाई ने दिया हो; लक्ष्य और सीमा के हिस्से मामले के खुलने के समय उसकी इकाई के लक्ष्य से गिने जाते हैं",
    ),
];

/// `english` in Hindi when it is a sentence tvarit-metrics states.
pub fn stated_in_hindi(english: &str) -> Option<&'static str> {
    STATED_IN_HINDI.iter().find(|(en, _)| *en == english).map(|(_, hi)| *hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::v1::LeaderboardRow;

    /// A unit or month holding a comma or a quote stays one field.
    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let board = LeaderboardResponse {
            month: "2026-11".into(),
            rows: vec![LeaderboardRow { rank: 1, unit: "a,\"b\"".into(), cases: 1, ..Default::default() }],
            ..Default::default()
        };
        let text = leaderboard_csv(&board);
        assert_eq!(text.lines().next(), Some(CSV_HEADER));
        assert_eq!(text.lines().nth(1), Some("2026-11,1,,\"a,\"\"b\"\"\",1,0,0,,,,,0.0000,0.0000,0,0"));
    }
}
