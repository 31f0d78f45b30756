//! The case page's markup.

use std::fmt::Write;

use chrono_tz::Tz;
use tvarit_proto::v1::{Case, CaseTimelineResponse, DraftResponse, Operator, Thread};
use tvarit_proto::{CaseState, Category, Urgency};
use tvarit_registry::Registry;

use super::{case_history, case_thread};
use crate::AppState;
use crate::alarm::{self, Ack};
use crate::format::{self, millis};
use crate::html::{csrf_field, esc, flash_html, percent_encode};
use crate::i18n::Lang;
use crate::security::Signed;
use crate::session::{Flash, Session};
use crate::{reasons, rows};

/// The text with `http(s)://` links made clickable (opened without a
/// referrer, in a new tab: they lead off-site, often to the claim itself).
fn linked(text: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut links = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("https://") || word.starts_with("http://") {
            let _ =
                write!(out, r#"<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>"#, esc(word));
            links.push(word.to_owned());
        } else {
            let _ = write!(out, "{}", esc(word));
        }
    }
    (out, links)
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
fn media_previews(l: Lang, c: &Case, post: &tvarit_proto::v1::Post, out: &mut String) {
    if post.media.is_empty() {
        return;
    }
    let _ = write!(out, r#"<h3>{}</h3><ul class="media">"#, l.t("case.media"));
    for (i, m) in post.media.iter().enumerate() {
        let src = format!("/cases/{}/media/{i}", percent_encode(&c.docket));
        let kind = if m.r#type == "photo" { l.t("case.media_photo") } else { l.t("case.media_video") };
        let _ = write!(
            out,
            r#"<li><figure><a href="{src}" target="_blank" rel="noopener"><img src="{src}" alt="{alt}" loading="lazy"></a><figcaption>{kind}{sep}{alt}</figcaption></figure></li>"#,
            alt = esc(&m.alt_text),
            sep = if m.alt_text.is_empty() { "" } else { " · " },
        );
    }
    out.push_str("</ul>");
}

fn post_section(l: Lang, zone: Tz, c: &Case) -> String {
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
    let mut out = format!(
        r#"<section class="post card" aria-labelledby="post-h"><h2 id="post-h">{}</h2><dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{} · {}</dd><dt>{}</dt><dd>{}</dd></dl><blockquote lang="{text_lang}">{text}</blockquote><p class="help">{}</p>"#,
        l.t("case.post"),
        l.t("case.author"),
        esc(&who),
        l.t("case.platform"),
        esc(&post.platform),
        esc(&post.account),
        l.t("case.posted"),
        format::clock(l, zone, &post.created_at),
        l.t("case.pii_note"),
    );
    media_previews(l, c, &post, &mut out);
    if !links.is_empty() {
        let _ = write!(out, r#"<h3>{}</h3><ul class="links">"#, l.t("case.links"));
        for link in &links {
            let _ = write!(
                out,
                r#"<li><a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a></li>"#,
                esc(link)
            );
        }
        out.push_str("</ul>");
    }
    if let Some(url) = platform_link(&post.platform, &post.post_id) {
        let _ = write!(
            out,
            r#"<p><a href="{}" rel="noopener noreferrer" target="_blank">{}</a></p>"#,
            esc(&url),
            l.t("case.open_on_platform")
        );
    }
    if c.follow_ups > 0 {
        let _ =
            write!(out, r#"<p class="follow-ups">{}: <strong>{}</strong></p>"#, l.t("case.follow_ups"), c.follow_ups);
    }
    out.push_str("</section>");
    out
}

fn why_section(l: Lang, registry: &Registry, c: &Case) -> String {
    let cl = c.classification.clone().unwrap_or_default();
    let mut out =
        format!(r#"<section class="why card" aria-labelledby="why-h"><h2 id="why-h">{}</h2><ul>"#, l.t("case.why"));
    for r in &cl.reasons {
        // The sentence, with the classifier's own token kept for whoever tunes it.
        let _ = write!(out, r#"<li title="{}">{}</li>"#, esc(r), esc(&reasons::explain(l, registry, r)));
    }
    let _ = write!(
        out,
        r#"</ul><p>{}: {:.0}% · <span class="muted">{}</span></p>"#,
        l.t("case.confidence"),
        cl.confidence * 100.0,
        esc(&cl.model)
    );
    if !cl.rumour_claim_id.is_empty() {
        let _ = write!(
            out,
            "<p>{}: {} ({:.0}%)</p>",
            l.t("case.rumour"),
            esc(&cl.rumour_claim_id),
            cl.rumour_similarity * 100.0
        );
    }
    out.push_str("</section>");
    out
}

fn reply_section(l: Lang, s: &Session, c: &Case, draft: Option<&DraftResponse>, flash: Option<&Flash>) -> String {
    let d = esc(&c.docket).to_string();
    let mut out =
        format!(r#"<section class="reply card" aria-labelledby="reply-h"><h2 id="reply-h">{}</h2>"#, l.t("case.reply"));
    if c.reply_status == "failed" {
        let _ = write!(
            out,
            r#"<div class="flash err" role="alert"><strong>{}</strong> {}</div>"#,
            l.t("case.failed"),
            esc(&c.reply_error)
        );
    }
    if !c.reply_status.is_empty() {
        let _ = write!(
            out,
            r#"<p class="last-reply">{}: <q>{}</q> — <strong class="reply-status status-{}">{}</strong></p>"#,
            l.t("case.last_reply"),
            esc(&c.last_reply_text),
            esc(&c.reply_status),
            esc(l.reply_status(&c.reply_status))
        );
    }
    if c.reply_status == "awaiting_approval" && s.supervises() {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/approve" class="approval">{csrf}<p><strong>{title}</strong></p><label for="approve-note">{note}</label><input id="approve-note" name="note" type="text"><button type="submit" name="decision" value="approve" class="primary">{yes}</button> <button type="submit" name="decision" value="reject">{no}</button></form>"#,
            csrf = csrf_field(s),
            title = l.t("case.approval"),
            note = l.t("case.note"),
            yes = l.t("case.approve"),
            no = l.t("case.reject"),
        );
    }
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    let kept = flash.and_then(|f| f.kept_text.clone());
    let text = kept.or_else(|| draft.map(|d| d.text.clone())).unwrap_or_else(|| c.draft_text.clone());
    let source = draft.map_or(c.draft_source.as_str(), |d| d.source.as_str());
    let reply_lang = draft.map_or("hi", |d| if d.language == "en" { "en" } else { "hi" });
    if live {
        if text.is_empty() {
            let _ = write!(out, r#"<p class="help">{}</p>"#, l.t("case.no_draft"));
        }
        let _ = write!(
            out,
            // Focused when the case opens: reading the post, then answering it, is the work.
            r#"<form method="post" action="/cases/{d}/reply" id="reply-form">{csrf}<label for="reply-text">{label}</label>{source}<textarea id="reply-text" name="text" lang="{reply_lang}" rows="6" required autofocus aria-describedby="reply-count send-hint">{text}</textarea><p class="help" id="reply-count" aria-live="polite"></p>{private}<label class="check"><input type="checkbox" name="close_after" value="1" checked> {close}</label><div class="buttons"><button type="submit" class="primary" id="send">{send}</button> <button type="submit" name="next" value="1" id="send-next">{send_next}</button> <span class="help" id="send-hint">{hint}</span></div></form>"#,
            csrf = csrf_field(s),
            label = l.t("case.reply_label"),
            source = if source.is_empty() {
                String::new()
            } else {
                format!(r#"<p class="help">{}: <code>{}</code></p>"#, l.t("case.draft_from"), esc(source))
            },
            text = esc(&text),
            private = private_choice(l, c),
            close = l.t("case.close_when_sent"),
            send = l.t("case.send"),
            send_next = l.t("case.send_next"),
            hint = l.t("case.send_hint"),
        );
    }
    out.push_str("</section>");
    out
}

/// A ringing emergency: the banner the script rings on, following the
/// unit's stream so that anyone's claim or acknowledgement silences it here
/// too; then who acknowledged it, and when.
fn alarm_section(state: &AppState, l: Lang, s: &Session, c: &Case) -> String {
    let zone = state.zone();
    let mut out = String::new();
    if c.alarm {
        let _ = write!(
            out,
            r#"{controls}<div id="case-alarm" class="alarm-banner" role="alert" data-docket="{d}"{attrs}><p><span aria-hidden="true">⚠</span> {text}</p>{form} <span class="help">{hint}</span></div><div id="live-source" data-events="/units/{unit}/events?view=queue" data-follow="{d}" hidden></div>"#,
            controls = alarm::controls(l),
            d = esc(&c.docket),
            attrs = alarm::attrs(l, &state.registry, c),
            text = l.t("alarm.case_ringing"),
            form = alarm::ack_form(l, &c.docket, Ack { csrf: &s.csrf, back: "case" }, Some("acknowledge")),
            hint = l.t("alarm.ack_hint"),
            unit = esc(&percent_encode(&c.unit)),
        );
    }
    if !c.acknowledged_by.is_empty() {
        let text = l
            .t("case.acknowledged")
            .replace("{who}", &c.acknowledged_by)
            .replace("{at}", &format::clock(l, zone, &c.acknowledged_at));
        let _ = write!(out, r#"<p class="acknowledged" id="acknowledged">{}</p>"#, esc(&text));
    }
    out
}

fn options<T: Copy>(l: Lang, all: &[T], name: impl Fn(T) -> &'static str, slug: impl Fn(T) -> &'static str) -> String {
    let mut out = format!(r#"<option value="">{}</option>"#, l.t("case.keep"));
    for v in all {
        let _ = write!(out, r#"<option value="{}">{}</option>"#, slug(*v), esc(name(*v)));
    }
    out
}

fn actions_section(l: Lang, s: &Session, c: &Case, operators: &[Operator]) -> String {
    let d = esc(&c.docket).to_string();
    let csrf = csrf_field(s);
    let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
    let mut out =
        format!(r#"<section class="actions card" aria-labelledby="act-h"><h2 id="act-h">{}</h2>"#, l.t("case.actions"));
    if live && c.claimed_by != s.operator.name {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/claim" class="inline">{csrf}<button type="submit" id="claim">{}</button></form>"#,
            l.t("case.claim")
        );
    }
    let mine = c.claimed_by == s.operator.name;
    if live && !c.claimed_by.is_empty() && (mine || s.supervises()) {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/release" class="inline">{csrf}<button type="submit" id="release">{}</button></form>"#,
            l.t("case.release")
        );
    }
    if c.state() == CaseState::Closed {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/reopen" class="inline">{csrf}<button type="submit" id="reopen">{}</button></form>"#,
            l.t("case.reopen")
        );
    }
    if live {
        // Closing is final for the queue: the script asks first (an
        // unanswered emergency must not close in one click).
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/close" class="inline" data-confirm="{}">{csrf}<button type="submit" id="close">{}</button></form>"#,
            esc(l.t(if c.first_reply_at.is_none() { "case.close_confirm_unanswered" } else { "case.close_confirm" })),
            l.t("case.close")
        );
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/escalate">{csrf}<label for="escalate-reason">{}</label><input id="escalate-reason" name="reason" type="text" required><button type="submit">{}</button></form>"#,
            l.t("case.escalate_reason"),
            l.t("case.escalate")
        );
    }
    let urgs = [Urgency::Critical, Urgency::High, Urgency::Normal, Urgency::Low];
    let _ = write!(
        out,
        r#"<form method="post" action="/cases/{d}/relabel" class="relabel"><fieldset><legend>{}</legend>{csrf}<label for="relabel-category">{}</label><select id="relabel-category" name="category">{}</select><label for="relabel-urgency">{}</label><select id="relabel-urgency" name="urgency">{}</select><button type="submit">{}</button></fieldset></form>"#,
        l.t("case.relabel"),
        l.t("col.category"),
        options(l, &Category::ALL, |c| l.category(c), |c| c.slug()),
        l.t("col.urgency"),
        options(l, &urgs, |u| l.urgency(u), |u| u.slug()),
        l.t("case.relabel_submit"),
    );
    if live && s.supervises() {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/reassign">{csrf}<label for="reassign-to">{}</label>{}<button type="submit">{}</button></form>"#,
            l.t("case.reassign"),
            reassign_field(l, c, operators),
            l.t("case.reassign_submit")
        );
    }
    out.push_str("</section>");
    out
}

/// The unit's operators to choose from (`Desk.ListOperators`); a name to
/// type when the list could not be had.
fn reassign_field(l: Lang, c: &Case, operators: &[Operator]) -> String {
    if operators.is_empty() {
        return r#"<input id="reassign-to" name="operator" type="text" required autocomplete="off">"#.into();
    }
    let mut out = format!(
        r#"<select id="reassign-to" name="operator" required><option value="">{}</option>"#,
        l.t("case.reassign_choose")
    );
    for o in operators.iter().filter(|o| o.name != c.claimed_by) {
        let role = l.t(&format!("role.{}", o.role));
        let _ = write!(out, r#"<option value="{n}">{n} ({})</option>"#, esc(role), n = esc(&o.name));
    }
    out.push_str("</select>");
    out
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

pub fn render(state: &AppState, signed: &Signed, c: &Case, extras: Extras<'_>) -> String {
    let Extras { draft, timeline, thread, flash, operators, repeats, others } = extras;
    let zone = state.zone();
    let (l, s) = (signed.lang, &signed.session);
    let now = chrono::Utc::now().timestamp_millis();
    let (sla_class, sla_text) = format::sla(c, now, l);
    let cl = c.classification.clone().unwrap_or_default();
    let attr = |v: Option<i64>| v.map_or_else(String::new, |v| v.to_string());
    let mut out = String::new();
    if let Some(f) = flash {
        out.push_str(&flash_html(l, f));
    }
    let _ = write!(
        out,
        r#"<div class="page-head"><h1>{case} <span class="docket-id">{d}</span></h1><a href="/queue?unit={unit_q}">← {back}</a></div><p class="summary{pin}"><span class="badge cat-{cat_slug}">{cat}</span> <span class="urg urg-{urg_slug}">{urg}</span> <span class="state">{state}</span>{dm} · {lang} · {unit} · <span class="sla-live sla-{sla_class}" data-goal="{goal}" data-breach="{breach}">{sla}</span></p>"#,
        case = l.t("case.title"),
        d = esc(&c.docket),
        unit_q = esc(&percent_encode(&c.unit)),
        back = l.t("case.back"),
        pin = if rows::pinned(c) { " pinned" } else { "" },
        cat_slug = c.category().slug(),
        cat = l.category(c.category()),
        urg_slug = c.urgency().slug(),
        urg = l.urgency(c.urgency()),
        state = rows::state_cell(l, &state.registry, c, None),
        dm = if c.private { format!(r#" <span class="badge dm">{}</span>"#, l.t("dm.badge")) } else { String::new() },
        lang = l.post_language(&cl.language),
        unit = esc(&rows::unit_name(&state.registry, l, &c.unit)),
        goal = attr(millis(&c.goal_at)),
        breach = attr(millis(&c.breach_at)),
        sla = esc(&sla_text),
    );
    out.push_str(&alarm_section(state, l, s, c));
    // Kept current by the script, which asks every 10 s.
    let presence = super::case_note::presence_text(l, others);
    let _ = write!(
        out,
        r#"<p id="presence" class="presence" role="status" data-ping="/cases/{}/presence"{}>{}</p>"#,
        esc(&percent_encode(&c.docket)),
        if presence.is_empty() { " hidden" } else { "" },
        esc(&presence)
    );
    // Read the post, answer it, then the other actions: the focus order too.
    out.push_str(r#"<div class="case-grid"><div class="col-main">"#);
    out.push_str(&post_section(l, zone, c));
    out.push_str(&reply_section(l, s, c, draft, flash));
    if let Some(t) = thread {
        out.push_str(&case_thread::section(l, zone, t));
        out.push_str(&case_thread::internal_section(l, s, c, repeats));
    }
    out.push_str(r#"</div><div class="col-side">"#);
    out.push_str(&actions_section(l, s, c, operators));
    out.push_str(&why_section(l, &state.registry, c));
    if let Some(t) = timeline {
        out.push_str(&case_history::section(l, zone, t));
    }
    out.push_str("</div></div>");
    out
}

/// How the reply goes: a private case's always by direct message (said so);
/// a public one's by direct message when ticked, where the platform has them.
fn private_choice(l: Lang, c: &Case) -> String {
    let post = c.post.clone().unwrap_or_default();
    let author_known = post.author.as_ref().is_some_and(|a| !a.id.is_empty());
    if c.private {
        format!(r#"<p class="help dm-hint">{}</p>"#, l.t("dm.case_hint"))
    } else if author_known && matches!(post.platform.as_str(), "x" | "facebook" | "instagram") {
        format!(
            r#"<label class="check"><input type="checkbox" name="private" value="1"> {}</label>"#,
            l.t("dm.send_private")
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_in_posts_are_clickable_and_escaped() {
        let (html, links) = linked(r#"see https://t.co/x?a=1&b="2" now <b>"#);
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
