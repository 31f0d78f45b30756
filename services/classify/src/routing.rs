//! Which unit a post goes to, and the reason shown with it. The trained
//! classifier and the keyword baseline find places differently but route by
//! the same rule, so a comparison between them compares only the finding.

use tvarit_registry::{Registry, UnitKind};

/// HQ's unit slug: where a post with no single district goes.
pub const HQ: &str = "hq";

/// Where the places named in a post point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    /// One district is named, or named more strongly than any other.
    District {
        slug: &'a str,
        name: &'a str,
    },
    /// Several districts, named equally strongly.
    Ambiguous,
    None,
}

/// `(unit, reason)`: a district account the post addresses wins; then the
/// one district its places name (`places` is asked only then); several
/// districts go to HQ; none, to the addressed account's unit, else HQ.
pub fn route<'a>(registry: &Registry, mentions: &[String], places: impl FnOnce() -> Route<'a>) -> (String, String) {
    let account = registry.addressed_account(mentions.iter().map(String::as_str));
    let by_account = |a: &tvarit_registry::Account| (a.unit.clone(), format!("account:{}→{}", a.handle, a.unit));
    if let Some(account) = account
        && is_district(registry, &account.unit)
    {
        return by_account(account);
    }
    match places() {
        Route::District { slug, name } => (slug.to_owned(), format!("place:{name}→{slug}")),
        Route::Ambiguous => (HQ.to_owned(), format!("place:ambiguous→{HQ}")),
        Route::None => account.map_or_else(|| (HQ.to_owned(), format!("place:none→{HQ}")), by_account),
    }
}

/// Whether `slug` is a district (not HQ, a range or a wing).
pub fn is_district(registry: &Registry, slug: &str) -> bool {
    registry.unit(slug).is_some_and(|u| u.kind == UnitKind::District)
}
