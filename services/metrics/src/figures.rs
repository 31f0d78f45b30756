//! The first-response-time figures every view of the facts reports: the
//! rollup, the leaderboard's audit path and the desk's stats. One SQL text
//! (`sql/frt_figures.sql`, aggregating a CTE with `frt`, `goal_s` and
//! `breach_s` columns from `counted_facts`) and one row shape, so the
//! ranking and the stats cannot count a case differently.

/// The aggregate columns, spliced where a query says `{frt_figures}`.
const FRT_FIGURES_SQL: &str = include_str!("../sql/frt_figures.sql");

/// `template` with its `{frt_figures}` placeholder filled.
pub fn with_frt_figures(template: &str) -> String {
    template.replace("{frt_figures}", FRT_FIGURES_SQL.trim_end())
}

/// The columns `{frt_figures}` yields, read with `#[sqlx(flatten)]`.
#[derive(sqlx::FromRow, Debug, Clone, Copy, PartialEq)]
pub struct FrtFigures {
    pub cases: i64,
    pub answered: i64,
    pub median_frt_s: Option<f64>,
    pub mean_frt_s: Option<f64>,
    pub p90_frt_s: Option<f64>,
    pub max_frt_s: Option<f64>,
    pub within_goal_share: f64,
    pub within_breach_share: f64,
}

impl FrtFigures {
    pub fn unanswered(&self) -> u64 {
        (self.cases - self.answered) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholder_is_filled_with_every_figure() {
        let sql = with_frt_figures("SELECT key, {frt_figures} FROM f");
        assert!(!sql.contains("{frt_figures}"));
        for column in ["cases", "answered", "median_frt_s", "p90_frt_s", "within_goal_share", "within_breach_share"] {
            assert!(sql.contains(&format!("AS {column}")), "{column} missing from {sql}");
        }
    }
}
