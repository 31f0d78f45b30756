//! Sign in with the operator token, sign out, and the language switch.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::WhoAmIRequest;

use crate::AppState;
use crate::html::{Page, Section, percent_encode};
use crate::i18n::Lang;
use crate::rpc::authed;
use crate::security::{self, Signed, cookie_value, session_cookie};
use crate::session::COOKIE;

/// `next`: the page to go to once signed in (already checked by [`safe_next`]).
fn signin_page(lang: Lang, error: Option<&str>, next: &str) -> Page<'static> {
    let body = html! {
        section class="signin" {
            h1 { (lang.t("signin.title")) }
            @if let Some(e) = error { p class="flash err" role="alert" { (e) } }
            form method="post" action="/signin" {
                input type="hidden" name="next" value=(next);
                label for="token" { (lang.t("signin.token")) }
                p id="token-help" class="help" { (lang.t("signin.help")) }
                input id="token" name="token" type="password" autocomplete="off" required autofocus
                    aria-describedby="token-help";
                button type="submit" class="primary" { (lang.t("signin.submit")) }
            }
        }
    };
    Page {
        lang,
        title: lang.t("signin.title").into(),
        section: Section::SignIn,
        session: None,
        // The language switch keeps where the person was going.
        here: format!("/signin?next={}", percent_encode(next)),
        body,
    }
}

pub async fn form(State(state): State<AppState>, lang: Lang, headers: HeaderMap, Query(q): Query<Next>) -> Response {
    let next = safe_next(q.next.as_deref());
    if cookie_value(&headers, COOKIE).and_then(|id| state.sessions.get(&id)).is_some() {
        return Redirect::to(next).into_response();
    }
    super::html(StatusCode::OK, signin_page(lang, None, next))
}

#[derive(Deserialize)]
struct SignInForm {
    token: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(State(state): State<AppState>, lang: Lang, headers: HeaderMap, body: Bytes) -> Response {
    let form: SignInForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let token = form.token.trim().to_owned();
    let next = safe_next(form.next.as_deref());
    match state.desk().who_am_i(authed(&token, WhoAmIRequest {})).await {
        Ok(resp) => {
            let operator = resp.into_inner();
            tracing::info!(operator = %operator.name, role = %operator.role, "signed in");
            let id = state.sessions.create(token, operator);
            let secure = security::is_tls(&state, &headers);
            let mut resp = Redirect::to(next).into_response();
            resp.headers_mut().insert(header::SET_COOKIE, session_cookie(&id, None, secure));
            resp
        }
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::PermissionDenied) => {
            super::html(StatusCode::UNAUTHORIZED, signin_page(lang, Some(lang.t("signin.bad")), next))
        }
        Err(status) => {
            tracing::warn!(error = %status.message(), "sign-in: desk unavailable");
            super::html(StatusCode::SERVICE_UNAVAILABLE, signin_page(lang, Some(lang.t("signin.unavailable")), next))
        }
    }
}

pub async fn signout(State(state): State<AppState>, signed: Signed, headers: HeaderMap) -> Response {
    state.sessions.remove(&signed.id);
    let mut resp = Redirect::to("/signin").into_response();
    resp.headers_mut().insert(header::SET_COOKIE, session_cookie("", Some(0), security::is_tls(&state, &headers)));
    resp
}

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Only a path on this site: never `//host` or `https://…` (no open
/// redirect), and only visible ASCII (a `Location` header carries it; the
/// console's own paths are percent-encoded).
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            n
        }
        _ => "/queue",
    }
}

pub async fn switch_language(Path(code): Path<String>, Query(q): Query<Next>) -> Response {
    let Some(lang) = Lang::from_code(&code) else { return StatusCode::NOT_FOUND.into_response() };
    let mut resp = Redirect::to(safe_next(q.next.as_deref())).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, security::lang_cookie(lang));
    resp
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn the_language_switch_redirects_only_within_the_site() {
        assert_eq!(safe_next(Some("/cases/BLT-2611-00001")), "/cases/BLT-2611-00001");
        assert_eq!(safe_next(Some("//evil.example/")), "/queue");
        assert_eq!(safe_next(Some("https://evil.example/")), "/queue");
        assert_eq!(safe_next(Some("/\\evil.example")), "/queue");
        assert_eq!(safe_next(None), "/queue");
        assert_eq!(safe_next(Some("/supervise?unit=hq&show=approvals")), "/supervise?unit=hq&show=approvals");
        assert_eq!(safe_next(Some("/cases/x\r\nSet-Cookie:a=b")), "/queue", "no header injection");
        assert_eq!(safe_next(Some("/cases/मामला")), "/queue");
    }
}
