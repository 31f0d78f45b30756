//! The draft each case gets: the rebuttal of the claim it repeats, else the
//! template for its category, sub-category and language, with the case's
//! docket and unit filled in. Drafts are suggestions; a person sends.

use prost::Message;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use tvarit_proto::v1::{Classification, Post};
use tvarit_proto::{CaseState, Category};
use tvarit_registry::Registry;

use super::rebuttals::{self, NewRebuttal, RebuttalRow};
use super::seed;
use super::templates::{self, Templates, Vars, render};
use crate::store::{CASE_COLUMNS, CaseRow};

/// The language a case is answered in, `"hi"` or `"en"`: the post's own
/// script. Devanagari (`hi`, and `mixed` posts, which carry Devanagari) gets
/// the Hindi templates. A Hinglish writer (`hi-Latn`) types Latin letters,
/// often on a phone without a Devanagari keyboard, and may not read
/// Devanagari easily: they get the English (Latin-script) template, as `en`
/// and anything unknown do.
pub fn reply_language(post_language: &str) -> &'static str {
    match post_language {
        "hi" | "mixed" => "hi",
        _ => "en",
    }
}

/// A case's suggested reply: `(text, source)`, or `None` when it needs no
/// answer (spam, `not_actionable`) or the library has nothing for it.
pub fn draft_for(
    case: &CaseRow,
    templates: &Templates,
    rebuttals: &[RebuttalRow],
    registry: &Registry,
) -> Option<(String, String)> {
    let post = Post::decode(case.post.as_slice()).unwrap_or_default();
    let c = Classification::decode(case.classification.as_slice()).unwrap_or_default();
    let case = NewCase {
        unit: &case.unit,
        docket: &case.docket,
        category: Category::from_slug(&case.category).unwrap_or(Category::Unspecified),
        actionable: case.state != CaseState::NotActionable.slug(),
        post: &post,
        classification: &c,
    };
    draft(&case, templates, rebuttals, registry)
}

/// What a draft is made from: a case about to be opened, or one read back.
pub struct NewCase<'a> {
    pub unit: &'a str,
    pub docket: &'a str,
    pub category: Category,
    pub actionable: bool,
    pub post: &'a Post,
    pub classification: &'a Classification,
}

/// As [`draft_for`], before the case has a row: intake writes the draft in
/// the case's own `INSERT` rather than updating every new row after it.
pub fn draft(
    case: &NewCase<'_>,
    templates: &Templates,
    rebuttals: &[RebuttalRow],
    registry: &Registry,
) -> Option<(String, String)> {
    if matches!(case.category, Category::Other | Category::Unspecified) || !case.actionable {
        return None;
    }
    let c = case.classification;
    let lang = reply_language(&c.language);
    let mut vars = Vars::new(registry, case.unit, case.docket);
    vars.police_station = crate::store::police_station(c).to_owned();
    let emergency = case.category == Category::Emergency;
    if let Some(r) = rebuttals::find(rebuttals, &c.rumour_claim_id, &case.post.text, emergency) {
        return Some((rebuttal_text(r, lang, &vars), format!("rebuttal:{}", r.claim_id)));
    }
    let t = templates.pick(&templates::key_for(case.category, &case.post.text), lang)?;
    Some((render(&t.body, &vars), t.source()))
}

/// A rebuttal as a reply: the text in `lang` (else the other one), the
/// evidence link, and the unit's name.
pub fn rebuttal_text(r: &RebuttalRow, lang: &str, vars: &Vars) -> String {
    let (hi, en) = (r.text_hi.trim(), r.text_en.trim());
    let hindi = (lang == "hi" && !hi.is_empty()) || en.is_empty();
    let (body, details, unit) =
        if hindi { (hi, "विवरण:", "{unit_name_hi}") } else { (en, "Details:", "{unit_name}") };
    let evidence = r.evidence_url.trim();
    let text = if evidence.is_empty() {
        format!("{body} — {unit}")
    } else {
        format!("{body} {details} {evidence} — {unit}")
    };
    render(&text, vars)
}

/// The library as intake last read it. Templates and rebuttals are only
/// ever appended (a new version is a new row), so a row count and newest
/// time per table say whether it changed; reading and preparing the whole
/// library for every batch was most of reply's work at low rates, when
/// batches hold one or two posts.
#[derive(Default)]
pub struct LibraryCache {
    current: std::sync::Mutex<Option<(Fingerprint, Arc<Library>)>>,
}

pub type Library = (Templates, Vec<RebuttalRow>);
type Fingerprint = (i64, Option<DateTime<Utc>>, i64, Option<DateTime<Utc>>);

impl LibraryCache {
    /// The current library: the cached one unless a version was added since.
    pub async fn get(&self, db: &mut PgConnection) -> Result<Arc<Library>, sqlx::Error> {
        seed::ensure(db).await?;
        let now: Fingerprint = sqlx::query_as(
            "SELECT (SELECT count(*) FROM reply_templates), (SELECT max(edited_at) FROM reply_templates),
                    (SELECT count(*) FROM rebuttals), (SELECT max(published_at) FROM rebuttals)",
        )
        .fetch_one(&mut *db)
        .await?;
        if let Some((seen, library)) = self.current.lock().expect("not poisoned").as_ref()
            && *seen == now
        {
            return Ok(library.clone());
        }
        let library = Arc::new(load(db).await?);
        *self.current.lock().expect("not poisoned") = Some((now, library.clone()));
        Ok(library)
    }
}

/// The current library, seeding the built-in set first if missing.
pub async fn load(db: &mut PgConnection) -> Result<(Templates, Vec<RebuttalRow>), sqlx::Error> {
    seed::ensure(db).await?;
    let templates = templates::current(db).await?.into_iter().map(|t| ((t.key.clone(), t.lang.clone()), t)).collect();
    Ok((Templates(templates), rebuttals::current(db).await?))
}

/// Writes the rows' drafts.
pub async fn store(db: &mut PgConnection, cases: &[CaseRow]) -> Result<(), sqlx::Error> {
    if cases.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let texts: Vec<&str> = cases.iter().map(|c| c.draft_text.as_str()).collect();
    let sources: Vec<&str> = cases.iter().map(|c| c.draft_source.as_str()).collect();
    sqlx::query(
        "UPDATE cases SET draft_text = t.text, draft_source = t.source
         FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS t(id, text, source) WHERE cases.id = t.id",
    )
    .bind(&ids)
    .bind(&texts)
    .bind(&sources)
    .execute(db)
    .await?;
    Ok(())
}

/// Saves the next version of a claim's rebuttal and drafts it on every
/// live case repeating the claim (as [`draft_matching`]): the rebuttal as
/// saved and those cases' dockets.
pub async fn publish_rebuttal(
    db: &mut PgConnection,
    registry: &Registry,
    new: &NewRebuttal<'_>,
    by: &str,
) -> Result<(RebuttalRow, Vec<String>), sqlx::Error> {
    let (_, mut library) = load(db).await?;
    let row = rebuttals::save(db, new, by).await?;
    library.retain(|l| l.claim_id != row.claim_id);
    library.push(row.clone());
    let dockets = draft_matching(db, registry, &row, &library).await?;
    Ok((row, dockets))
}

/// Drafts a just-published rebuttal for every open or in-process case in
/// every unit that repeats its claim: linked to it by the classifier, or
/// matching it by word overlap while not linked to another library claim
/// (and not an emergency). Returns the dockets whose draft changed.
pub async fn draft_matching(
    db: &mut PgConnection,
    registry: &Registry,
    rebuttal: &RebuttalRow,
    library: &[RebuttalRow],
) -> Result<Vec<String>, sqlx::Error> {
    let open: Vec<CaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {CASE_COLUMNS} FROM cases WHERE state IN ('open', 'in_process') ORDER BY id"
    )))
    .fetch_all(&mut *db)
    .await?;
    let mut changed = Vec::new();
    for mut case in open {
        let c = Classification::decode(case.classification.as_slice()).unwrap_or_default();
        let linked = c.rumour_claim_id == rebuttal.claim_id;
        let linked_elsewhere =
            !c.rumour_claim_id.is_empty() && !linked && library.iter().any(|r| r.claim_id == c.rumour_claim_id);
        let repeats = !linked
            && !linked_elsewhere
            && case.category != Category::Emergency.slug()
            && case.category != Category::Other.slug()
            && rebuttal
                .matches(&rebuttals::content_words(&Post::decode(case.post.as_slice()).unwrap_or_default().text));
        if !linked && !repeats {
            continue;
        }
        let mut vars = Vars::new(registry, &case.unit, &case.docket);
        vars.police_station = crate::store::police_station(&c).to_owned();
        let text = rebuttal_text(rebuttal, reply_language(&c.language), &vars);
        let source = format!("rebuttal:{}", rebuttal.claim_id);
        if case.draft_text != text || case.draft_source != source {
            (case.draft_text, case.draft_source) = (text, source);
            changed.push(case);
        }
    }
    store(db, &changed).await?;
    Ok(changed.into_iter().map(|c| c.docket).collect())
}

#[cfg(test)]
mod tests {
    use super::reply_language;

    #[test]
    fn a_draft_follows_the_posts_script() {
        assert_eq!(reply_language("hi"), "hi");
        assert_eq!(reply_language("mixed"), "hi", "a mixed post carries Devanagari");
        assert_eq!(reply_language("hi-Latn"), "en", "Hinglish is typed in Latin letters");
        assert_eq!(reply_language("en"), "en");
        assert_eq!(reply_language(""), "en");
    }
}
