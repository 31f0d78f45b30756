//! HQ's monthly report: the ranking and per-unit figures as CSV, or as one
//! printable A4 HTML page in English and Hindi (inline CSS and SVG, no
//! external assets): units, accounts, operators, categories.

use std::fmt::Write as _;

use tvarit_html::esc;
use tvarit_proto::v1::{LeaderboardResponse, LeaderboardRow, StatsGroup, StatsRow};

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

const CSS: &str = "@page{size:A4;margin:12mm}body{font-family:'Noto Sans','Noto Sans Devanagari',sans-serif;\
margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:1em}\
th,td{border:1px solid #999;padding:2px 5px;text-align:right;font-size:11px}th{background:#eee}\
td.u{text-align:left}tr{page-break-inside:avoid}.unit{page-break-inside:avoid;margin:1em 0;border-top:1px solid #ccc}\
h2{page-break-after:avoid}.small{font-size:10px;color:#555}@media print{body{margin:0}}";

/// "English / हिन्दी": HQ circulates the report in both languages.
fn both(en: &str, hi: &str) -> String {
    format!("{en} / {hi}")
}

/// The report's figures beyond the ranking: per operator and per category,
/// and what each unit published and how far it reached.
#[derive(Debug, Default)]
pub struct Breakdowns {
    pub operators: Vec<StatsRow>,
    pub categories: Vec<StatsRow>,
    /// `None` when reply's publishing tables could not be read.
    pub publishing: Option<Vec<PublishingRow>>,
}

/// A unit's posts published in the month (one per target account) and the
/// engagement the platforms last reported for them.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct PublishingRow {
    pub unit: String,
    pub posts: i64,
    pub likes: i64,
    pub reposts: i64,
    pub replies: i64,
    pub impressions: i64,
}

/// Publishing lives in reply's schema (`reply_schema`), in the same database:
/// read there, as the operator tokens are. Unreadable (another database, no
/// grant) is reported as such in the report, not an error.
pub async fn publishing(
    pool: &sqlx::PgPool,
    reply_schema: &str,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Option<Vec<PublishingRow>> {
    let sql = format!(
        "SELECT t.unit, count(*)::int8 AS posts, COALESCE(sum(e.likes), 0)::int8 AS likes,
                COALESCE(sum(e.reposts), 0)::int8 AS reposts, COALESCE(sum(e.replies), 0)::int8 AS replies,
                COALESCE(sum(e.impressions), 0)::int8 AS impressions
           FROM \"{reply_schema}\".publication_targets t
           LEFT JOIN \"{reply_schema}\".publication_engagement e ON e.target_id = t.id
          WHERE t.status = 'sent' AND t.sent_at >= $1 AND t.sent_at < $2
          GROUP BY t.unit ORDER BY t.unit"
    );
    match sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(from).bind(to).fetch_all(pool).await {
        Ok(rows) => Some(rows),
        Err(e) => {
            tracing::warn!(error = %e, "report: reply's publishing tables not readable; the section says so");
            None
        }
    }
}

/// The month's figures per operator and per category, every unit, with
/// the same exclusions as the ranking.
pub async fn breakdowns(
    pool: &sqlx::PgPool,
    month: &str,
    s: &crate::leaderboard::Settings,
    reply_schema: &str,
) -> Result<Breakdowns, crate::leaderboard::LeaderboardError> {
    let (from, to) = crate::leaderboard::month_bounds(month, s.time_zone)?;
    let by = |group| crate::queries::stats(pool, "", from, to, group, s.time_zone, s.goal_s, s.breach_s);
    Ok(Breakdowns {
        operators: by(StatsGroup::Operator).await?,
        categories: by(StatsGroup::Category).await?,
        publishing: publishing(pool, reply_schema, from, to).await,
    })
}

fn publishing_section(out: &mut String, rows: Option<&[PublishingRow]>) {
    let _ = write!(out, "<h2>{}</h2>", both("Publishing and its reach", "प्रकाशन और उसकी पहुँच"));
    let Some(rows) = rows else {
        let _ = write!(
            out,
            "<p class=\"small\">{}</p>",
            both(
                "Not available: reply's publishing tables could not be read.",
                "उपलब्ध नहीं: प्रकाशन तालिकाएँ पढ़ी नहीं जा सकीं।"
            )
        );
        return;
    };
    let _ = write!(
        out,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        both("unit", "इकाई"),
        both("posts", "पोस्ट"),
        both("likes", "पसंद"),
        both("reposts", "रीपोस्ट"),
        both("replies", "जवाब"),
        both("impressions", "इम्प्रेशन"),
    );
    for r in rows {
        let _ = write!(
            out,
            "<tr><td class=\"u\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.unit),
            r.posts,
            r.likes,
            r.reposts,
            r.replies,
            r.impressions
        );
    }
    out.push_str("</table>");
}

/// One row of a figures table: name, cases, answered, mean, median, p90, within goal.
type Line<'a> = (&'a str, u64, u64, Option<f64>, Option<f64>, Option<f64>, f64);

fn figures_table<'a>(out: &mut String, first: &str, lines: impl Iterator<Item = Line<'a>>) {
    let _ = write!(
        out,
        "<table><tr><th>{first}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>p90 s</th><th>{}</th></tr>",
        both("cases", "मामले"),
        both("answered", "उत्तर दिए"),
        both("mean s", "औसत s"),
        both("median s", "माध्यिका s"),
        both("within goal", "लक्ष्य के भीतर"),
    );
    for (name, cases, answered, mean, median, p90, goal) in lines {
        let _ = write!(
            out,
            "<tr><td class=\"u\">{}</td><td>{cases}</td><td>{answered}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}%</td></tr>",
            esc(name),
            opt(mean),
            opt(median),
            opt(p90),
            goal * 100.0
        );
    }
    out.push_str("</table>");
}

fn stats_lines(rows: &[StatsRow]) -> impl Iterator<Item = Line<'_>> {
    rows.iter().map(|r| {
        let name = if r.key.is_empty() { "(unanswered / अनुत्तरित)" } else { r.key.as_str() };
        (name, r.cases, r.answered, r.mean_frt_s, r.median_frt_s, r.p90_frt_s, r.within_goal_share)
    })
}

/// The stated sentence in English, then its Hindi when there is one.
fn stated(s: &str) -> String {
    match tvarit_proto::report::stated_in_hindi(s) {
        Some(hi) => format!("{}<br>{}", esc(s), esc(hi)),
        None => esc(s).to_string(),
    }
}

pub fn html(b: &LeaderboardResponse, more: &Breakdowns, goal_s: f64, breach_s: f64) -> String {
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Response times {m}</title>\
         <style>{CSS}</style></head><body><h1>{} — {m}</h1>\
         <p class=\"small\">{}: {tz}. {}: {goal_s:.0} s, {}: {breach_s:.0} s ({}). {}: {rank_by}.</p>\
         <p class=\"small\">{}: {rule}</p>",
        both("First response times", "पहले उत्तर का समय"),
        both("Time zone", "समय क्षेत्र"),
        both("Default goal", "सामान्य लक्ष्य"),
        both("breach limit", "सीमा"),
        both("each case is held to its unit's targets", "हर मामला अपनी इकाई के लक्ष्य से"),
        both("Ranked by", "रैंकिंग का आधार"),
        both("Rule", "नियम"),
        m = esc(&b.month),
        tz = esc(&b.time_zone),
        rank_by = esc(&b.rank_by),
        rule = stated(&b.rule)
    );
    let _ = write!(
        out,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>p90 s</th><th>max s</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        both("Ranking of units", "इकाइयों की रैंकिंग"),
        both("rank", "रैंक"),
        both("change", "बदलाव"),
        both("unit", "इकाई"),
        both("cases", "मामले"),
        both("answered", "उत्तर दिए"),
        both("unanswered", "अनुत्तरित"),
        both("mean s", "औसत s"),
        both("median s", "माध्यिका s"),
        both("within goal", "लक्ष्य के भीतर"),
        both("within breach", "सीमा के भीतर"),
        both("breaches", "उल्लंघन"),
        both("escalations", "एस्केलेशन"),
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
            opt(r.mean_frt_s),
            opt(r.median_frt_s),
            opt(r.p90_frt_s),
            opt(r.max_frt_s),
            r.within_goal_share * 100.0,
            r.within_breach_share * 100.0,
            r.sla_breaches,
            r.escalations
        );
    }
    out.push_str("</table>");
    let _ = write!(out, "<h2>{}</h2>", both("Ranking of accounts", "खातों की रैंकिंग"));
    let accounts: Vec<(String, &LeaderboardRow)> =
        b.accounts.iter().map(|r| (format!("{}. {} ({})", r.rank, r.account, r.unit), r)).collect();
    let lines = accounts.iter().map(|(name, r)| {
        (name.as_str(), r.cases, r.answered, r.mean_frt_s, r.median_frt_s, r.p90_frt_s, r.within_goal_share)
    });
    figures_table(&mut out, &both("account", "खाता"), lines);
    let _ = write!(out, "<h2>{}</h2>", both("Operators", "ऑपरेटर"));
    figures_table(&mut out, &both("operator", "ऑपरेटर"), stats_lines(&more.operators));
    let _ = write!(out, "<h2>{}</h2>", both("Categories", "श्रेणियाँ"));
    figures_table(&mut out, &both("category", "श्रेणी"), stats_lines(&more.categories));
    publishing_section(&mut out, more.publishing.as_deref());
    let _ = write!(out, "<h2>{}</h2>", both("Units", "इकाइयाँ"));
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
    let _ = write!(out, "<h2>{}</h2><ul>", both("Not counted", "गिना नहीं गया"));
    for e in &b.exclusions {
        let _ = write!(out, "<li>{}</li>", stated(e));
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
        let more = Breakdowns {
            categories: vec![StatsRow { key: "complaint".into(), cases: 3, ..Default::default() }],
            ..Default::default()
        };
        let html = html(&board(), &more, 120.0, 300.0);
        assert!(html.contains("<svg") && html.contains("▲2") && html.contains("spam &lt;not counted&gt;"));
        assert!(html.contains("Operators / ऑपरेटर") && html.contains("<td class=\"u\">complaint</td><td>3</td>"));
        assert!(html.contains("@page{size:A4"));
        assert!(
            !html.contains("http://") || html.matches("http://").count() == html.matches("xmlns=\"http://").count()
        );
        assert!(!html.contains("<link") && !html.contains("<script") && !html.contains("src="));
        assert!(html.contains("Not available"), "unreadable publishing tables are said so");
    }

    #[test]
    fn the_report_has_each_units_publishing_reach() {
        let row =
            PublishingRow { unit: "balotra".into(), posts: 2, likes: 18, reposts: 5, replies: 0, impressions: 900 };
        let more = Breakdowns { publishing: Some(vec![row]), ..Default::default() };
        let html = html(&board(), &more, 120.0, 300.0);
        assert!(html.contains("Publishing and its reach / प्रकाशन और उसकी पहुँच"));
        assert!(html.contains("<td class=\"u\">balotra</td><td>2</td><td>18</td><td>5</td><td>0</td><td>900</td>"));
    }
}
