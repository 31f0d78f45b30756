//! HTML by hand: the page frame. Every dynamic value goes through `esc`
//! (`tvarit-html`, for text and attribute values alike), and no page
//! carries inline script or style, so the strict CSP holds.

use std::fmt::Write;

use maud::{Markup, html};

use crate::assets;
use crate::i18n::Lang;
use crate::session::{Flash, Session};

pub use tvarit_html::{Esc, esc};

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
    pub body: String,
}

/// The hidden CSRF field every form carries.
pub fn csrf_input(session: &Session) -> Markup {
    html! { input type="hidden" name="csrf" value=(session.csrf); }
}

/// [`csrf_input`] for the pages still written with `format!`.
pub fn csrf_field(session: &Session) -> String {
    csrf_input(session).into_string()
}

fn nav(out: &mut String, page: &Page<'_>, session: &Session) {
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
    out.push_str(r#"<nav aria-label="main"><ul>"#);
    for (href, key, section) in links {
        let current = if section == page.section { r#" aria-current="page""# } else { "" };
        let _ = write!(out, r#"<li><a href="{href}"{current}>{}</a></li>"#, l.t(key));
    }
    out.push_str("</ul></nav>");
    let role = l.t(&format!("role.{}", session.role()));
    let _ = write!(
        out,
        r#"<span class="who">{} <strong>{}</strong> ({})</span><form method="post" action="/signout" class="signout">{}<button type="submit">{}</button></form>"#,
        l.t("signed_in_as"),
        esc(&session.operator.name),
        esc(role),
        csrf_field(session),
        l.t("nav.signout")
    );
}

pub fn flash_html(lang: Lang, flash: &Flash) -> String {
    let (class, role) = if flash.ok { ("flash ok", "status") } else { ("flash err", "alert") };
    let text = if flash.ok { flash.text.clone() } else { format!("{} {}", lang.t("error.refused"), flash.text) };
    format!(r#"<div class="{class}" role="{role}">{}</div>"#, esc(&text))
}

impl Page<'_> {
    pub fn render(self) -> String {
        let l = self.lang;
        let mut out = String::with_capacity(self.body.len() + 2048);
        let _ = write!(
            out,
            r##"<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · {app}</title><link rel="stylesheet" href="{css}"><script src="{js}" defer></script></head><body data-page="{page}" data-t-goal="{t_goal}" data-t-breach="{t_breach}" data-t-breached="{t_breached}" data-t-answered="{t_answered}"><a class="skip" href="#main">{skip}</a><header class="top"><a class="brand" href="/queue">त्वरित <span>Tvarit</span></a>"##,
            lang = l.code(),
            title = esc(&self.title),
            app = l.t("app.name"),
            css = assets::url("console.css"),
            js = assets::url("console.js"),
            page = self.section.slug(),
            skip = l.t("nav.skip"),
            t_goal = esc(l.t("sla.goal_in")),
            t_breach = esc(l.t("sla.breach_in")),
            t_breached = esc(l.t("sla.breached")),
            t_answered = esc(l.t("sla.answered")),
        );
        if let Some(session) = self.session {
            nav(&mut out, &self, session);
        }
        let other = l.other();
        let _ = write!(
            out,
            r#"<a class="lang" href="/lang/{code}?next={next}" lang="{code}" hreflang="{code}">{name}</a></header>"#,
            code = other.code(),
            next = esc(&percent_encode(&self.here)),
            name = other.own_name()
        );
        if let Some(flash) = self.session.and_then(|s| s.take_flash()) {
            out.push_str(&flash_html(l, &flash));
        }
        let _ = write!(out, r#"<main id="main" tabindex="-1">{}</main></body></html>"#, self.body);
        out
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
        assert_eq!(esc(r#"<a href="x">'&'</a>"#).to_string(), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(esc("मेरी बाइक <चोरी>").to_string(), "मेरी बाइक &lt;चोरी&gt;");
    }

    #[test]
    fn encodes_a_path_for_a_query() {
        assert_eq!(percent_encode("/queue?unit=balotra&x"), "/queue%3Funit%3Dbalotra%26x");
    }
}
