//! The rebuttal library (HQ publishes once; the draft appears in every
//! district's matching cases) and template editing (supervisors and HQ).

use std::fmt::Write;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{ListRebuttalsRequest, ListTemplatesRequest, PublishRebuttalRequest, UpsertTemplateRequest};

use crate::AppState;
use crate::format;
use crate::html::{Page, Section, csrf_field, esc};
use crate::i18n::Lang;
use crate::pages::publish::view::{VERDICTS, named};
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::Flash;

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
    let csrf = csrf_field(s);
    let mut body = format!(r#"<h1>{}</h1><div class="case-grid"><div class="col-main">"#, l.t("library.title"));
    let _ = write!(
        body,
        r#"<section class="card" aria-labelledby="reb-h"><h2 id="reb-h">{}</h2><p class="help">{}</p>"#,
        l.t("library.rebuttals"),
        l.t("library.rebuttals_help")
    );
    if s.is_hq() {
        body.push_str(&rebuttal_form(l, &csrf));
    } else {
        let _ = write!(body, r#"<p class="help">{}</p>"#, l.t("library.hq_only"));
    }
    body.push_str(r#"<ul class="rebuttals">"#);
    for r in rebuttals.iter().rev() {
        let _ = write!(
            body,
            r#"<li><p><strong>{id}</strong> · {verdict} · {v} {ver} · {by} {who}</p><p>{claim}</p><p lang="hi">{hi}</p><p lang="en">{en}</p></li>"#,
            id = esc(&r.claim_id),
            verdict = esc(&named(l, "verdict", &r.verdict)),
            v = l.t("library.version"),
            ver = r.version,
            by = l.t("library.edited_by"),
            who = esc(&r.published_by),
            claim = esc(&r.claim),
            hi = esc(&r.text_hi),
            en = esc(&r.text_en),
        );
    }
    body.push_str("</ul></section></div><div class=\"col-side\">");
    let _ = write!(
        body,
        r#"<section class="card" aria-labelledby="tpl-h"><h2 id="tpl-h">{}</h2><p class="help">{}</p>"#,
        l.t("library.templates"),
        esc(l.t("library.templates_help"))
    );
    for (i, t) in templates.iter().enumerate() {
        let _ = write!(
            body,
            r#"<details><summary><code>{key}</code> · {lang} · {v} {ver}</summary><form method="post" action="/library/templates" class="stack">{csrf}<input type="hidden" name="key" value="{key}"><input type="hidden" name="lang" value="{lang}"><label for="tpl-{i}">{key} ({lang})</label><textarea id="tpl-{i}" name="text" lang="{lang}" rows="4" required>{text}</textarea><p class="help">{by} {who} · {at}</p><button type="submit">{save}</button></form></details>"#,
            key = esc(&t.key),
            lang = esc(&t.lang),
            v = l.t("library.version"),
            ver = t.version,
            text = esc(&t.text),
            by = l.t("library.edited_by"),
            who = esc(&t.edited_by),
            at = format::clock(l, state.zone(), &t.edited_at),
            save = l.t("library.save"),
        );
    }
    body.push_str("</section></div></div>");
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

/// HQ's form for a new rebuttal; the verdicts in the interface language.
fn rebuttal_form(l: Lang, csrf: &str) -> String {
    let mut verdicts = String::new();
    for v in VERDICTS {
        let _ = write!(verdicts, r#"<option value="{v}">{}</option>"#, esc(&named(l, "verdict", v)));
    }
    let field = |id: &str, label: &str, input: String| format!(r#"<label for="{id}">{}</label>{input}"#, l.t(label));
    let area =
        |id: &str, name: &str, attrs: &str| format!(r#"<textarea id="{id}" name="{name}" rows="3"{attrs}></textarea>"#);
    [
        format!(r#"<form method="post" action="/library/rebuttals" class="stack">{csrf}"#),
        field("r-claim", "library.claim", r#"<input id="r-claim" name="claim" required>"#.into()),
        field("r-verdict", "library.verdict", format!(r#"<select id="r-verdict" name="verdict">{verdicts}</select>"#)),
        field("r-hi", "library.text_hi", area("r-hi", "text_hi", r#" lang="hi" required"#)),
        field("r-en", "library.text_en", area("r-en", "text_en", r#" lang="en" required"#)),
        field("r-ev", "library.evidence", r#"<input id="r-ev" name="evidence_url" type="url">"#.into()),
        field("r-var", "library.variants", area("r-var", "variants", "")),
        format!(r#"<button type="submit" class="primary">{}</button></form>"#, l.t("library.publish")),
    ]
    .concat()
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
