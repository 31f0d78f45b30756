//! HQ's monthly report: the ranking and per-unit figures as CSV, or as one
//! printable A4 HTML page in English and Hindi (inline CSS and SVG, no
//! external assets): units, accounts, operators, categories.

mod page;

use tvarit_proto::v1::{LeaderboardResponse, StatsGroup, StatsRow};

pub use page::html;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Html,
}

pub use tvarit_proto::report::CSV_HEADER;

/// HQ's report as CSV (the same file the console downloads).
pub fn csv(b: &LeaderboardResponse) -> String {
    tvarit_proto::report::leaderboard_csv(b)
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

#[cfg(test)]
mod tests {
    use tvarit_proto::v1::LeaderboardRow;

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
