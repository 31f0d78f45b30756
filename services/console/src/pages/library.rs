//! The rebuttal library (HQ publishes once; the draft appears in every
//! district's matching cases) and template editing (supervisors and HQ).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{
    ListRebuttalsRequest, ListTemplatesRequest, PublishRebuttalRequest, Template, UpsertTemplateRequest,
};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, csrf_input};
use crate::i18n::Lang;
use crate::pages::publish::view::{VERDICTS, named};
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::{Flash, Session};

pub async fn page(State(state): State<AppState>, signed: Signed) -> Response {
    let (l, s) = (signed.lang, &signed.session);
    if !s.supervises() {
        return super::error_page(&signed, StatusCode::FORBIDDEN, l.t("error.forbidden"));
    }
    let mut lib = state.library();
    let rebuttals = match lib.list_rebuttals(authed(&s.token, ListRebuttalsRequest {})).await {
        Ok(r) => r.into_inner().rebuttals,
        Err(status) => return super::failure(&state, &signed, &status),
    };
    let templates = match lib.list_templates(authed(&s.token, ListTemplatesRequest::default())).await {
        Ok(r) => r.into_inner().templates,
        Err(status) => return super::failure(&state, &signed, &status),
    };
    let body = html! {
        h1 { (l.t("library.title")) }
        div class="case-grid" {
            div class="col-main" {
                section class="card" aria-labelledby="reb-h" {
                    h2 id="reb-h" { (l.t("library.rebuttals")) }
                    p class="help" { (l.t("library.rebuttals_help")) }
                    @if s.is_hq() {
                        (rebuttal_form(l, &csrf_input(s)))
                    } @else {
                        p class="help" { (l.t("library.hq_only")) }
                    }
                    ul class="rebuttals" {
                        @for r in rebuttals.iter().rev() {
                            li {
                                p {
                                    strong { (r.claim_id) }
                                    " · " (named(l, "verdict", &r.verdict))
                                    " · " (l.t("library.version")) " " (r.version)
                                    " · " (l.t("library.edited_by")) " " (r.published_by)
                                }
                                p { (r.claim) }
                                p lang="hi" { (r.text_hi) }
                                p lang="en" { (r.text_en) }
                            }
                        }
                    }
                }
            }
            div class="col-side" {
                section class="card" aria-labelledby="tpl-h" {
                    h2 id="tpl-h" { (l.t("library.templates")) }
                    p class="help" { (l.t("library.templates_help")) }
                    @for (i, t) in templates.iter().enumerate() {
                        (template_form(&state, l, s, i, t))
                    }
                }
            }
        }
    };
    let page = Page {
        lang: l,
        title: l.t("library.title").into(),
        section: Section::Library,
        session: Some(s),
        here: "/library".into(),
        body,
    };
    super::html(StatusCode::OK, page)
}

/// One template, folded: its latest version in a form that saves a new one.
fn template_form(state: &AppState, l: Lang, s: &Session, i: usize, t: &Template) -> Markup {
    let id = format!("tpl-{i}");
    html! {
        details {
            summary { code { (t.key) } " · " (t.lang) " · " (l.t("library.version")) " " (t.version) }
            form method="post" action="/library/templates" class="stack" {
                (csrf_input(s))
                input type="hidden" name="key" value=(t.key);
                input type="hidden" name="lang" value=(t.lang);
                label for=(id) { (t.key) " (" (t.lang) ")" }
                textarea id=(id) name="text" lang=(t.lang) rows="4" required { (t.text) }
                p class="help" {
                    (l.t("library.edited_by")) " " (t.edited_by) " · " (format::clock(l, state.zone(), &t.edited_at))
                }
                button type="submit" { (l.t("library.save")) }
            }
        }
    }
}

/// HQ's form for a new rebuttal; the verdicts in the interface language.
fn rebuttal_form(l: Lang, csrf: &Markup) -> Markup {
    html! {
        form method="post" action="/library/rebuttals" class="stack" {
            (csrf)
            label for="r-claim" { (l.t("library.claim")) }
            input id="r-claim" name="claim" required;
            label for="r-verdict" { (l.t("library.verdict")) }
            select id="r-verdict" name="verdict" {
                @for v in VERDICTS {
                    option value=(v) { (named(l, "verdict", v)) }
                }
            }
            label for="r-hi" { (l.t("library.text_hi")) }
            textarea id="r-hi" name="text_hi" rows="3" lang="hi" required {}
            label for="r-en" { (l.t("library.text_en")) }
            textarea id="r-en" name="text_en" rows="3" lang="en" required {}
            label for="r-ev" { (l.t("library.evidence")) }
            input id="r-ev" name="evidence_url" type="url";
            label for="r-var" { (l.t("library.variants")) }
            textarea id="r-var" name="variants" rows="3" {}
            button type="submit" class="primary" { (l.t("library.publish")) }
        }
    }
}

#[derive(Deserialize)]
struct RebuttalForm {
    #[serde(default)]
    claim_id: String,
    claim: String,
    verdict: String,
    text_hi: String,
    text_en: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    variants: String,
}

pub async fn publish(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let f: RebuttalForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let req = PublishRebuttalRequest {
        claim_id: f.claim_id,
        claim: f.claim,
        verdict: f.verdict,
        text_hi: f.text_hi,
        text_en: f.text_en,
        evidence_url: f.evidence_url,
        variants: f.variants.lines().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect(),
    };
    match state.library().publish_rebuttal(authed(&signed.session.token, req)).await {
        Ok(resp) => {
            let r = resp.into_inner();
            let text = format!("{} {} ({})", signed.lang.t("library.published"), r.cases_drafted, r.dockets.join(", "));
            signed.session.set_flash(Flash { ok: true, text, kept_text: None });
            Redirect::to("/library").into_response()
        }
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::Unavailable) => {
            super::failure(&state, &signed, &status)
        }
        Err(status) => super::done(&signed, "/library", Err(&status), None),
    }
}

#[derive(Deserialize)]
struct TemplateForm {
    key: String,
    lang: String,
    text: String,
}

pub async fn save_template(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let f: TemplateForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let req = UpsertTemplateRequest { key: f.key, lang: f.lang, text: f.text };
    match state.library().upsert_template(authed(&signed.session.token, req)).await {
        Ok(_) => super::done(&signed, "/library", Ok("done.saved"), None),
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::Unavailable) => {
            super::failure(&state, &signed, &status)
        }
        Err(status) => super::done(&signed, "/library", Err(&status), None),
    }
}
