//! The printable page: one A4 HTML document in English and Hindi, inline
//! CSS and SVG, no external assets. Written as maud templates, so every
//! value from the board is escaped by maud, as on the console's pages.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use tvarit_proto::v1::{LeaderboardResponse, LeaderboardRow, StatsRow};

use super::{Breakdowns, PublishingRow};

const CSS: &str = "@page{size:A4;margin:12mm}body{font-family:'Noto Sans','Noto Sans Devanagari',sans-serif;\
margin:2em;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:1em}\
th,td{border:1px solid #999;padding:2px 5px;text-align:right;font-size:11px}th{background:#eee}\
td.u{text-align:left}tr{page-break-inside:avoid}.unit{page-break-inside:avoid;margin:1em 0;border-top:1px solid #ccc}\
h2{page-break-after:avoid}.small{font-size:10px;color:#555}@media print{body{margin:0}}";

/// "English / हिन्दी": HQ circulates the report in both languages.
fn both(en: &str, hi: &str) -> Markup {
    html! { (en) " / " (hi) }
}

/// Seconds to one decimal; empty when there is no figure.
fn opt(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.1}"))
}

/// A share (0..1) as a percentage to one decimal.
fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

fn change(c: Option<i32>) -> String {
    match c {
        None => "new".into(),
        Some(0) => "=".into(),
        Some(c) if c > 0 => format!("▲{c}"),
        Some(c) => format!("▼{}", -c),
    }
}

/// Green within the goal, amber within the breach limit, red beyond.
fn bar_colour(v: f64, goal_s: f64, breach_s: f64) -> &'static str {
    if v <= goal_s {
        "#2e7d32"
    } else if v <= breach_s {
        "#f9a825"
    } else {
        "#c62828"
    }
}

/// One unit's bars: median, mean, p90 FRT against the goal and breach lines.
/// `rect` and `line` get an end tag: maud writes no `/>`, and in HTML an
/// unclosed SVG element would swallow the next one.
fn chart(r: &LeaderboardRow, goal_s: f64, breach_s: f64, scale_s: f64) -> Markup {
    let (w, bar_w, h) = (420.0, 300.0, 66.0);
    let x = |s: f64| 90.0 + (s / scale_s).min(1.0) * bar_w;
    let bars = [("median", r.median_frt_s), ("mean", r.mean_frt_s), ("p90", r.p90_frt_s)];
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(w) height=(h) role="img" aria-label={ (r.unit) " first response" } {
            @for (i, (label, v)) in bars.into_iter().enumerate() {
                @let y = 4.0 + i as f64 * 20.0;
                text x="0" y=(y + 12.0) font-size="11" { (label) }
                @if let Some(v) = v {
                    rect x="90" y=(y) width=(format!("{:.1}", x(v) - 90.0)) height="14" fill=(bar_colour(v, goal_s, breach_s)) {}
                    text x=(format!("{:.1}", x(v) + 4.0)) y=(y + 12.0) font-size="11" { (format!("{v:.0}")) "s" }
                }
            }
            @for (s, colour) in [(goal_s, "#2e7d32"), (breach_s, "#c62828")] {
                @let at = format!("{:.1}", x(s));
                line x1=(at) x2=(at) y1="0" y2=(h) stroke=(colour) stroke-dasharray="3,2" {}
            }
        }
    }
}

fn publishing_section(rows: Option<&[PublishingRow]>) -> Markup {
    html! {
        h2 { (both("Publishing and its reach", "प्रकाशन और उसकी पहुँच")) }
        @if let Some(rows) = rows {
            table {
                tr {
                    th { (both("unit", "इकाई")) }
                    th { (both("posts", "पोस्ट")) }
                    th { (both("likes", "पसंद")) }
                    th { (both("reposts", "रीपोस्ट")) }
                    th { (both("replies", "जवाब")) }
                    th { (both("impressions", "इम्प्रेशन")) }
                }
                @for r in rows {
                    tr {
                        td.u { (r.unit) }
                        td { (r.posts) }
                        td { (r.likes) }
                        td { (r.reposts) }
                        td { (r.replies) }
                        td { (r.impressions) }
                    }
                }
            }
        } @else {
            p.small {
                (both(
                    "Not available: reply's publishing tables could not be read.",
                    "उपलब्ध नहीं: प्रकाशन तालिकाएँ पढ़ी नहीं जा सकीं।"
                ))
            }
        }
    }
}

/// One row of a figures table: name, cases, answered, mean, median, p90, within goal.
type Line<'a> = (&'a str, u64, u64, Option<f64>, Option<f64>, Option<f64>, f64);

fn figures_table<'a>(first: Markup, lines: impl Iterator<Item = Line<'a>>) -> Markup {
    html! {
        table {
            tr {
                th { (first) }
                th { (both("cases", "मामले")) }
                th { (both("answered", "उत्तर दिए")) }
                th { (both("mean s", "औसत s")) }
                th { (both("median s", "माध्यिका s")) }
                th { "p90 s" }
                th { (both("within goal", "लक्ष्य के भीतर")) }
            }
            @for (name, cases, answered, mean, median, p90, goal) in lines {
                tr {
                    td.u { (name) }
                    td { (cases) }
                    td { (answered) }
                    td { (opt(mean)) }
                    td { (opt(median)) }
                    td { (opt(p90)) }
                    td { (percent(goal)) }
                }
            }
        }
    }
}

fn stats_lines(rows: &[StatsRow]) -> impl Iterator<Item = Line<'_>> {
    rows.iter().map(|r| {
        let name = if r.key.is_empty() { "(unanswered / अनुत्तरित)" } else { r.key.as_str() };
        (name, r.cases, r.answered, r.mean_frt_s, r.median_frt_s, r.p90_frt_s, r.within_goal_share)
    })
}

/// The stated sentence in English, then its Hindi when there is one.
fn stated(s: &str) -> Markup {
    html! {
        (s)
        @if let Some(hi) = tvarit_proto::report::stated_in_hindi(s) {
            br;
            (hi)
        }
    }
}

/// The title, the month's settings and the rule the ranking follows.
fn heading(b: &LeaderboardResponse, goal_s: f64, breach_s: f64) -> Markup {
    html! {
        h1 { (both("First response times", "पहले उत्तर का समय")) " — " (b.month) }
        p.small {
            (both("Time zone", "समय क्षेत्र")) ": " (b.time_zone) ". "
            (both("Default goal", "सामान्य लक्ष्य")) ": " (format!("{goal_s:.0}")) " s, "
            (both("breach limit", "सीमा")) ": " (format!("{breach_s:.0}")) " s "
            "(" (both("each case is held to its unit's targets", "हर मामला अपनी इकाई के लक्ष्य से")) "). "
            (both("Ranked by", "रैंकिंग का आधार")) ": " (b.rank_by) "."
        }
        p.small { (both("Rule", "नियम")) ": " (stated(&b.rule)) }
    }
}

fn ranking_table(rows: &[LeaderboardRow]) -> Markup {
    html! {
        h2 { (both("Ranking of units", "इकाइयों की रैंकिंग")) }
        table {
            tr {
                th { (both("rank", "रैंक")) }
                th { (both("change", "बदलाव")) }
                th { (both("unit", "इकाई")) }
                th { (both("cases", "मामले")) }
                th { (both("answered", "उत्तर दिए")) }
                th { (both("unanswered", "अनुत्तरित")) }
                th { (both("mean s", "औसत s")) }
                th { (both("median s", "माध्यिका s")) }
                th { "p90 s" }
                th { "max s" }
                th { (both("within goal", "लक्ष्य के भीतर")) }
                th { (both("within breach", "सीमा के भीतर")) }
                th { (both("breaches", "उल्लंघन")) }
                th { (both("escalations", "एस्केलेशन")) }
            }
            @for r in rows {
                tr {
                    td { (r.rank) }
                    td { (change(r.rank_change)) }
                    td.u { (r.unit) }
                    td { (r.cases) }
                    td { (r.answered) }
                    td { (r.unanswered) }
                    td { (opt(r.mean_frt_s)) }
                    td { (opt(r.median_frt_s)) }
                    td { (opt(r.p90_frt_s)) }
                    td { (opt(r.max_frt_s)) }
                    td { (percent(r.within_goal_share)) }
                    td { (percent(r.within_breach_share)) }
                    td { (r.sla_breaches) }
                    td { (r.escalations) }
                }
            }
        }
    }
}

/// Each unit's counts and its chart, drawn to one scale so units compare.
fn unit_sections(rows: &[LeaderboardRow], goal_s: f64, breach_s: f64) -> Markup {
    let scale = rows.iter().filter_map(|r| r.p90_frt_s).fold(breach_s * 1.2, f64::max);
    html! {
        h2 { (both("Units", "इकाइयाँ")) }
        @for r in rows {
            div.unit {
                h3 { (r.rank) ". " (r.unit) }
                p.small {
                    (r.cases) " cases, " (r.answered) " answered, " (r.unanswered) " unanswered; "
                    (percent(r.within_goal_share)) " within goal, "
                    (percent(r.within_breach_share)) " within breach limit"
                }
                (chart(r, goal_s, breach_s, scale))
            }
        }
    }
}

pub fn html(b: &LeaderboardResponse, more: &Breakdowns, goal_s: f64, breach_s: f64) -> String {
    let accounts: Vec<(String, &LeaderboardRow)> =
        b.accounts.iter().map(|r| (format!("{}. {} ({})", r.rank, r.account, r.unit), r)).collect();
    let account_lines = accounts.iter().map(|(name, r)| {
        (name.as_str(), r.cases, r.answered, r.mean_frt_s, r.median_frt_s, r.p90_frt_s, r.within_goal_share)
    });
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "Response times " (b.month) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (heading(b, goal_s, breach_s))
                (ranking_table(&b.rows))
                h2 { (both("Ranking of accounts", "खातों की रैंकिंग")) }
                (figures_table(both("account", "खाता"), account_lines))
                h2 { (both("Operators", "ऑपरेटर")) }
                (figures_table(both("operator", "ऑपरेटर"), stats_lines(&more.operators)))
                h2 { (both("Categories", "श्रेणियाँ")) }
                (figures_table(both("category", "श्रेणी"), stats_lines(&more.categories)))
                (publishing_section(more.publishing.as_deref()))
                (unit_sections(&b.rows, goal_s, breach_s))
                h2 { (both("Not counted", "गिना नहीं गया")) }
                ul {
                    @for e in &b.exclusions {
                        li { (stated(e)) }
                    }
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}
