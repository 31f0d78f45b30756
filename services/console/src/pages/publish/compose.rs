//! Compose a post: kind (with a fact-check's claim and verdict), Hindi
//! and/or English text, links and media, the audience (accounts or units
//! of mine; every account for HQ), and when. "Preview" asks the service how
//! the post reads on each platform without saving; "Save draft" and
//! "Submit for approval" compose it and open the post's page.

use std::fmt::Write;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{ComposeRequest, PreviewRequest, PreviewResponse, PublicationRef};

use super::draft::{Draft, all_units, audience_allowed};
use super::view::{self, KINDS, VERDICTS};
use crate::AppState;
use crate::html::{Page, Section, csrf_field, esc, flash_html};
use crate::i18n::Lang;
use crate::pages::queue::my_units;
use crate::rows::unit_name;
use crate::rpc::authed;
use crate::security::Signed;
use crate::session::{Flash, Session};

#[derive(Deserialize)]
pub struct FromQuery {
    from: Option<u64>,
}

/// The blank form, or one filled from a saved post (`?from=ID`): the
/// author's own draft or rejected post is edited in place; any other post
/// is copied into a new one.
pub async fn page(State(state): State<AppState>, signed: Signed, Query(q): Query<FromQuery>) -> Response {
    let s = &signed.session;
    let mut draft = Draft::default();
    if let Some(id) = q.from {
        let p = match state.publishing().get_publication(authed(&s.token, PublicationRef { id })).await {
            Ok(p) => p.into_inner(),
            Err(status) => return super::refused(&state, &signed, &status),
        };
        let editable = p.author == s.operator.name && matches!(p.state.as_str(), "draft" | "rejected");
        draft = Draft::from_publication(&p, editable, state.zone());
    }
    render(&state, &signed, &draft, None, None, StatusCode::OK)
}

pub async fn submit(State(state): State<AppState>, signed: Signed, body: Bytes) -> Response {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return (StatusCode::BAD_REQUEST, "bad form").into_response();
    };
    let (draft, action) = Draft::from_pairs(pairs);
    let (l, s) = (signed.lang, &signed.session);
    let audience = draft.audience();
    // The form offers only my accounts and units; anything else was forged.
    if !audience_allowed(&state.registry, s, &audience) {
        tracing::warn!(operator = %s.operator.name, ?audience, "compose for another unit refused");
        return super::super::error_page(&signed, StatusCode::FORBIDDEN, l.t("pub.not_your_units"));
    }
    let mut api = state.publishing();
    if action == "preview" {
        let req = PreviewRequest { id: 0, content: Some(draft.content()), audience: Some(audience) };
        return match api.preview(authed(&s.token, req)).await {
            Ok(p) => render(&state, &signed, &draft, Some(&p.into_inner()), None, StatusCode::OK),
            Err(status) if keeps_form(&status) => {
                render(&state, &signed, &draft, None, Some(status.message()), StatusCode::BAD_REQUEST)
            }
            Err(status) => super::refused(&state, &signed, &status),
        };
    }
    let Ok(scheduled_at) = draft.scheduled_at(state.zone()) else {
        let bad = l.tz("pub.bad_time", state.zone());
        return render(&state, &signed, &draft, None, Some(&bad), StatusCode::BAD_REQUEST);
    };
    let submit = action == "submit";
    let req =
        ComposeRequest { id: draft.id, content: Some(draft.content()), audience: Some(audience), scheduled_at, submit };
    match api.compose(authed(&s.token, req)).await {
        Ok(p) => {
            let key = if submit { "pub.done.submitted" } else { "pub.done.saved" };
            s.set_flash(Flash { ok: true, text: l.t(key).into(), kept_text: None });
            Redirect::to(&format!("/publish/{}", p.get_ref().id)).into_response()
        }
        Err(status) if keeps_form(&status) => {
            render(&state, &signed, &draft, None, Some(status.message()), StatusCode::BAD_REQUEST)
        }
        Err(status) => super::refused(&state, &signed, &status),
    }
}

/// A refusal the person can fix in the form (too long, a bad link, not
/// their unit): shown above the form, which keeps what they typed.
fn keeps_form(status: &tonic::Status) -> bool {
    matches!(status.code(), Code::InvalidArgument | Code::PermissionDenied | Code::FailedPrecondition)
}

fn render(
    state: &AppState,
    signed: &Signed,
    d: &Draft,
    preview: Option<&PreviewResponse>,
    error: Option<&str>,
    code: StatusCode,
) -> Response {
    let (l, s) = (signed.lang, &signed.session);
    let title = if d.id > 0 { format!("{} pub-{}", l.t("pub.edit_title"), d.id) } else { l.t("pub.new_title").into() };
    let mut body = format!(
        r#"<div class="page-head"><h1>{}</h1><a class="button" href="/publish">{}</a></div>"#,
        esc(&title),
        l.t("pub.back_to_calendar")
    );
    if let Some(e) = error {
        body.push_str(&flash_html(l, &Flash { ok: false, text: e.into(), kept_text: None }));
    }
    body.push_str(r#"<div class="case-grid compose"><div class="col-main">"#);
    body.push_str(&form(state, l, s, d));
    body.push_str(r#"</div><div class="col-side">"#);
    match preview {
        Some(p) => body.push_str(&view::preview(l, &state.registry, p)),
        None => {
            let _ = write!(
                body,
                r#"<section class="card preview" id="preview"><h2>{}</h2><p class="help">{}</p></section>"#,
                l.t("pub.preview"),
                l.t("pub.preview_help")
            );
        }
    }
    body.push_str("</div></div>");
    let page = Page {
        lang: l,
        title,
        section: Section::Publish,
        session: Some(s),
        here: if d.id > 0 { format!("/publish/new?from={}", d.id) } else { "/publish/new".into() },
        body,
    };
    super::super::html(code, page)
}

fn options(l: Lang, group: &str, values: &[&str], chosen: &str) -> String {
    let mut out = String::new();
    for v in values {
        let selected = if *v == chosen { " selected" } else { "" };
        let _ = write!(out, r#"<option value="{v}"{selected}>{}</option>"#, esc(&view::named(l, group, v)));
    }
    out
}

fn radio(name: &str, value: &str, chosen: &str, id: &str, label: &str) -> String {
    let checked = if value == chosen { " checked" } else { "" };
    format!(
        r#"<label class="check" for="{id}"><input type="radio" id="{id}" name="{name}" value="{value}"{checked}> {}</label>"#,
        esc(label)
    )
}

fn checkbox(name: &str, value: &str, checked: bool, id: &str, label: &str) -> String {
    format!(
        r#"<label class="check" for="{id}"><input type="checkbox" id="{id}" name="{name}" value="{v}"{c}> {l}</label>"#,
        v = esc(value),
        c = if checked { " checked" } else { "" },
        l = label,
    )
}

/// The audience: accounts of my units, my units, or (HQ) every account.
fn audience(state: &AppState, l: Lang, s: &Session, d: &Draft) -> String {
    let mut out = format!(r#"<fieldset class="audience"><legend>{}</legend>"#, l.t("pub.audience"));
    out.push_str(r#"<div class="choice-row">"#);
    out.push_str(&radio("audience", "accounts", &d.audience, "aud-accounts", l.t("pub.aud.accounts")));
    out.push_str(&radio("audience", "units", &d.audience, "aud-units", l.t("pub.aud.units")));
    if all_units(s) {
        out.push_str(&radio("audience", "all", &d.audience, "aud-all", l.t("pub.aud.all")));
    }
    out.push_str("</div>");
    let hidden = |group: &str| if d.audience == group { "" } else { " hidden" };
    let _ =
        write!(out, r#"<div class="choices" id="aud-accounts-list" data-audience="accounts"{}>"#, hidden("accounts"));
    for (i, a) in state.registry.accounts().filter(|a| s.may_see(&a.unit)).enumerate() {
        let chosen = d.accounts.iter().any(|h| h.eq_ignore_ascii_case(&a.handle));
        let label = format!(
            r#"{} <span class="muted">{} · {}</span>"#,
            esc(&a.handle),
            esc(view::platform_name(&a.platform)),
            esc(&unit_name(&state.registry, l, &a.unit))
        );
        out.push_str(&checkbox("account", &a.handle, chosen, &format!("acc-{i}"), &label));
    }
    out.push_str("</div>");
    let _ = write!(out, r#"<div class="choices" id="aud-units-list" data-audience="units"{}>"#, hidden("units"));
    for (i, u) in my_units(state, s).iter().enumerate() {
        let chosen = d.units.contains(u);
        out.push_str(&checkbox(
            "unit",
            u,
            chosen,
            &format!("unit-{i}"),
            &esc(&unit_name(&state.registry, l, u)).to_string(),
        ));
    }
    out.push_str("</div>");
    if all_units(s) {
        let count = state.registry.accounts().count();
        let _ = write!(
            out,
            r#"<p class="help" data-audience="all"{}>{}</p>"#,
            hidden("all"),
            esc(&l.t("pub.aud.all_help").replace("{n}", &count.to_string()))
        );
    }
    out.push_str("</fieldset>");
    out
}

fn form(state: &AppState, l: Lang, s: &Session, d: &Draft) -> String {
    let fc_hidden = if d.kind == "fact_check" { "" } else { " hidden" };
    let mut out = format!(
        r#"<form method="post" action="/publish/new" class="card stack compose-form" id="compose">{csrf}<input type="hidden" name="id" value="{id}"><input type="hidden" name="claim_id" value="{claim_id}"><label for="kind">{l_kind}</label><select id="kind" name="kind">{kinds}</select>"#,
        csrf = csrf_field(s),
        id = d.id,
        claim_id = esc(&d.claim_id),
        l_kind = l.t("pub.kind"),
        kinds = options(l, "kind", &KINDS, &d.kind),
    );
    let _ = write!(
        out,
        r#"<fieldset id="fc-fields"{fc_hidden}><legend>{legend}</legend><label for="claim">{l_claim}</label><input id="claim" name="claim" value="{claim}"><div class="two"><div><label for="verdict">{l_verdict}</label><select id="verdict" name="verdict">{verdicts}</select></div><div><label for="variants">{l_variants}</label><textarea id="variants" name="variants" rows="1">{variants}</textarea></div></div></fieldset>"#,
        legend = l.t("pub.fact_check"),
        l_claim = l.t("pub.claim"),
        claim = esc(&d.claim),
        l_verdict = l.t("pub.verdict"),
        verdicts = options(l, "verdict", &VERDICTS, &d.verdict),
        l_variants = l.t("pub.variants"),
        variants = esc(&d.variants),
    );
    let _ = write!(
        out,
        r#"<div class="two"><div><label for="text_hi">{l_hi}</label><textarea id="text_hi" name="text_hi" lang="hi" rows="4">{hi}</textarea></div><div><label for="text_en">{l_en}</label><textarea id="text_en" name="text_en" lang="en" rows="4">{en}</textarea></div></div><div class="two"><div><label for="links">{l_links}</label><textarea id="links" name="links" rows="2" placeholder="https://">{links}</textarea></div><div><label for="media">{l_media}</label><textarea id="media" name="media" rows="2" placeholder="https://">{media}</textarea></div></div>"#,
        l_hi = l.t("pub.text_hi"),
        hi = esc(&d.text_hi),
        l_en = l.t("pub.text_en"),
        en = esc(&d.text_en),
        l_links = l.t("pub.links"),
        links = esc(&d.links),
        l_media = l.t("pub.media"),
        media = esc(&d.media),
    );
    out.push_str(&audience(state, l, s, d));
    let _ = write!(
        out,
        r#"<fieldset class="when"><legend>{legend}</legend><div class="choice-row">{now}{at_radio}<label class="visually-hidden" for="at">{l_at}</label><input type="datetime-local" id="at" name="at" step="60" value="{at}"></div><p class="help">{help}</p></fieldset>"#,
        legend = l.t("pub.when"),
        now = radio("when", "now", &d.when, "when-now", l.t("pub.when_now")),
        at_radio = radio("when", "at", &d.when, "when-at", &l.tz("pub.when_at", state.zone())),
        l_at = l.tz("pub.when_at", state.zone()),
        at = esc(&d.at),
        help = l.tz("pub.when_help", state.zone()),
    );
    let _ = write!(
        out,
        r#"<div class="buttons"><button type="submit" name="action" value="preview" id="do-preview">{}</button><button type="submit" name="action" value="save" id="do-save">{}</button><button type="submit" name="action" value="submit" class="primary" id="do-submit">{}</button></div><p class="help">{}</p></form>"#,
        l.t("pub.do_preview"),
        l.t("pub.do_save"),
        l.t("pub.do_submit"),
        l.t("pub.approval_help"),
    );
    out
}
