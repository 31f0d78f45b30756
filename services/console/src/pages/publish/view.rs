//! Pieces of markup the publishing pages share: names of kinds and states,
//! local times, the audience in words, and the preview (per-platform counts
//! against the limits, and a card showing how the post will look).

use chrono::{NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use maud::{Markup, html};
use prost_types::Timestamp;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{PreviewResponse, Publication};
use tvarit_registry::Registry;

use crate::format;
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
pub fn badge(l: Lang, group: &str, value: &str) -> Markup {
    let class: String = value.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    html! { span class={ "badge st-" (class) } { (named(l, group, value)) } }
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
pub fn shown(l: Lang, zone: Tz, t: &Option<Timestamp>) -> Markup {
    html! {
        @match format::time(t) {
            Some(t) => time datetime=(utc(t)) { (format::minute(l, zone, t)) },
            None => "–",
        }
    }
}

/// The UTC instant for a `<time datetime>`.
fn utc(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `29 Nov 11:29:05`, for a table (the local time, the UTC instant in `datetime`).
pub fn shown_short(l: Lang, zone: Tz, t: &Option<Timestamp>) -> Markup {
    html! {
        @match format::time(t) {
            Some(t) => {
                @let local = t.with_timezone(&zone);
                time datetime=(utc(t)) {
                    (format::date(l, local.date_naive(), false)) " " (local.format("%H:%M:%S").to_string())
                }
            },
            None => "–",
        }
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
pub fn linked(text: &str) -> Markup {
    html! {
        @for (n, line) in text.split('\n').enumerate() {
            @if n > 0 { "\n" }
            @for (i, word) in line.split(' ').enumerate() {
                @if i > 0 { " " }
                @if word.starts_with("https://") || word.starts_with("http://") {
                    a href=(word) rel="noopener noreferrer nofollow" target="_blank" { (word) }
                } @else {
                    (word)
                }
            }
        }
    }
}

/// A link to a post on its platform, only when it is an `https://` URL.
pub fn outside_link(url: &str, label: &str) -> Markup {
    html! {
        @if url.starts_with("https://") {
            a href=(url) rel="noopener noreferrer" target="_blank" { (label) }
        } @else {
            (label)
        }
    }
}

/// The preview: per platform the accounts, the length against the limit and
/// a card with the text as it will be posted.
pub fn preview(l: Lang, registry: &Registry, p: &PreviewResponse) -> Markup {
    html! {
        section class="card preview" id="preview" aria-labelledby="preview-h" {
            h2 id="preview-h" { (l.t("pub.preview")) }
            p class="help" { (l.t("pub.preview_accounts")) " " strong { (p.accounts.len()) } }
            div class="table-wrap" {
                table class="limits" {
                    thead {
                        tr {
                            th scope="col" { (l.t("pub.platform")) }
                            th scope="col" class="num" { (l.t("pub.accounts")) }
                            th scope="col" class="num" { (l.t("pub.length")) }
                            th scope="col" { (l.t("pub.fits")) }
                        }
                    }
                    tbody {
                        @for pf in &p.platforms {
                            @let (class, fits) = match (pf.limit, pf.fits) {
                                (0, _) => ("skip", pf.note.as_str()),
                                (_, true) => ("fits", l.t("pub.fits_yes")),
                                (_, false) => ("over", l.t("pub.fits_no")),
                            };
                            tr class={ "limit-" (class) } data-platform=(pf.platform) {
                                th scope="row" { (platform_name(&pf.platform)) }
                                td class="num" { (pf.accounts) }
                                td class="num" {
                                    @if pf.limit == 0 { "–" } @else { (pf.length) " / " (pf.limit) }
                                }
                                td { (fits) }
                            }
                        }
                    }
                }
            }
            @for pf in p.platforms.iter().filter(|pf| pf.limit > 0) { (card(l, registry, p, pf)) }
        }
    }
}

/// How the post will look on one platform, from its first target account.
fn card(l: Lang, registry: &Registry, p: &PreviewResponse, pf: &tvarit_proto::v1::PlatformPreview) -> Markup {
    let account = p.accounts.iter().filter_map(|h| registry.account(h)).find(|a| a.platform == pf.platform);
    let (handle, name) = account.map_or_else(
        || (String::new(), l.t("pub.police").to_owned()),
        |a| (a.handle.clone(), format!("{} {}", unit_name(registry, l, &a.unit), l.t("pub.police"))),
    );
    let more = pf.accounts.saturating_sub(1);
    let also = if more > 0 { l.t("pub.card_more").replace("{n}", &more.to_string()) } else { String::new() };
    html! {
        article class={ "post-card on-" (pf.platform) } aria-label=(l.t("pub.card_on").replace("{p}", platform_name(&pf.platform))) {
            header {
                span class="avatar" aria-hidden="true" { "RP" }
                span { strong { (name) } " " span class="muted" { (handle) " · " (platform_name(&pf.platform)) } }
            }
            div class="post-body" { (linked(&pf.text)) }
            footer {
                span class={ "count " (if pf.fits { "fits" } else { "over" }) } { (pf.length) " / " (pf.limit) }
                " "
                span class="muted" { (also) }
            }
        }
    }
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
        assert!(
            shown(Lang::En, ist, &Some(t))
                .into_string()
                .contains(r#"datetime="2026-11-30T12:30:00Z">30 Nov 2026 18:00 IST"#)
        );
        assert!(shown(Lang::Hi, ist, &Some(t)).into_string().contains(">30 नवंबर 2026 18:00 IST<"));
        assert!(parse_local(ist, "tomorrow").is_none());
        let kathmandu = parse_local(chrono_tz::Asia::Kathmandu, "2026-11-30T18:00").unwrap();
        assert_eq!(to_millis(&t) - to_millis(&kathmandu), 15 * 60 * 1000);
    }

    #[test]
    fn links_are_clickable_and_the_rest_escaped() {
        let html = linked("<b>false</b>\nhttps://police.example/a?x=1&y=\"2\" javascript:alert(1)").into_string();
        assert!(
            html.starts_with("&lt;b&gt;false&lt;/b&gt;\n<a href=\"https://police.example/a?x=1&amp;y=&quot;2&quot;\"")
        );
        assert!(html.ends_with(" javascript:alert(1)"), "{html}");
        assert_eq!(outside_link("javascript:alert(1)", "x").into_string(), "x");
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
        let html = preview(Lang::En, &registry, &p).into_string();
        assert!(html.contains("300 / 280") && html.contains("limit-over") && html.contains("too long"), "{html}");
        assert!(html.contains("&lt;false&gt;") && html.contains(&handle) && html.contains("skipped"));
        assert_eq!(html.matches("<article").count(), 1, "no card for a platform Tvarit cannot post on");
        assert!(!html.contains("style="));
    }
}
