//! The monthly leaderboard as CSV: one writer for `tvarit-metrics report`
//! and the console's download, so HQ gets the same file from both.

use std::fmt::Write as _;

use crate::v1::LeaderboardResponse;

pub const CSV_HEADER: &str = "month,rank,rank_change,unit,cases,answered,unanswered,median_frt_s,mean_frt_s,\
p90_frt_s,max_frt_s,within_goal_share,within_breach_share,sla_breaches,escalations";

/// A field quoted when it holds a comma, a quote or a line end.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_owned() }
}

/// The header, then one line per row of `board`.
pub fn leaderboard_csv(board: &LeaderboardResponse) -> String {
    let opt = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.1}"));
    let mut out = format!("{CSV_HEADER}\n");
    for r in &board.rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{:.4},{:.4},{},{}",
            csv_field(&board.month),
            r.rank,
            r.rank_change.map_or_else(String::new, |c| c.to_string()),
            csv_field(&r.unit),
            r.cases,
            r.answered,
            r.unanswered,
            opt(r.median_frt_s),
            opt(r.mean_frt_s),
            opt(r.p90_frt_s),
            opt(r.max_frt_s),
            r.within_goal_share,
            r.within_breach_share,
            r.sla_breaches,
            r.escalations
        );
    }
    out
}
