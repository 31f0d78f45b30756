//! The pages. Each handler asks the services with the person's token, checks
//! the person's units itself as well, and renders HTML; forms post and
//! redirect back (the page works without the script).

pub mod case;
mod case_history;
pub mod case_media;
pub mod case_next;
pub mod case_note;
mod case_thread;
mod case_view;
pub mod handover;
pub mod hq;
pub mod library;
pub mod publish;
pub mod queue;
pub mod search;
pub mod signin;
pub mod supervise;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::de::DeserializeOwned;
use tonic::Code;

use crate::AppState;
use crate::html::{Page, Section};
use crate::i18n::Lang;
use crate::security::Signed;
use crate::session::Flash;

pub fn html(status: StatusCode, page: Page<'_>) -> Response {
    (status, Html(page.render())).into_response()
}

/// An error's or a refusal's page body: what went wrong, and the way back.
fn message_body(l: Lang, title: &str, message: &str, id: Option<&str>) -> Markup {
    html! {
        h1 { (title) }
        p class="error-message" id=[id] { (message) }
        p { a href="/queue" { (l.t("case.back")) } }
    }
}

/// A full error page with the signed-in frame.
pub fn error_page(signed: &Signed, status: StatusCode, message: &str) -> Response {
    let l = signed.lang;
    let body = message_body(l, l.t("error.title"), message, None);
    let page = Page {
        lang: l,
        title: l.t("error.title").into(),
        section: Section::Error,
        session: Some(&signed.session),
        here: "/queue".into(),
        body,
    };
    html(status, page)
}

/// A refusal before any page could run (the CSRF guard): the frame without
/// the signed-in parts, in the person's language.
pub fn refusal(lang: Lang, status: StatusCode, title_key: &str, message_key: &str) -> Response {
    let body = message_body(lang, lang.t(title_key), lang.t(message_key), Some("refusal"));
    let page = Page {
        lang,
        title: lang.t(title_key).into(),
        section: Section::Error,
        session: None,
        here: "/queue".into(),
        body,
    };
    html(status, page)
}

/// What a failed call means for the person: signed out when the token is
/// no longer accepted; "not found" for another unit's case (its existence
/// is not revealed); the service's words for a refusal.
pub fn failure(state: &AppState, signed: &Signed, status: &tonic::Status) -> Response {
    let l = signed.lang;
    match status.code() {
        Code::Unauthenticated => {
            state.sessions.remove(&signed.id);
            Redirect::to("/signin").into_response()
        }
        Code::NotFound => error_page(signed, StatusCode::NOT_FOUND, l.t("error.not_found")),
        Code::PermissionDenied => error_page(signed, StatusCode::FORBIDDEN, l.t("error.forbidden")),
        Code::Unavailable | Code::DeadlineExceeded | Code::Unknown => {
            tracing::warn!(error = %status.message(), "a service did not answer");
            error_page(signed, StatusCode::SERVICE_UNAVAILABLE, l.t("error.unavailable"))
        }
        _ => error_page(signed, StatusCode::BAD_REQUEST, status.message()),
    }
}

/// After a form: the outcome shown on the next page, and back to `to`.
pub fn done(signed: &Signed, to: &str, result: Result<&str, &tonic::Status>, kept_text: Option<String>) -> Response {
    let flash = match result {
        Ok(key) => Flash { ok: true, text: signed.lang.t(key).into(), kept_text: None },
        Err(status) => Flash { ok: false, text: status.message().into(), kept_text },
    };
    signed.session.set_flash(flash);
    Redirect::to(to).into_response()
}

/// A form body that could not be read.
pub struct BadForm(String);

impl IntoResponse for BadForm {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, format!("bad form: {}", self.0)).into_response()
    }
}

/// A urlencoded form body (the CSRF guard has already read and checked it).
pub fn form<T: DeserializeOwned>(body: &[u8]) -> Result<T, BadForm> {
    serde_urlencoded::from_bytes(body).map_err(|e| BadForm(e.to_string()))
}
