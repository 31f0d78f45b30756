//! The case page's markup.

use chrono_tz::Tz;
use maud::{Markup, html};
use tvarit_proto::v1::{Case, CaseTimelineResponse, DraftResponse, Operator, Post, Thread};
use tvarit_proto::{CaseState, Category, Urgency};
use tvarit_registry::Registry;

use super::{case_history, case_thread};
use crate::AppState;
use crate::alarm::{self, Ack};
use crate::format::{self, millis};
use crate::html::{csrf_input, flash_html, percent_encode};
use crate::i18n::Lang;
use crate::security::Signed;
use crate::session::{Flash, Session};
use crate::{reasons, rows};

/// Whether `word` is a link to make clickable.
fn is_link(word: &str) -> bool {
    word.starts_with("https://") || word.starts_with("http://")
}

/// A link off-site: opened without a referrer, in a new tab (it often leads
/// to the claim itself).
fn off_site(url: &str) -> Markup {
    html! { a href=(url) rel="noopener noreferrer nofollow" target="_blank" { (url) } }
}

/// The text with `http(s)://` links made clickable, and those links.
fn linked(text: &str) -> (Markup, Vec<String>) {
    let links = text.split(' ').filter(|w| is_link(w)).map(str::to_owned).collect();
    let markup = html! {
        @for (i, word) in text.split(' ').enumerate() {
            @if i > 0 { " " }
            @if is_link(word) { (off_site(word)) } @else { (word) }
        }
    };
    (markup, links)
}

/// The post on its platform, when its id makes a stable link.
fn platform_link(platform: &str, id: &str) -> Option<String> {
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    match platform {
        "x" => Some(format!("https://x.com/i/web/status/{id}")),
        "facebook" => Some(format!("https://www.facebook.com/{id}")),
        _ => None,
    }
}

/// The post's photos and videos, shown through the console's own
/// `/cases/{docket}/media/{n}` (so the page's CSP stays `img-src 'self'`
/// and an operator's browser never contacts the platform's servers).
fn media_previews(l: Lang, c: &Case, post: &Post) -> Markup {
    html! {
        @if !post.media.is_empty() {
            h3 { (l.t("case.media")) }
            ul class="media" {
                @for (i, m) in post.media.iter().enumerate() {
                    @let src = format!("/cases/{}/media/{i}", percent_encode(&c.docket));
                    li {
                        figure {
                            a href=(src) target="_blank" rel="noopener" { img src=(src) alt=(m.alt_text) loading="lazy"; }
                            figcaption {
                                (if m.r#type == "photo" { l.t("case.media_photo") } else { l.t("case.media_video") })
                                @if !m.alt_text.is_empty() { " · " (m.alt_text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn post_section(l: Lang, zone: Tz, c: &Case) -> Markup {
    let post = c.post.clone().unwrap_or_default();
    let author = post.author.clone().unwrap_or_default();
    let cl = c.classification.clone().unwrap_or_default();
    let text_lang = if matches!(cl.language.as_str(), "hi" | "mixed") { "hi" } else { "en" };
    let (text, links) = linked(&rows::masked_text(c));
    let who = match (author.handle.is_empty(), author.name.is_empty()) {
        (false, false) => format!("{} ({})", author.handle, author.name),
        (false, true) => author.handle.clone(),
        (true, false) => author.name.clone(),
        (true, true) => "–".into(),
    };
    html! {
        section class="post card" aria-labelledby="post-h" {
            h2 id="post-h" { (l.t("case.post")) }
            dl class="facts" {
                dt { (l.t("case.author")) }
                dd { (who) }
                dt { (l.t("case.platform")) }
                dd { (post.platform) " · " (post.account) }
                dt { (l.t("case.posted")) }
                dd { (format::clock(l, zone, &post.created_at)) }
            }
            blockquote lang=(text_lang) { (text) }
            p class="help" { (l.t("case.pii_note")) }
            (media_previews(l, c, &post))
            @if !links.is_empty() {
                h3 { (l.t("case.links")) }
                ul class="links" { @for link in &links { li { (off_site(link)) } } }
            }
            @if let Some(url) = platform_link(&post.platform, &post.post_id) {
                p { a href=(url) rel="noopener noreferrer" target="_blank" { (l.t("case.open_on_platform")) } }
            }
            @if c.follow_ups > 0 {
                p class="follow-ups" { (l.t("case.follow_ups")) ": " strong { (c.follow_ups) } }
            }
        }
    }
}

fn why_section(l: Lang, registry: &Registry, c: &Case) -> Markup {
    let cl = c.classification.clone().unwrap_or_default();
    html! {
        section class="why card" aria-labelledby="why-h" {
            h2 id="why-h" { (l.t("case.why")) }
            ul {
                @for r in &cl.reasons {
                    // The sentence, with the classifier's own token kept for whoever tunes it.
                    li title=(r) { (reasons::explain(l, registry, r)) }
                }
            }
            p {
                (l.t("case.confidence")) ": " (format!("{:.0}", cl.confidence * 100.0)) "% · "
                span class="muted" { (cl.model) }
            }
            @if !cl.rumour_claim_id.is_empty() {
                p {
                    (l.t("case.rumour")) ": " (cl.rumour_claim_id)
                    " (" (format!("{:.0}", cl.rumour_similarity * 100.0)) "%)"
                }
            }
        }
    }
}

fn reply_section(l: Lang, s: &Session, c: &Case, draft: Option<&DraftResponse>, flash: Option<&Flash>) -> Markup {
    let d = &c.docket;
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    let kept = flash.and_then(|f| f.kept_text.clone());
    let text = kept.or_else(|| draft.map(|d| d.text.clone())).unwrap_or_else(|| c.draft_text.clone());
    let source = draft.map_or(c.draft_source.as_str(), |d| d.source.as_str());
    let reply_lang = draft.map_or("hi", |d| if d.language == "en" { "en" } else { "hi" });
    html! {
        section class="reply card" aria-labelledby="reply-h" {
            h2 id="reply-h" { (l.t("case.reply")) }
            @if c.reply_status == "failed" {
                div class="flash err" role="alert" { strong { (l.t("case.failed")) } " " (c.reply_error) }
            }
            @if !c.reply_status.is_empty() {
                p class="last-reply" {
                    (l.t("case.last_reply")) ": " q { (c.last_reply_text) } " — "
                    strong class={ "reply-status status-" (c.reply_status) } { (l.reply_status(&c.reply_status)) }
                }
            }
            @if c.reply_status == "awaiting_approval" && s.supervises() {
                form method="post" action={ "/cases/" (d) "/approve" } class="approval" {
                    (csrf_input(s))
                    p { strong { (l.t("case.approval")) } }
                    label for="approve-note" { (l.t("case.note")) }
                    input id="approve-note" name="note" type="text";
                    button type="submit" name="decision" value="approve" class="primary" { (l.t("case.approve")) }
                    " "
                    button type="submit" name="decision" value="reject" { (l.t("case.reject")) }
                }
            }
            @if live {
                @if text.is_empty() { p class="help" { (l.t("case.no_draft")) } }
                // Focused when the case opens: reading the post, then answering it, is the work.
                form method="post" action={ "/cases/" (d) "/reply" } id="reply-form" {
                    (csrf_input(s))
                    label for="reply-text" { (l.t("case.reply_label")) }
                    @if !source.is_empty() { p class="help" { (l.t("case.draft_from")) ": " code { (source) } } }
                    textarea id="reply-text" name="text" lang=(reply_lang) rows="6" required autofocus
                        aria-describedby="reply-count send-hint" { (text) }
                    p class="help" id="reply-count" aria-live="polite" {}
                    (private_choice(l, c))
                    label class="check" {
                        input type="checkbox" name="close_after" value="1" checked;
                        " " (l.t("case.close_when_sent"))
                    }
                    div class="buttons" {
                        button type="submit" class="primary" id="send" { (l.t("case.send")) }
                        " "
                        button type="submit" name="next" value="1" id="send-next" { (l.t("case.send_next")) }
                        " "
                        span class="help" id="send-hint" { (l.t("case.send_hint")) }
                    }
                }
            }
        }
    }
}

/// A ringing emergency: the banner the script rings on, following the
/// unit's stream so that anyone's claim or acknowledgement silences it here
/// too; then who acknowledged it, and when.
fn alarm_section(state: &AppState, l: Lang, s: &Session, c: &Case) -> Markup {
    let notice = alarm::notice(l, &state.registry, c);
    let events = format!("/units/{}/events?view=queue", percent_encode(&c.unit));
    html! {
        @if c.alarm {
            (alarm::controls(l))
            // The data- attributes a ringing row carries (alarm::ringing).
            div id="case-alarm" class="alarm-banner" role="alert" data-docket=(c.docket) data-alarm="1"
                data-alert-title=(notice.title) data-alert-body=(notice.body) {
                p { span aria-hidden="true" { "⚠" } " " (l.t("alarm.case_ringing")) }
                (alarm::ack_form(l, &c.docket, Ack { csrf: &s.csrf, back: "case" }, Some("acknowledge")))
                " "
                span class="help" { (l.t("alarm.ack_hint")) }
            }
            div id="live-source" data-events=(events) data-follow=(c.docket) hidden {}
        }
        @if !c.acknowledged_by.is_empty() {
            p class="acknowledged" id="acknowledged" {
                (l.t("case.acknowledged")
                    .replace("{who}", &c.acknowledged_by)
                    .replace("{at}", &format::clock(l, state.zone(), &c.acknowledged_at)))
            }
        }
    }
}

/// "keep" first, then each value: a relabel picks what to change.
fn options<T: Copy>(l: Lang, all: &[T], name: impl Fn(T) -> &'static str, slug: impl Fn(T) -> &'static str) -> Markup {
    html! {
        option value="" { (l.t("case.keep")) }
        @for v in all { option value=(slug(*v)) { (name(*v)) } }
    }
}

/// A form of one button that posts `action` on the case.
fn button_form(s: &Session, c: &Case, action: &str, label: &str) -> Markup {
    html! {
        form method="post" action={ "/cases/" (c.docket) "/" (action) } class="inline" {
            (csrf_input(s))
            button type="submit" id=(action) { (label) }
        }
    }
}

fn actions_section(l: Lang, s: &Session, c: &Case, operators: &[Operator]) -> Markup {
    let d = &c.docket;
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    let mine = c.claimed_by == s.operator.name;
    let urgs = [Urgency::Critical, Urgency::High, Urgency::Normal, Urgency::Low];
    // Closing is final for the queue: the script asks first (an unanswered
    // emergency must not close in one click).
    let close_confirm =
        l.t(if c.first_reply_at.is_none() { "case.close_confirm_unanswered" } else { "case.close_confirm" });
    html! {
        section class="actions card" aria-labelledby="act-h" {
            h2 id="act-h" { (l.t("case.actions")) }
            @if live && !mine { (button_form(s, c, "claim", l.t("case.claim"))) }
            @if live && !c.claimed_by.is_empty() && (mine || s.supervises()) {
                (button_form(s, c, "release", l.t("case.release")))
            }
            @if c.state() == CaseState::Closed { (button_form(s, c, "reopen", l.t("case.reopen"))) }
            @if live {
                form method="post" action={ "/cases/" (d) "/close" } class="inline" data-confirm=(close_confirm) {
                    (csrf_input(s))
                    button type="submit" id="close" { (l.t("case.close")) }
                }
                form method="post" action={ "/cases/" (d) "/escalate" } {
                    (csrf_input(s))
                    label for="escalate-reason" { (l.t("case.escalate_reason")) }
                    input id="escalate-reason" name="reason" type="text" required;
                    button type="submit" { (l.t("case.escalate")) }
                }
            }
            form method="post" action={ "/cases/" (d) "/relabel" } class="relabel" {
                fieldset {
                    legend { (l.t("case.relabel")) }
                    (csrf_input(s))
                    label for="relabel-category" { (l.t("col.category")) }
                    select id="relabel-category" name="category" {
                        (options(l, &Category::ALL, |c| l.category(c), |c| c.slug()))
                    }
                    label for="relabel-urgency" { (l.t("col.urgency")) }
                    select id="relabel-urgency" name="urgency" { (options(l, &urgs, |u| l.urgency(u), |u| u.slug())) }
                    button type="submit" { (l.t("case.relabel_submit")) }
                }
            }
            @if live && s.supervises() {
                form method="post" action={ "/cases/" (d) "/reassign" } {
                    (csrf_input(s))
                    label for="reassign-to" { (l.t("case.reassign")) }
                    (reassign_field(l, c, operators))
                    button type="submit" { (l.t("case.reassign_submit")) }
                }
            }
        }
    }
}

/// The unit's operators to choose from (`Desk.ListOperators`); a name to
/// type when the list could not be had.
fn reassign_field(l: Lang, c: &Case, operators: &[Operator]) -> Markup {
    html! {
        @if operators.is_empty() {
            input id="reassign-to" name="operator" type="text" required autocomplete="off";
        } @else {
            select id="reassign-to" name="operator" required {
                option value="" { (l.t("case.reassign_choose")) }
                @for o in operators.iter().filter(|o| o.name != c.claimed_by) {
                    option value=(o.name) { (o.name) " (" (l.t(&format!("role.{}", o.role))) ")" }
                }
            }
        }
    }
}

/// What the case page shows besides the case itself.
pub struct Extras<'a> {
    pub draft: Option<&'a DraftResponse>,
    pub timeline: Option<&'a CaseTimelineResponse>,
    /// The conversation: posts, follow-ups and replies (`Desk.GetThread`).
    pub thread: Option<&'a Thread>,
    pub flash: Option<&'a Flash>,
    /// The unit's operators, for a supervisor's reassign picker.
    pub operators: &'a [Operator],
    /// The author's other live cases in the unit, to close with this one.
    pub repeats: &'a [Case],
    /// Who else has this case open now (`presence.rs`).
    pub others: &'a [String],
}

pub fn render(state: &AppState, signed: &Signed, c: &Case, extras: Extras<'_>) -> Markup {
    let Extras { draft, timeline, thread, flash, operators, repeats, others } = extras;
    let zone = state.zone();
    let (l, s) = (signed.lang, &signed.session);
    let now = chrono::Utc::now().timestamp_millis();
    let (sla_class, sla_text) = format::sla(c, now, l);
    let cl = c.classification.clone().unwrap_or_default();
    let attr = |v: Option<i64>| v.map_or_else(String::new, |v| v.to_string());
    // Kept current by the script, which asks every 10 s.
    let presence = super::case_note::presence_text(l, others);
    html! {
        @if let Some(f) = flash { (flash_html(l, f)) }
        div class="page-head" {
            h1 { (l.t("case.title")) " " span class="docket-id" { (c.docket) } }
            a href={ "/queue?unit=" (percent_encode(&c.unit)) } { "← " (l.t("case.back")) }
        }
        p class={ "summary" @if rows::pinned(c) { " pinned" } } {
            span class={ "badge cat-" (c.category().slug()) } { (l.category(c.category())) }
            " "
            span class={ "urg urg-" (c.urgency().slug()) } { (l.urgency(c.urgency())) }
            " "
            span class="state" { (rows::state_cell(l, &state.registry, c, None)) }
            @if c.private { " " span class="badge dm" { (l.t("dm.badge")) } }
            " · " (l.post_language(&cl.language)) " · " (rows::unit_name(&state.registry, l, &c.unit)) " · "
            span class={ "sla-live sla-" (sla_class) } data-goal=(attr(millis(&c.goal_at)))
                data-breach=(attr(millis(&c.breach_at))) { (sla_text) }
        }
        (alarm_section(state, l, s, c))
        p id="presence" class="presence" role="status" data-ping={ "/cases/" (percent_encode(&c.docket)) "/presence" }
            hidden[presence.is_empty()] { (presence) }
        // Read the post, answer it, then the other actions: the focus order too.
        div class="case-grid" {
            div class="col-main" {
                (post_section(l, zone, c))
                (reply_section(l, s, c, draft, flash))
                @if let Some(t) = thread {
                    (case_thread::section(l, zone, t))
                    (case_thread::internal_section(l, s, c, repeats))
                }
            }
            div class="col-side" {
                (actions_section(l, s, c, operators))
                (why_section(l, &state.registry, c))
                @if let Some(t) = timeline { (case_history::section(l, zone, t)) }
            }
        }
    }
}

/// How the reply goes: a private case's always by direct message (said so);
/// a public one's by direct message when ticked, where the platform has them.
fn private_choice(l: Lang, c: &Case) -> Markup {
    let post = c.post.clone().unwrap_or_default();
    let author_known = post.author.as_ref().is_some_and(|a| !a.id.is_empty());
    html! {
        @if c.private {
            p class="help dm-hint" { (l.t("dm.case_hint")) }
        } @else if author_known && matches!(post.platform.as_str(), "x" | "facebook" | "instagram") {
            label class="check" { input type="checkbox" name="private" value="1"; " " (l.t("dm.send_private")) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_posts_are_clickable_and_escaped() {
        let (html, links) = linked(r#"see https://t.co/x?a=1&b="2" now <b>"#);
        let html = html.into_string();
        assert!(html.contains(r#"<a href="https://t.co/x?a=1&amp;b=&quot;2&quot;""#), "{html}");
        assert!(html.ends_with("now &lt;b&gt;"));
        assert_eq!(links.len(), 1);
        assert!(linked("javascript:alert(1)").1.is_empty());
    }

    #[test]
    fn platform_links_only_for_plain_ids() {
        assert_eq!(platform_link("x", "1234").as_deref(), Some("https://x.com/i/web/status/1234"));
        assert!(platform_link("x", "12/../34").is_none());
        assert!(platform_link("replay", "1").is_none());
    }
}
