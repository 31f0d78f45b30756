//! A case's conversation on its page, from `Desk.GetThread`: the post that
//! opened it, the author's follow-ups and every reply (who wrote it, where
//! it stands), in time order; personal data masked as in the post above.
//! What people and timers did is the history's part, beside it; internal
//! notes are the exception, shown here with their words (only the unit's
//! people reach this page), and written from the form under it.

use std::fmt::Write;

use chrono_tz::Tz;
use tvarit_proto::v1::thread_entry::Entry;
use tvarit_proto::v1::{Case, CaseEventKind, Thread};

use crate::format;
use crate::html::{csrf_field, esc, percent_encode};
use crate::i18n::Lang;
use crate::rows::mask_pii;
use crate::session::Session;

/// What stays inside the force, under the conversation: the police station
/// the post names with "Forward to the police station" (through the
/// control room's webhook), the author's repeats to close with this case,
/// and the form for an internal note, whose label says who reads it so
/// nobody mistakes it for the public reply.
pub fn internal_section(l: Lang, s: &Session, c: &Case, repeats: &[Case]) -> String {
    let d = esc(&percent_encode(&c.docket)).to_string();
    let csrf = csrf_field(s);
    let mut out = String::from(r#"<section class="card internal">"#);
    if !c.police_station.is_empty() {
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/forward" class="forward" data-confirm="{confirm}">{csrf}<p>{label}: <strong id="police-station">{station}</strong> <button type="submit" id="forward">{forward}</button></p></form>"#,
            confirm = esc(l.t("case.forward_confirm")),
            label = l.t("case.station"),
            station = esc(&c.police_station),
            forward = l.t("case.forward"),
        );
    }
    if !repeats.is_empty() {
        // One confirmation for them all; each is closed (and audited) on its own.
        let _ = write!(
            out,
            r#"<form method="post" action="/cases/{d}/close_repeats" class="repeats" data-confirm="{confirm}">{csrf}<fieldset><legend>{title} ({n})</legend>"#,
            confirm = esc(l.t("repeats.confirm")),
            title = l.t("repeats.title"),
            n = repeats.len(),
        );
        for r in repeats {
            let text: String = crate::rows::masked_text(r).chars().take(80).collect();
            let _ = write!(
                out,
                r#"<label class="check"><input type="checkbox" name="repeat" value="{docket}" checked> <a href="/cases/{dq}">{docket}</a> <span class="muted">{text}</span></label>"#,
                docket = esc(&r.docket),
                dq = esc(&percent_encode(&r.docket)),
                text = esc(&text),
            );
        }
        let _ = write!(
            out,
            r#"</fieldset><button type="submit" id="close-repeats">{}</button></form>"#,
            l.t("repeats.close")
        );
    }
    let _ = write!(
        out,
        r#"<form method="post" action="/cases/{d}/note" id="note-form" class="note-form">{csrf}<label for="note-text">{label}</label><textarea id="note-text" name="text" rows="2" maxlength="2000" required></textarea><button type="submit" id="add-note">{add}</button></form></section>"#,
        label = l.t("note.label"),
        add = l.t("note.add"),
    );
    out
}

pub fn section(l: Lang, zone: Tz, thread: &Thread) -> String {
    let mut out = format!(
        r#"<section class="thread card" aria-labelledby="thread-h"><h2 id="thread-h">{}</h2><ol class="conversation">"#,
        l.t("thread.title")
    );
    for e in &thread.entries {
        let at = esc(&format::clock(l, zone, &e.at)).to_string();
        match &e.entry {
            Some(Entry::Post(p)) => {
                // Not `post`: that class styles the post's own card above.
                let (class, key) = match (p.private, e.follow_up) {
                    (true, _) => ("dm", "thread.dm"),
                    (false, true) => ("follow-up", "thread.follow_up"),
                    (false, false) => ("original", "thread.post"),
                };
                let author = p.author.as_ref().map_or("–", |a| a.handle.as_str());
                let _ = write!(
                    out,
                    r#"<li class="msg {class}"><p class="meta"><strong>{what}</strong> · {author} · {platform} · <time>{at}</time></p><blockquote>{text}</blockquote></li>"#,
                    what = l.t(key),
                    author = esc(author),
                    platform = esc(&p.platform),
                    text = esc(&mask_pii(&p.text, &e.pii)),
                );
            }
            Some(Entry::Reply(r)) => {
                // A reply recorded as sent by hand never went through a platform.
                let sent_at = if r.status == "manual" { None } else { format::time(&r.sent_at) };
                let sent = sent_at.map_or_else(String::new, |_| {
                    format!(" · {} <time>{}</time>", l.t("thread.sent_at"), esc(&format::clock(l, zone, &r.sent_at)))
                });
                let error = if r.error.is_empty() { String::new() } else { format!(": {}", esc(&r.error)) };
                let _ = write!(
                    out,
                    r#"<li class="msg reply reply-{status_slug}"><p class="meta"><strong>{what}</strong> {by} {operator} · <time>{at}</time> · <span class="status">{status}</span>{error}{sent}</p><blockquote>{text}</blockquote></li>"#,
                    what = l.t(if r.private { "thread.private_reply" } else { "thread.reply" }),
                    by = l.t("thread.by"),
                    operator = esc(&r.operator),
                    status_slug = esc(&r.status),
                    status = esc(l.reply_status(&r.status)),
                    text = esc(&r.text),
                );
            }
            Some(Entry::Event(ev)) if ev.kind() == CaseEventKind::Noted => {
                let _ = write!(
                    out,
                    r#"<li class="msg note"><p class="meta"><strong>{what}</strong> {by} {author} · <time>{at}</time> · <span class="muted">{only}</span></p><blockquote>{text}</blockquote></li>"#,
                    what = l.t("note.title"),
                    by = l.t("thread.by"),
                    author = esc(&ev.actor),
                    only = l.t("note.only_unit"),
                    text = esc(&ev.note),
                );
            }
            Some(Entry::Event(_)) | None => {}
        }
    }
    out.push_str("</ol>");
    let author = thread.case.as_ref().and_then(|c| c.post.as_ref()).and_then(|p| p.author.as_ref());
    if let Some(a) = author.filter(|a| !a.handle.is_empty()) {
        let _ = write!(
            out,
            r#"<p><a class="earlier" href="/search?author={}">{} ({})</a></p>"#,
            esc(&percent_encode(&a.handle)),
            l.t("thread.earlier"),
            esc(&a.handle)
        );
    }
    out.push_str("</section>");
    out
}

#[cfg(test)]
mod tests {
    use tvarit_proto::v1::{Author, Case, PiiSpan, Post, ThreadEntry, ThreadEvent, ThreadReply};

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
        let html = section(Lang::En, chrono_tz::Asia::Kolkata, &thread);
        assert!(!html.contains("9876543210") && html.contains("&lt;now&gt;"), "{html}");
        assert!(html.contains("Reply</strong> by meena"), "{html}");
        assert!(html.contains("Internal note</strong> by ravi") && html.contains("SHO &lt;informed&gt;"), "{html}");
        assert!(html.contains(r#"href="/search?author=%40asha""#), "{html}");
    }
}
