//! Pieces of markup the publishing pages share: names of kinds and states,
//! local times, the audience in words, and the preview (per-platform counts
//! against the limits, and a card showing how the post will look).

use std::fmt::Write;

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use prost_types::Timestamp;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{PreviewResponse, Publication};
use tvarit_registry::Registry;

use crate::format;
use crate::html::esc;
use crate::i18n::Lang;
use crate::rows::unit_name;

pub const KINDS: [&str; 4] = ["awareness", "achievement", "fact_check", "alert"];
pub const VERDICTS: [&str; 3] = ["false", "misleading", "unverified"];

/// An interface string for a value the service sends (`pub.kind.alert`,
/// `pub.status.sent`…); an unknown value shows as itself.
pub fn named(l: Lang, group: &str, value: &str) -> String {
    let key = format!("pub.{group}.{value}");
    if crate::i18n::has(&key) { l.t(&key).to_owned() } else { value.to_owned() }
}

/// A coloured label for a publication's or a target's status.
pub fn badge(l: Lang, group: &str, value: &str) -> String {
    let class: String = value.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    format!(r#"<span class="badge st-{class}">{}</span>"#, esc(&named(l, group, value)))
}

pub fn platform_name(platform: &str) -> &str {
    match platform {
        "x" => "X",
        "facebook" => "Facebook",
        "youtube" => "YouTube",
        "instagram" => "Instagram",
        other => other,
    }
}

/// `30 Nov 2026 18:00 IST`, with the UTC instant in `datetime` (the time is
/// stored in UTC and shown in the deployment's zone).
pub fn shown(l: Lang, zone: Tz, t: &Option<Timestamp>) -> String {
    match format::time(t) {
        Some(t) => format!(
            r#"<time datetime="{}">{}</time>"#,
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            esc(&format::minute(l, zone, t))
        ),
        None => "–".into(),
    }
}

/// `29 Nov 11:29:05`, for a table (the local time, the UTC instant in `datetime`).
pub fn shown_short(l: Lang, zone: Tz, t: &Option<Timestamp>) -> String {
    match format::time(t) {
        Some(t) => {
            let local = t.with_timezone(&zone);
            format!(
                r#"<time datetime="{}">{} {}</time>"#,
                t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                esc(&format::date(l, local.date_naive(), false)),
                local.format("%H:%M:%S")
            )
        }
        None => "–".into(),
    }
}

/// The value for a `datetime-local` input: the local time.
pub fn local_input(zone: Tz, t: &Option<Timestamp>) -> String {
    format::time(t).map_or_else(String::new, |t| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string())
}

/// A `datetime-local` value read as the deployment's local time, as the UTC instant to store.
pub fn parse_local(zone: Tz, value: &str) -> Option<Timestamp> {
    let value = value.trim();
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M"))
        .ok()?;
    let utc = zone.from_local_datetime(&local).single()?.with_timezone(&Utc);
    Some(from_datetime(utc))
}

/// Who the post goes to, in words.
pub fn audience(l: Lang, registry: &Registry, p: &Publication) -> String {
    match p.scope.as_str() {
        "state" => l.t("pub.scope.state").to_owned(),
        "units" => p.units.iter().map(|u| unit_name(registry, l, u)).collect::<Vec<_>>().join(", "),
        _ => p.targets.iter().map(|t| t.account.clone()).collect::<Vec<_>>().join(", "),
    }
}

/// The first words of the post, in the interface language when it has both.
pub fn excerpt(l: Lang, p: &Publication) -> String {
    let c = p.content.clone().unwrap_or_default();
    let (first, second) = if l == Lang::Hi { (c.text_hi, c.text_en) } else { (c.text_en, c.text_hi) };
    let text = if first.trim().is_empty() { second } else { first };
    crate::rows::excerpt(&text, 110)
}

/// Text with `http(s)://` words as links; line breaks kept by the stylesheet.
pub fn linked(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        for (i, word) in line.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if word.starts_with("https://") || word.starts_with("http://") {
                let _ = write!(
                    out,
                    r#"<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>"#,
                    esc(word)
                );
            } else {
                let _ = write!(out, "{}", esc(word));
            }
        }
    }
    out
}

/// A link to a post on its platform, only when it is an `https://` URL.
pub fn outside_link(url: &str, label: &str) -> String {
    if url.starts_with("https://") {
        format!(r#"<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>"#, esc(url), esc(label))
    } else {
        esc(label).to_string()
    }
}

/// The preview: per platform the accounts, the length against the limit and
/// a card with the text as it will be posted.
pub fn preview(l: Lang, registry: &Registry, p: &PreviewResponse) -> String {
    let mut out = format!(
        r#"<section class="card preview" id="preview" aria-labelledby="preview-h"><h2 id="preview-h">{}</h2><p class="help">{} <strong>{}</strong></p><div class="table-wrap"><table class="limits"><thead><tr><th scope="col">{}</th><th scope="col" class="num">{}</th><th scope="col" class="num">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        l.t("pub.preview"),
        l.t("pub.preview_accounts"),
        p.accounts.len(),
        l.t("pub.platform"),
        l.t("pub.accounts"),
        l.t("pub.length"),
        l.t("pub.fits"),
    );
    for pf in &p.platforms {
        let (class, fits) = match (pf.limit, pf.fits) {
            (0, _) => ("skip", esc(&pf.note).to_string()),
            (_, true) => ("fits", l.t("pub.fits_yes").to_owned()),
            (_, false) => ("over", l.t("pub.fits_no").to_owned()),
        };
        let length = if pf.limit == 0 { "–".to_owned() } else { format!("{} / {}", pf.length, pf.limit) };
        let _ = write!(
            out,
            r#"<tr class="limit-{class}" data-platform="{platform}"><th scope="row">{name}</th><td class="num">{accounts}</td><td class="num">{length}</td><td>{fits}</td></tr>"#,
            platform = esc(&pf.platform),
            name = esc(platform_name(&pf.platform)),
            accounts = pf.accounts,
        );
    }
    out.push_str("</tbody></table></div>");
    for pf in p.platforms.iter().filter(|pf| pf.limit > 0) {
        out.push_str(&card(l, registry, p, pf));
    }
    out.push_str("</section>");
    out
}

/// How the post will look on one platform, from its first target account.
fn card(l: Lang, registry: &Registry, p: &PreviewResponse, pf: &tvarit_proto::v1::PlatformPreview) -> String {
    let account = p.accounts.iter().filter_map(|h| registry.account(h)).find(|a| a.platform == pf.platform);
    let (handle, name) = account.map_or_else(
        || (String::new(), l.t("pub.police").to_owned()),
        |a| (a.handle.clone(), format!("{} {}", unit_name(registry, l, &a.unit), l.t("pub.police"))),
    );
    let more = pf.accounts.saturating_sub(1);
    let also = if more > 0 { l.t("pub.card_more").replace("{n}", &more.to_string()) } else { String::new() };
    format!(
        r#"<article class="post-card on-{platform}" aria-label="{aria}"><header><span class="avatar" aria-hidden="true">RP</span><span><strong>{name}</strong> <span class="muted">{handle} · {pname}</span></span></header><div class="post-body">{text}</div><footer><span class="count {fit}">{length} / {limit}</span> <span class="muted">{also}</span></footer></article>"#,
        platform = esc(&pf.platform),
        aria = esc(&l.t("pub.card_on").replace("{p}", platform_name(&pf.platform))),
        name = esc(&name),
        handle = esc(&handle),
        pname = esc(platform_name(&pf.platform)),
        text = linked(&pf.text),
        fit = if pf.fits { "fits" } else { "over" },
        length = pf.length,
        limit = pf.limit,
        also = esc(&also),
    )
}

#[cfg(test)]
mod tests {
    use tvarit_proto::time::to_millis;
    use tvarit_proto::v1::PlatformPreview;

    use super::*;

    #[test]
    fn times_are_typed_in_the_local_zone_and_stored_in_utc() {
        let ist = chrono_tz::Asia::Kolkata;
        let t = parse_local(ist, "2026-11-30T18:00").unwrap();
        let utc = chrono::DateTime::from_timestamp_millis(to_millis(&t)).unwrap();
        assert_eq!(utc.to_rfc3339(), "2026-11-30T12:30:00+00:00");
        assert_eq!(local_input(ist, &Some(t)), "2026-11-30T18:00");
        assert!(shown(Lang::En, ist, &Some(t)).contains(r#"datetime="2026-11-30T12:30:00Z">30 Nov 2026 18:00 IST"#));
        assert!(shown(Lang::Hi, ist, &Some(t)).contains(">30 नवंबर 2026 18:00 IST<"));
        assert!(parse_local(ist, "tomorrow").is_none());
        let kathmandu = parse_local(chrono_tz::Asia::Kathmandu, "2026-11-30T18:00").unwrap();
        assert_eq!(to_millis(&t) - to_millis(&kathmandu), 15 * 60 * 1000);
    }

    #[test]
    fn links_are_clickable_and_the_rest_escaped() {
        let html = linked("<b>false</b>\nhttps://police.example/a?x=1&y=\"2\" javascript:alert(1)");
        assert!(
            html.starts_with("&lt;b&gt;false&lt;/b&gt;\n<a href=\"https://police.example/a?x=1&amp;y=&quot;2&quot;\"")
        );
        assert!(html.ends_with(" javascript:alert(1)"), "{html}");
        assert_eq!(outside_link("javascript:alert(1)", "x"), "x");
    }

    #[test]
    fn the_preview_shows_counts_limits_and_a_card() {
        let registry = Registry::rajasthan();
        let handle = registry.accounts().find(|a| a.platform == "x").unwrap().handle.clone();
        let p = PreviewResponse {
            accounts: vec![handle.clone()],
            platforms: vec![
                PlatformPreview {
                    platform: "x".into(),
                    text: "#FactCheck <false>".into(),
                    length: 300,
                    limit: 280,
                    fits: false,
                    accounts: 1,
                    note: String::new(),
                },
                PlatformPreview {
                    platform: "youtube".into(),
                    accounts: 2,
                    note: "skipped".into(),
                    ..Default::default()
                },
            ],
        };
        let html = preview(Lang::En, &registry, &p);
        assert!(html.contains("300 / 280") && html.contains("limit-over") && html.contains("too long"), "{html}");
        assert!(html.contains("&lt;false&gt;") && html.contains(&handle) && html.contains("skipped"));
        assert_eq!(html.matches("<article").count(), 1, "no card for a platform Tvarit cannot post on");
        assert!(!html.contains("style="));
    }
}
