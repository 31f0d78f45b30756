//! Finding cases: words, author and unit through the one GIN index on
//! `cases.search`, everything else as plain filters; newest first, paged by
//! a cursor (migration 0015 says why the index is shaped so).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use super::operators::Operator;
use super::{CASE_COLUMNS, CaseRow, StoreError};

/// What to look for; `None` or empty is "any".
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub text: String,
    pub author: String,
    /// Units to search; `None` is every unit (an operator with `*` and no
    /// unit asked for). Always within the operator's units.
    pub units: Option<Vec<String>>,
    pub category: Option<&'static str>,
    pub urgency: Option<&'static str>,
    pub state: Option<&'static str>,
    pub platform: String,
    pub operator: String,
    pub docket: String,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// Where the previous page ended: the last case's `(opened_at, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub opened_at_us: i64,
    pub id: i64,
}

impl Cursor {
    pub fn of(case: &CaseRow) -> Self {
        Cursor { opened_at_us: case.opened_at.timestamp_micros(), id: case.id }
    }

    pub fn encode(&self) -> String {
        format!("{}.{}", self.opened_at_us, self.id)
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (at, id) = s.split_once('.')?;
        Some(Cursor { opened_at_us: at.parse().ok()?, id: id.parse().ok()? })
    }
}

/// The units `op` may search, narrowed to `unit` when one is asked for:
/// `None` for every unit. The caller has checked that `op` may see `unit`.
pub fn scope(op: &Operator, unit: &str) -> Option<Vec<String>> {
    if !unit.is_empty() {
        Some(vec![unit.to_owned()])
    } else if op.units.iter().any(|u| u == "*") {
        None
    } else {
        Some(op.units.clone())
    }
}

/// A lexeme of `cases.search` as a tsquery operand, quoted so that any
/// handle (spaces, quotes, backslashes) stays one lexeme.
fn lexeme(prefix: &str, value: &str) -> String {
    let v = format!("{prefix}{value}").replace('\\', "\\\\").replace('\'', "''");
    format!("'{v}'")
}

/// The tsquery for the author and units, combined with the words in SQL.
fn tokens(filter: &Filter) -> Option<String> {
    let author = filter.author.trim().trim_start_matches('@').to_lowercase();
    let mut parts = Vec::new();
    if !author.is_empty() {
        parts.push(lexeme("~a:", &author));
    }
    if let Some(units) = &filter.units {
        let any: Vec<String> = units.iter().map(|u| lexeme("~u:", u)).collect();
        parts.push(format!("({})", any.join(" | ")));
    }
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// One page of cases matching `filter`, newest first, after `after`;
/// returns the page and the cursor of the next one, if there is more.
pub async fn search(
    pool: &PgPool,
    filter: &Filter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRow>, Option<Cursor>), StoreError> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE true"));
    let text = filter.text.trim();
    let indexed = !text.is_empty() || !filter.author.trim().trim_start_matches('@').is_empty();
    if indexed {
        // Words, author and units are one GIN lookup. Without words or an
        // author the unit's b-tree serves better, and an empty tsquery
        // would match nothing.
        q.push(" AND search @@ (");
        let mut and = "";
        if !text.is_empty() {
            q.push("websearch_to_tsquery('simple', ").push_bind(text.to_owned()).push(")");
            and = " && ";
        }
        if let Some(t) = tokens(filter) {
            q.push(and).push_bind(t).push("::tsquery");
        }
        q.push(")");
    } else if let Some(units) = &filter.units {
        q.push(" AND unit = ANY(").push_bind(units.clone()).push(")");
    }
    if let Some(c) = filter.category {
        q.push(" AND category = ").push_bind(c);
    }
    if let Some(u) = filter.urgency {
        q.push(" AND urgency = ").push_bind(u);
    }
    if let Some(s) = filter.state {
        q.push(" AND state = ").push_bind(s);
    }
    for (column, value) in [("platform", &filter.platform), ("claimed_by", &filter.operator)] {
        if !value.trim().is_empty() {
            q.push(format!(" AND {column} = ")).push_bind(value.trim().to_owned());
        }
    }
    if !filter.docket.trim().is_empty() {
        q.push(" AND docket = ").push_bind(filter.docket.trim().to_uppercase());
    }
    if let Some(t) = filter.since {
        q.push(" AND opened_at >= ").push_bind(t);
    }
    if let Some(t) = filter.until {
        q.push(" AND opened_at < ").push_bind(t);
    }
    if let Some(c) = after {
        let at = DateTime::from_timestamp_micros(c.opened_at_us).unwrap_or_default();
        q.push(" AND (opened_at, id) < (").push_bind(at).push(", ").push_bind(c.id).push(")");
    }
    q.push(" ORDER BY opened_at DESC, id DESC LIMIT ").push_bind(limit + 1);
    // Planned for these values every time (an unnamed statement): a cached
    // generic plan cannot tell a rare word, which the GIN index finds at
    // once, from a common one, which the newest-first walk finds sooner.
    let mut rows: Vec<CaseRow> = q.build_query_as().persistent(false).fetch_all(pool).await?;
    let next = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(Cursor::of)
    } else {
        None
    };
    Ok((rows, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_round_trip_and_rubbish_is_refused() {
        let c = Cursor { opened_at_us: 1_764_800_000_123_456, id: 42 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("yesterday"), None);
        assert_eq!(Cursor::decode("12.x"), None);
    }

    #[test]
    fn an_author_with_quotes_stays_one_lexeme_and_units_are_alternatives() {
        let f = Filter {
            author: "@O'Brien\\x".into(),
            units: Some(vec!["balotra".into(), "hq".into()]),
            ..Default::default()
        };
        assert_eq!(tokens(&f).unwrap(), r"'~a:o''brien\\x' & ('~u:balotra' | '~u:hq')");
        assert_eq!(tokens(&Filter::default()), None);
    }

    #[test]
    fn an_operator_searches_only_their_units_unless_they_have_all() {
        let op = Operator { name: "a".into(), role: "operator".into(), units: vec!["balotra".into()] };
        assert_eq!(scope(&op, ""), Some(vec!["balotra".to_owned()]));
        let hq = Operator { name: "h".into(), role: "hq".into(), units: vec!["*".into()] };
        assert_eq!(scope(&hq, ""), None);
        assert_eq!(scope(&hq, "jodhpur"), Some(vec!["jodhpur".to_owned()]));
    }
}
