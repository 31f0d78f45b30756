//! What every request passes through: security headers on every response,
//! the same-origin and CSRF checks on every POST, and the `Signed`
//! extractor that turns the session cookie into the signed-in person.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::html::percent_encode;
use crate::i18n::Lang;
use crate::session::{COOKIE, Session};
use crate::{AppState, pages};
use cookie::{Cookie, CookieBuilder, SameSite};

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Largest form body accepted (a rebuttal with its variants fits easily).
const MAX_FORM_BYTES: usize = 256 * 1024;

pub const CSRF_HEADER: &str = "x-csrf-token";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages show personal data: never keep them in a shared cache.
    h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    resp
}

/// The value of cookie `name`, if the request carries it (parsed by the
/// `cookie` crate; a malformed pair is skipped, not fatal).
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie_value(headers, "lang").and_then(|c| Lang::from_code(&c)).unwrap_or(Lang::Hi)
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(lang_of(&parts.headers))
    }
}

/// Behind TLS when configured so, or when the proxy in front says so.
pub fn is_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

pub fn session_cookie(value: &str, max_age: Option<u64>, secure: bool) -> HeaderValue {
    let mut c = Cookie::build((COOKIE, value)).path("/").http_only(true).same_site(SameSite::Strict).secure(secure);
    if let Some(age) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(age as i64));
    }
    set_cookie(c)
}

/// The interface language, for a year (not `HttpOnly`: it is no secret).
pub fn lang_cookie(lang: Lang) -> HeaderValue {
    set_cookie(
        Cookie::build(("lang", lang.code()))
            .path("/")
            .max_age(cookie::time::Duration::days(365))
            .same_site(SameSite::Lax),
    )
}

/// A `Set-Cookie` value (our names and values are ASCII: random ids, codes).
fn set_cookie(c: CookieBuilder<'_>) -> HeaderValue {
    HeaderValue::from_str(&c.build().to_string()).expect("cookie is ASCII")
}

/// The signed-in person of a request.
pub struct Signed {
    pub id: String,
    pub session: Arc<Session>,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let lang = lang_of(&parts.headers);
        let found = cookie_value(&parts.headers, COOKIE).and_then(|id| Some((state.sessions.get(&id)?, id)));
        match found {
            Some((session, id)) => Ok(Signed { id, session, lang }),
            // A live stream or script gets a status, a person the sign-in
            // page, which brings them back to the page they asked for (a
            // case link in a message, say). A form post cannot be replayed.
            None if parts.uri.path().starts_with("/units/") => Err(StatusCode::UNAUTHORIZED.into_response()),
            None if parts.method == Method::GET => {
                let here = parts.uri.path_and_query().map_or("/queue", |p| p.as_str());
                Err(Redirect::to(&format!("/signin?next={}", percent_encode(here))).into_response())
            }
            None => Err(Redirect::to("/signin").into_response()),
        }
    }
}

/// Whether the browser says this request came from our own pages.
/// `Sec-Fetch-Site` first: with `Referrer-Policy: no-referrer` a browser
/// sends `Origin: null` even for our own forms. A request with neither
/// header (not a browser) passes here and still needs the CSRF token.
/// `authority` is the request's `:authority`: over HTTP/2 (the console's
/// own HTTPS) it replaces the `Host` header.
fn same_origin(headers: &HeaderMap, authority: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str().unwrap_or(""), "same-origin" | "none");
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).or(authority).unwrap_or("");
    match headers.get(header::ORIGIN).map(|o| o.to_str().unwrap_or("null")) {
        Some(origin) => {
            let origin_host = origin.split_once("://").map_or("", |(_, h)| h);
            !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
        None => true,
    }
}

/// Compares without stopping at the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn csrf_in_form(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v)
}

/// Every POST must come from our own origin and, once signed in, carry the
/// session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
/// Sign-in has no session yet: the origin check and SameSite cover it.
pub async fn csrf_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let lang = lang_of(req.headers());
    if !same_origin(req.headers(), req.uri().authority().map(|a| a.as_str())) {
        return pages::refusal(lang, StatusCode::FORBIDDEN, "csrf.title", "csrf.cross_site");
    }
    if req.uri().path() == "/signin" {
        return next.run(req).await;
    }
    let Some(session) = cookie_value(req.headers(), COOKIE).and_then(|id| state.sessions.get(&id)) else {
        return Redirect::to("/signin").into_response();
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BYTES).await else {
        return pages::refusal(lang, StatusCode::PAYLOAD_TOO_LARGE, "csrf.title", "csrf.too_large");
    };
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| csrf_in_form(&bytes));
    if !sent.is_some_and(|t| same_secret(&t, &session.csrf)) {
        tracing::warn!(operator = %session.operator.name, path = %parts.uri.path(), "csrf token mismatch");
        return pages::refusal(lang, StatusCode::FORBIDDEN, "csrf.title", "csrf.expired");
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn reads_cookies_among_others() {
        let h = headers(&[("cookie", "a=1; tvarit_session=abc; lang=en")]);
        assert_eq!(cookie_value(&h, COOKIE).as_deref(), Some("abc"));
        assert_eq!(lang_of(&h), Lang::En);
        assert_eq!(lang_of(&HeaderMap::new()), Lang::Hi);
    }

    #[test]
    fn refuses_other_origins() {
        assert!(same_origin(&headers(&[("host", "console:8080"), ("origin", "http://console:8080")]), None));
        assert!(!same_origin(&headers(&[("host", "console:8080"), ("origin", "https://evil.example")]), None));
        assert!(!same_origin(&headers(&[("host", "console:8080"), ("origin", "null")]), None));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")]), None));
        // HTTP/2 sends no Host: the authority stands in for it.
        assert!(same_origin(&headers(&[("origin", "https://console:8000")]), Some("console:8000")));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example")]), Some("console:8000")));
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), None));
        // Our own form under `Referrer-Policy: no-referrer`.
        assert!(same_origin(&headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]), None));
        assert!(!same_origin(&headers(&[("origin", "http://console:8080"), ("sec-fetch-site", "same-site")]), None));
    }

    #[test]
    fn finds_the_csrf_field() {
        assert_eq!(csrf_in_form(b"text=%E0%A4%95&csrf=abc").as_deref(), Some("abc"));
        assert!(csrf_in_form(b"text=x").is_none());
        assert!(same_secret("abc", "abc") && !same_secret("abc", "abd") && !same_secret("abc", "ab"));
    }

    #[test]
    fn session_cookie_is_httponly_strict_and_secure_behind_tls() {
        let c = session_cookie("id", None, true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("; Secure"));
        assert!(!session_cookie("id", None, false).to_str().unwrap().contains("Secure"));
    }
}
