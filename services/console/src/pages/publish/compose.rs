//! Compose a post: kind (with a fact-check's claim and verdict), Hindi
//! and/or English text, links and media, the audience (accounts or units
//! of mine; every account for HQ), and when. "Preview" asks the service how
//! the post reads on each platform without saving; "Save draft" and
//! "Submit for approval" compose it and open the post's page.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::{ComposeRequest, PreviewRequest, PreviewResponse, PublicationRef};

use super::draft::{Draft, all_units, audience_allowed};
use super::view::{self, KINDS, VERDICTS};
use crate::AppState;
use crate::html::{Page, Section, csrf_input, flash_html};
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
    let body = html! {
        div class="page-head" {
            h1 { (title) }
            a class="button" href="/publish" { (l.t("pub.back_to_calendar")) }
        }
        @if let Some(e) = error { (flash_html(l, &Flash { ok: false, text: e.into(), kept_text: None })) }
        div class="case-grid compose" {
            div class="col-main" { (form(state, l, s, d)) }
            div class="col-side" {
                @match preview {
                    Some(p) => (view::preview(l, &state.registry, p)),
                    None => section class="card preview" id="preview" {
                        h2 { (l.t("pub.preview")) }
                        p class="help" { (l.t("pub.preview_help")) }
                    },
                }
            }
        }
    };
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

fn options(l: Lang, group: &str, values: &[&str], chosen: &str) -> Markup {
    html! { @for v in values { option value=(v) selected[*v == chosen] { (view::named(l, group, v)) } } }
}

fn radio(name: &str, value: &str, chosen: &str, id: &str, label: &str) -> Markup {
    html! {
        label class="check" for=(id) {
            input type="radio" id=(id) name=(name) value=(value) checked[value == chosen];
            " " (label)
        }
    }
}

fn checkbox(name: &str, value: &str, checked: bool, id: &str, label: Markup) -> Markup {
    html! {
        label class="check" for=(id) {
            input type="checkbox" id=(id) name=(name) value=(value) checked[checked];
            " " (label)
        }
    }
}

/// The audience: accounts of my units, my units, or (HQ) every account.
fn audience(state: &AppState, l: Lang, s: &Session, d: &Draft) -> Markup {
    let hidden = |group: &str| d.audience != group;
    let accounts = state.registry.accounts().filter(|a| s.may_see(&a.unit));
    html! {
        fieldset class="audience" {
            legend { (l.t("pub.audience")) }
            div class="choice-row" {
                (radio("audience", "accounts", &d.audience, "aud-accounts", l.t("pub.aud.accounts")))
                (radio("audience", "units", &d.audience, "aud-units", l.t("pub.aud.units")))
                @if all_units(s) { (radio("audience", "all", &d.audience, "aud-all", l.t("pub.aud.all"))) }
            }
            div class="choices" id="aud-accounts-list" data-audience="accounts" hidden[hidden("accounts")] {
                @for (i, a) in accounts.enumerate() {
                    @let chosen = d.accounts.iter().any(|h| h.eq_ignore_ascii_case(&a.handle));
                    @let label = html! {
                        (a.handle) " "
                        span class="muted" {
                            (view::platform_name(&a.platform)) " · " (unit_name(&state.registry, l, &a.unit))
                        }
                    };
                    (checkbox("account", &a.handle, chosen, &format!("acc-{i}"), label))
                }
            }
            div class="choices" id="aud-units-list" data-audience="units" hidden[hidden("units")] {
                @for (i, u) in my_units(state, s).iter().enumerate() {
                    @let label = html! { (unit_name(&state.registry, l, u)) };
                    (checkbox("unit", u, d.units.contains(u), &format!("unit-{i}"), label))
                }
            }
            @if all_units(s) {
                p class="help" data-audience="all" hidden[hidden("all")] {
                    (l.t("pub.aud.all_help").replace("{n}", &state.registry.accounts().count().to_string()))
                }
            }
        }
    }
}

/// What a text field holds, when the browser should know: a language, or
/// addresses (one a line).
enum TextKind {
    Lang(&'static str),
    Urls,
}

/// A labelled textarea, one column of a `two` row.
fn text_field(label: &str, name: &str, rows: u8, value: &str, kind: Option<TextKind>) -> Markup {
    let lang = match kind {
        Some(TextKind::Lang(lang)) => Some(lang),
        _ => None,
    };
    let placeholder = matches!(kind, Some(TextKind::Urls)).then_some("https://");
    html! {
        div {
            label for=(name) { (label) }
            textarea id=(name) name=(name) lang=[lang] rows=(rows) placeholder=[placeholder] { (value) }
        }
    }
}

fn form(state: &AppState, l: Lang, s: &Session, d: &Draft) -> Markup {
    let zone = state.zone();
    html! {
        form method="post" action="/publish/new" class="card stack compose-form" id="compose" {
            (csrf_input(s))
            input type="hidden" name="id" value=(d.id);
            input type="hidden" name="claim_id" value=(d.claim_id);
            label for="kind" { (l.t("pub.kind")) }
            select id="kind" name="kind" { (options(l, "kind", &KINDS, &d.kind)) }
            fieldset id="fc-fields" hidden[d.kind != "fact_check"] {
                legend { (l.t("pub.fact_check")) }
                label for="claim" { (l.t("pub.claim")) }
                input id="claim" name="claim" value=(d.claim);
                div class="two" {
                    div {
                        label for="verdict" { (l.t("pub.verdict")) }
                        select id="verdict" name="verdict" { (options(l, "verdict", &VERDICTS, &d.verdict)) }
                    }
                    (text_field(l.t("pub.variants"), "variants", 1, &d.variants, None))
                }
            }
            div class="two" {
                (text_field(l.t("pub.text_hi"), "text_hi", 4, &d.text_hi, Some(TextKind::Lang("hi"))))
                (text_field(l.t("pub.text_en"), "text_en", 4, &d.text_en, Some(TextKind::Lang("en"))))
            }
            div class="two" {
                (text_field(l.t("pub.links"), "links", 2, &d.links, Some(TextKind::Urls)))
                (text_field(l.t("pub.media"), "media", 2, &d.media, Some(TextKind::Urls)))
            }
            (audience(state, l, s, d))
            fieldset class="when" {
                legend { (l.t("pub.when")) }
                div class="choice-row" {
                    (radio("when", "now", &d.when, "when-now", l.t("pub.when_now")))
                    (radio("when", "at", &d.when, "when-at", &l.tz("pub.when_at", zone)))
                    label class="visually-hidden" for="at" { (l.tz("pub.when_at", zone)) }
                    input type="datetime-local" id="at" name="at" step="60" value=(d.at);
                }
                p class="help" { (l.tz("pub.when_help", zone)) }
            }
            div class="buttons" {
                button type="submit" name="action" value="preview" id="do-preview" { (l.t("pub.do_preview")) }
                button type="submit" name="action" value="save" id="do-save" { (l.t("pub.do_save")) }
                button type="submit" name="action" value="submit" class="primary" id="do-submit" { (l.t("pub.do_submit")) }
            }
            p class="help" { (l.t("pub.approval_help")) }
        }
    }
}
