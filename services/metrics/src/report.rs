//! HQ's monthly report: the ranking and per-unit figures as CSV, or as one
//! printable HTML page (inline CSS and SVG, no external assets).

use std::fmt::Write as _;

use tvarit_proto::v1::{LeaderboardResponse, LeaderboardRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Html,
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.1}"))
}

pub use tvarit_proto::report::CSV_HEADER;

/// HQ's report as CSV (the same file the console downloads).
pub fn csv(b: &LeaderboardResponse) -> String {
    tvarit_proto::report::leaderboard_csv(b)
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn change(c: Option<i32>) -> String {
    match c {
        None => "new".into(),
        Some(0) => "=".into(),
        Some(c) if c > 0 => format!("▲{c}"),
        Some(c) => format!("▼{}", -c),
    }
}

/// One unit's bars: median, mean, p90 FRT against the goal and breach lines.
fn chart(r: &LeaderboardRow, goal_s: f64, breach_s: f64, scale_s: f64) -> String {
    let (w, bar_w, h) = (420.0, 300.0, 66.0);
    let x = |s: f64| 90.0 + (s / scale_s).min(1.0) * bar_w;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" aria-label="{} first response">"#,
        esc(&r.unit)
    );
    for (i, (label, v)) in [("median", r.median_frt_s), ("mean", r.mean_frt_s), ("p90", r.p90_frt_s)].iter().enumerate()
    {
        let y = 4.0 + i as f64 * 20.0;
        let _ = write!(svg, r#"<text x="0" y="{}" font-size="11">{label}</text>"#, y + 12.0);
        if let Some(v) = v {
            let fill = if *v <= goal_s {
                "#2e7d32"
            } else if *v <= breach_s {
                "#f9a825"
            } else {
                "#c62828"
            };
            let _ = write!(
                svg,
                r#"<rect x="90" y="{y}" width="{:.1}" height="14" fill="{fill}"/><text x="{:.1}" y="{}" font-size="11">{v:.0}s</text>"#,
                x(*v) - 90.0,
                x(*v) + 4.0,
                y + 12.0
            );
        }
    }
    for (s, colour) in [(goal_s, "#2e7d32"), (breach_s, "#c62828")] {
        let _ = write!(
            svg,
            r#"<line x1="{0:.1}" x2="{0:.1}" y1="0" y2="{h}" stroke="{colour}" stroke-dasharray="3,2"/>"#,
            x(s)
        );
    }
    svg.push_str("</svg>");
    svg
}

const CSS: &str = "body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:3px 6px;text-align:right;font-size:12px}th{background:#eee}\
td.u{text-align:left}.unit{page-break-inside:avoid;margin:1em 0;border-top:1px solid #ccc}\
.small{font-size:11px;color:#555}@media print{body{margin:1cm}}";

pub fn html(b: &LeaderboardResponse, goal_s: f64, breach_s: f64) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Response times {m}</title>\
         <style>{CSS}</style></head><body><h1>First response times — {m}</h1>\
         <p class=\"small\">Time zone {tz}. Goal {goal_s:.0} s, breach limit {breach_s:.0} s. Rule: {rule}.</p>",
        m = esc(&b.month),
        tz = esc(&b.time_zone),
        rule = esc(&b.rule)
    );
    out.push_str(
        "<h2>Ranking</h2><table><tr><th>rank</th><th>change</th><th>unit</th><th>cases</th><th>answered</th>\
         <th>unanswered</th><th>median s</th><th>mean s</th><th>p90 s</th><th>max s</th><th>within goal</th>\
         <th>within breach</th><th>breaches</th><th>escalations</th></tr>",
    );
    for r in &b.rows {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td class=\"u\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{:.1}%</td><td>{:.1}%</td><td>{}</td><td>{}</td></tr>",
            r.rank,
            change(r.rank_change),
            esc(&r.unit),
            r.cases,
            r.answered,
            r.unanswered,
            opt(r.median_frt_s),
            opt(r.mean_frt_s),
            opt(r.p90_frt_s),
            opt(r.max_frt_s),
            r.within_goal_share * 100.0,
            r.within_breach_share * 100.0,
            r.sla_breaches,
            r.escalations
        );
    }
    out.push_str("</table><h2>Units</h2>");
    let scale = b.rows.iter().filter_map(|r| r.p90_frt_s).fold(breach_s * 1.2, f64::max);
    for r in &b.rows {
        let _ = write!(
            out,
            "<div class=\"unit\"><h3>{}. {}</h3><p class=\"small\">{} cases, {} answered, {} unanswered; \
             {:.1}% within goal, {:.1}% within breach limit</p>{}</div>",
            r.rank,
            esc(&r.unit),
            r.cases,
            r.answered,
            r.unanswered,
            r.within_goal_share * 100.0,
            r.within_breach_share * 100.0,
            chart(r, goal_s, breach_s, scale)
        );
    }
    out.push_str("<h2>Not counted</h2><ul>");
    for e in &b.exclusions {
        let _ = write!(out, "<li>{}</li>", esc(e));
    }
    out.push_str("</ul></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> LeaderboardResponse {
        LeaderboardResponse {
            month: "2026-11".into(),
            time_zone: "Asia/Kolkata".into(),
            rule: "median".into(),
            exclusions: vec!["spam <not counted>".into()],
            rows: vec![LeaderboardRow {
                rank: 1,
                unit: "balotra".into(),
                cases: 3,
                answered: 2,
                unanswered: 1,
                median_frt_s: Some(50.0),
                rank_change: Some(2),
                within_goal_share: 2.0 / 3.0,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn csv_has_one_line_per_unit() {
        let csv = csv(&board());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(lines[1], "2026-11,1,2,balotra,3,2,1,50.0,,,,0.6667,0.0000,0,0");
    }

    #[test]
    fn html_is_self_contained_and_escaped() {
        let html = html(&board(), 120.0, 300.0);
        assert!(html.contains("<svg") && html.contains("▲2") && html.contains("spam &lt;not counted&gt;"));
        assert!(
            !html.contains("http://") || html.matches("http://").count() == html.matches("xmlns=\"http://").count()
        );
        assert!(!html.contains("<link") && !html.contains("<script") && !html.contains("src="));
    }
}
