//! A case's conversation on its page, from `Desk.GetThread`: the post that
//! opened it, the author's follow-ups and every reply (who wrote it, where
//! it stands), in time order; personal data masked as in the post above.
//! What people and timers did is the history's part, beside it; internal
//! notes are the exception, shown here with their words (only the unit's
//! people reach this page), and written from the form under it.

use chrono_tz::Tz;
use maud::{Markup, html};
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{Case, CaseEventKind, Thread, ThreadEntry};

use crate::format;
use crate::html::{csrf_input, percent_encode};
use crate::i18n::Lang;
use crate::rows::mask_pii;
use crate::session::Session;

/// What stays inside the force, under the conversation: the police station
/// the post names with "Forward to the police station" (through the
/// control room's webhook), the author's repeats to close with this case,
/// and the form for an internal note, whose label says who reads it so
/// nobody mistakes it for the public reply.
pub fn internal_section(l: Lang, s: &Session, c: &Case, repeats: &[Case]) -> Markup {
    let d = percent_encode(&c.docket);
    html! {
        section class="card internal" {
            @if !c.police_station.is_empty() {
                form method="post" action={ "/cases/" (d) "/forward" } class="forward"
                    data-confirm=(l.t("case.forward_confirm")) {
                    (csrf_input(s))
                    p {
                        (l.t("case.station")) ": "
                        strong id="police-station" { (c.police_station) }
                        " "
                        button type="submit" id="forward" { (l.t("case.forward")) }
                    }
                }
            }
            @if !repeats.is_empty() {
                // One confirmation for them all; each is closed (and audited) on its own.
                form method="post" action={ "/cases/" (d) "/close_repeats" } class="repeats"
                    data-confirm=(l.t("repeats.confirm")) {
                    (csrf_input(s))
                    fieldset {
                        legend { (l.t("repeats.title")) " (" (repeats.len()) ")" }
                        @for r in repeats {
                            label class="check" {
                                input type="checkbox" name="repeat" value=(r.docket) checked;
                                " "
                                a href={ "/cases/" (percent_encode(&r.docket)) } { (r.docket) }
                                " "
                                span class="muted" { (crate::rows::masked_text(r).chars().take(80).collect::<String>()) }
                            }
                        }
                    }
                    button type="submit" id="close-repeats" { (l.t("repeats.close")) }
                }
            }
            form method="post" action={ "/cases/" (d) "/note" } id="note-form" class="note-form" {
                (csrf_input(s))
                label for="note-text" { (l.t("note.label")) }
                textarea id="note-text" name="text" rows="2" maxlength="2000" required {}
                button type="submit" id="add-note" { (l.t("note.add")) }
            }
        }
    }
}

/// One message of the conversation: what it is, who, when, and its words.
fn message(class: &str, meta: Markup, text: &str) -> Markup {
    html! { li class={ "msg " (class) } { p class="meta" { (meta) } blockquote { (text) } } }
}

pub fn section(l: Lang, zone: Tz, thread: &Thread) -> Markup {
    let author = thread.case.as_ref().and_then(|c| c.post.as_ref()).and_then(|p| p.author.as_ref());
    html! {
        section class="thread card" aria-labelledby="thread-h" {
            h2 id="thread-h" { (l.t("thread.title")) }
            ol class="conversation" { @for e in &thread.entries { (entry(l, zone, e)) } }
            @if let Some(a) = author.filter(|a| !a.handle.is_empty()) {
                p {
                    a class="earlier" href={ "/search?author=" (percent_encode(&a.handle)) } {
                        (l.t("thread.earlier")) " (" (a.handle) ")"
                    }
                }
            }
        }
    }
}

fn entry(l: Lang, zone: Tz, e: &ThreadEntry) -> Markup {
    let at = html! { time { (format::clock(l, zone, &e.at)) } };
    match &e.entry {
        Some(Entry::Post(p)) => {
            // Not `post`: that class styles the post's own card above.
            let (class, key) = match (p.private, e.follow_up) {
                (true, _) => ("dm", "thread.dm"),
                (false, true) => ("follow-up", "thread.follow_up"),
                (false, false) => ("original", "thread.post"),
            };
            let author = p.author.as_ref().map_or("–", |a| a.handle.as_str());
            let meta = html! { strong { (l.t(key)) } " · " (author) " · " (p.platform) " · " (at) };
            message(class, meta, &mask_pii(&p.text, &e.pii))
        }
        Some(Entry::Reply(r)) => {
            // A reply recorded as sent by hand never went through a platform.
            let sent = r.status != "manual" && format::time(&r.sent_at).is_some();
            let meta = html! {
                strong { (l.t(if r.private { "thread.private_reply" } else { "thread.reply" })) }
                " " (l.t("thread.by")) " " (r.operator) " · " (at) " · "
                span class="status" { (l.reply_status(&r.status)) }
                @if !r.error.is_empty() { ": " (r.error) }
                @if sent { " · " (l.t("thread.sent_at")) " " time { (format::clock(l, zone, &r.sent_at)) } }
            };
            message(&format!("reply reply-{}", r.status), meta, &r.text)
        }
        Some(Entry::Event(ev)) if ev.kind() == CaseEventKind::Noted => {
            let meta = html! {
                strong { (l.t("note.title")) } " " (l.t("thread.by")) " " (ev.actor) " · " (at) " · "
                span class="muted" { (l.t("note.only_unit")) }
            };
            message("note", meta, &ev.note)
        }
        Some(Entry::Event(_)) | None => html! {},
    }
}

#[cfg(test)]
mod tests {
    use tvarit_proto::v1::{Author, Case, PiiSpan, Post, ThreadEvent, ThreadReply};

    use super::*;

    #[test]
    fn posts_are_masked_replies_say_who_and_html_is_escaped() {
        let post = Post {
            platform: "x".into(),
            text: "call 9876543210 <now>".into(),
            author: Some(Author { handle: "@asha".into(), ..Default::default() }),
            ..Default::default()
        };
        let reply =
            ThreadReply { operator: "meena".into(), text: "on it".into(), status: "sent".into(), ..Default::default() };
        let thread = Thread {
            case: Some(Case { post: Some(post.clone()), ..Default::default() }),
            entries: vec![
                ThreadEntry {
                    entry: Some(Entry::Post(post)),
                    pii: vec![PiiSpan { kind: "phone".into(), start: 5, end: 15 }],
                    ..Default::default()
                },
                ThreadEntry { entry: Some(Entry::Reply(reply)), ..Default::default() },
                ThreadEntry {
                    entry: Some(Entry::Event(ThreadEvent {
                        kind: CaseEventKind::Noted as i32,
                        actor: "ravi".into(),
                        note: "SHO <informed>".into(),
                        ..Default::default()
                    })),
                    ..Default::default()
                },
            ],
        };
        let html = section(Lang::En, chrono_tz::Asia::Kolkata, &thread).into_string();
        assert!(!html.contains("9876543210") && html.contains("&lt;now&gt;"), "{html}");
        assert!(html.contains("Reply</strong> by meena"), "{html}");
        assert!(html.contains("Internal note</strong> by ravi") && html.contains("SHO &lt;informed&gt;"), "{html}");
        assert!(html.contains(r#"href="/search?author=%40asha""#), "{html}");
    }
}
