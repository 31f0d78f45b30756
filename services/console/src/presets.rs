//! The queue's saved views: presets in the query string (`?preset=mine`,
//! `unassigned`, `breached`, and `category=<slug>`), so a view is a link to
//! bookmark or share. The page filters its rows with them and passes them
//! to the live stream, which filters its updates the same way.

use std::fmt::Write;

use maud::{Markup, html};
use serde::Deserialize;
use tvarit_proto::Category;
use tvarit_proto::v1::Case;

use crate::format::millis;
use crate::html::percent_encode;
use crate::i18n::Lang;

/// The presets, in the order the page lists them ("" is the whole queue).
const PRESETS: [&str; 4] = ["", "mine", "unassigned", "breached"];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Preset {
    pub preset: String,
    pub category: String,
}

impl Preset {
    /// Whether `c` is in this view for `me`, at `now` (ms): mine is claimed
    /// by me; unassigned by nobody; breached is unanswered past its limit.
    pub fn keeps(&self, c: &Case, me: &str, now: i64) -> bool {
        let by_preset = match self.preset.as_str() {
            "mine" => c.claimed_by == me,
            "unassigned" => c.claimed_by.is_empty(),
            "breached" => c.first_reply_at.is_none() && millis(&c.breach_at).is_some_and(|b| b <= now),
            _ => true,
        };
        let by_category = self.category.is_empty() || c.category().slug() == self.category;
        by_preset && by_category
    }

    /// `&preset=…&category=…` for a URL that carries the view on.
    pub fn url_query(&self) -> String {
        let mut out = String::new();
        for (key, value) in [("preset", &self.preset), ("category", &self.category)] {
            if !value.is_empty() {
                let _ = write!(out, "&{key}={}", percent_encode(value));
            }
        }
        out
    }
}

/// The saved views as links, the current one marked, and a category picker
/// (a GET form, so it works without the script).
pub fn links(l: Lang, unit: &str, current: &Preset) -> Markup {
    let u = percent_encode(unit);
    html! {
        nav class="filter presets" aria-label=(l.t("views.title")) {
            ul {
                @for p in PRESETS {
                    @let id = if p.is_empty() { "all" } else { p };
                    @let here = current.preset == p && current.category.is_empty();
                    li {
                        a href={ "/queue?unit=" (u) @if !p.is_empty() { "&preset=" (p) } } id={ "view-" (id) }
                            aria-current=[here.then_some("page")] { (l.t(&format!("views.{id}"))) }
                    }
                }
            }
            form method="get" action="/queue" class="inline" {
                input type="hidden" name="unit" value=(u);
                label for="view-category" { (l.t("views.category")) }
                " "
                select id="view-category" name="category" {
                    option value="" { (l.t("search.any")) }
                    // The categories a desk answers: a view of `other` would always be empty.
                    @for c in Category::ANSWERED {
                        option value=(c.slug()) selected[current.category == c.slug()] { (l.category(c)) }
                    }
                }
                " "
                button type="submit" { (l.t("queue.show")) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::time::from_millis;

    use super::*;

    #[test]
    fn presets_keep_their_cases() {
        let mine = Case { claimed_by: "asha".into(), category: Category::Complaint as i32, ..Default::default() };
        let open = Case { breach_at: Some(from_millis(1_000)), ..Default::default() };
        let p = |preset: &str, category: &str| Preset { preset: preset.into(), category: category.into() };
        assert!(p("mine", "").keeps(&mine, "asha", 0) && !p("mine", "").keeps(&open, "asha", 0));
        assert!(p("unassigned", "").keeps(&open, "asha", 0) && !p("unassigned", "").keeps(&mine, "asha", 0));
        assert!(p("breached", "").keeps(&open, "asha", 2_000) && !p("breached", "").keeps(&open, "asha", 500));
        assert!(p("", "complaint").keeps(&mine, "x", 0) && !p("", "emergency").keeps(&mine, "x", 0));
        assert_eq!(p("mine", "query").url_query(), "&preset=mine&category=query");
    }
}
