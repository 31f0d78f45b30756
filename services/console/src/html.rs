//! The page frame, as a maud template: maud escapes every value it splices
//! in, text and attribute alike (no page builds HTML with `format!`), and no
//! page carries inline script or style, so the strict CSP holds.

use std::fmt::Write;

use maud::{DOCTYPE, Markup, html};

use crate::assets;
use crate::i18n::Lang;
use crate::session::{Flash, Session};

/// Which top-level section a page belongs to (highlighted in the nav).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    SignIn,
    Queue,
    Case,
    Supervise,
    Library,
    Publish,
    Hq,
    Search,
    Handover,
    Error,
}

impl Section {
    fn slug(self) -> &'static str {
        match self {
            Section::SignIn => "signin",
            Section::Queue => "queue",
            Section::Case => "case",
            Section::Supervise => "supervise",
            Section::Library => "library",
            Section::Publish => "publish",
            Section::Hq => "hq",
            Section::Search => "search",
            Section::Handover => "handover",
            Section::Error => "error",
        }
    }
}

pub struct Page<'a> {
    pub lang: Lang,
    pub title: String,
    pub section: Section,
    pub session: Option<&'a Session>,
    /// The page's own path and query, for the language switch to come back to.
    pub here: String,
    pub body: Markup,
}

/// The hidden CSRF field every form carries.
pub fn csrf_input(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

fn nav(page: &Page<'_>, session: &Session) -> Markup {
    let l = page.lang;
    let mut links = vec![
        ("/queue", "nav.queue", Section::Queue),
        ("/search", "nav.search", Section::Search),
        ("/handover", "nav.handover", Section::Handover),
    ];
    if session.supervises() {
        links.push(("/supervise", "nav.supervise", Section::Supervise));
        links.push(("/library", "nav.library", Section::Library));
    }
    // Operators compose for their units too (a supervisor approves).
    links.push(("/publish", "nav.publish", Section::Publish));
    if session.supervises() {
        links.push(("/hq", "nav.hq", Section::Hq));
    }
    html! {
        nav aria-label="main" {
            ul {
                @for (href, key, section) in links {
                    li { a href=(href) aria-current=[(section == page.section).then_some("page")] { (l.t(key)) } }
                }
            }
        }
        span class="who" {
            (l.t("signed_in_as")) " " strong { (session.operator.name) } " (" (l.t(&format!("role.{}", session.role()))) ")"
        }
        form method="post" action="/signout" class="signout" {
            (csrf_input(session))
            button type="submit" { (l.t("nav.signout")) }
        }
    }
}

pub fn flash_html(lang: Lang, flash: &Flash) -> Markup {
    let (class, role) = if flash.ok { ("flash ok", "status") } else { ("flash err", "alert") };
    let text = if flash.ok { flash.text.clone() } else { format!("{} {}", lang.t("error.refused"), flash.text) };
    html! { div class=(class) role=(role) { (text) } }
}

impl Page<'_> {
    pub fn render(self) -> String {
        let l = self.lang;
        let other = l.other();
        let flash = self.session.and_then(|s| s.take_flash());
        html! {
            (DOCTYPE)
            html lang=(l.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · " (l.t("app.name")) }
                    link rel="stylesheet" href=(assets::url("console.css"));
                    script src=(assets::url("console.js")) defer {}
                }
                body data-page=(self.section.slug()) data-t-goal=(l.t("sla.goal_in")) data-t-breach=(l.t("sla.breach_in"))
                    data-t-breached=(l.t("sla.breached")) data-t-answered=(l.t("sla.answered")) {
                    a class="skip" href="#main" { (l.t("nav.skip")) }
                    header class="top" {
                        a class="brand" href="/queue" { "त्वरित " span { "Tvarit" } }
                        @if let Some(session) = self.session { (nav(&self, session)) }
                        a class="lang" href={ "/lang/" (other.code()) "?next=" (percent_encode(&self.here)) }
                            lang=(other.code()) hreflang=(other.code()) { (other.own_name()) }
                    }
                    @if let Some(flash) = &flash { (flash_html(l, flash)) }
                    main id="main" tabindex="-1" { (self.body) }
                }
            }
        }
        .into_string()
    }
}

/// Percent-encodes everything but unreserved characters and `/`, for a
/// path carried in a query parameter.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes_and_keeps_devanagari() {
        // maud leaves `'` as it is: every attribute it writes is double-quoted.
        let esc = |s: &str| html! { (s) }.into_string();
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;");
        assert_eq!(esc("मेरी बाइक <चोरी>"), "मेरी बाइक &lt;चोरी&gt;");
        let attr = html! { input value=(r#"" onfocus="x"#); }.into_string();
        assert_eq!(attr, r#"<input value="&quot; onfocus=&quot;x">"#);
    }

    #[test]
    fn encodes_a_path_for_a_query() {
        assert_eq!(percent_encode("/queue?unit=balotra&x"), "/queue%3Funit%3Dbalotra%26x");
    }
}
