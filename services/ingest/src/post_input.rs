//! The JSON form of a post, shared by the replay file and `POST /v1/posts`:
//! `{"id","text","mentions":[...],"platform","created_at"?,"author"?,"media"?}`.
//! Parsing turns it into a validated `tvarit.v1.Post` or a clear error.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tvarit_proto::time::from_datetime;
use tvarit_proto::v1::{Author, Media, Post};
use tvarit_registry::Registry;

/// Longest text accepted, in characters (X allows 25,000 for paid accounts).
pub const MAX_TEXT_CHARS: usize = 25_000;
const MAX_ID_BYTES: usize = 128;
const MAX_MENTIONS: usize = 50;
/// X allows 4 photos (or 1 video); a Page comment 1. More is not a post.
const MAX_MEDIA: usize = 10;
const MAX_URL_BYTES: usize = 2048;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum InputError {
    #[error("not valid JSON for a post: {0}")]
    Json(String),
    #[error("field `{0}` must not be empty")]
    Empty(&'static str),
    #[error("field `{field}` is too long (at most {max})")]
    TooLong { field: &'static str, max: usize },
    #[error("field `created_at` is not an RFC 3339 time: {0}")]
    CreatedAt(String),
    #[error("field `platform` {0:?} must be lowercase letters, digits or '_'")]
    Platform(String),
    #[error("field `media`: {0}")]
    Media(String),
    #[error("field `source` {0:?} must be 1 to 32 lowercase letters, digits or '-'")]
    Source(String),
    #[error("no registered account among mentions {0:?}")]
    UnknownAccount(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PostJson {
    id: String,
    text: String,
    #[serde(default)]
    mentions: Vec<String>,
    platform: String,
    created_at: Option<String>,
    author: Option<AuthorJson>,
    conversation_id: Option<String>,
    #[serde(default)]
    media: Vec<MediaJson>,
    /// A direct message to the account rather than a public post.
    #[serde(default)]
    private: bool,
    /// The route it came by, when the sender is a poller of ours (e.g.
    /// reply's `x-dm-poll`); default the route's own name.
    #[serde(default)]
    source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MediaJson {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    preview_url: String,
    #[serde(default)]
    alt_text: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AuthorJson {
    Handle(String),
    Full {
        #[serde(default)]
        id: String,
        #[serde(default)]
        handle: String,
        #[serde(default)]
        name: String,
    },
}

/// A post as any source delivers it, before validation and routing.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub platform: String,
    pub post_id: String,
    pub text: String,
    pub mentions: Vec<String>,
    pub author: Option<Author>,
    /// Platform time; `None` means "now" (the source did not say).
    pub created_at: Option<DateTime<Utc>>,
    pub conversation_id: String,
    /// Attachments as the platform lists them.
    pub media: Vec<Media>,
    /// A direct message to the account (its `mentions` name that account).
    pub private: bool,
}

/// Parses one post, routes it to the unit that owns the addressed account,
/// and stamps it as received at `now` by `source`.
pub fn parse_post(json: &str, registry: &Registry, now: DateTime<Utc>, source: &str) -> Result<Post, InputError> {
    let p: PostJson = serde_json::from_str(json).map_err(|e| InputError::Json(e.to_string()))?;
    let source = match p.source.as_deref() {
        None => source,
        Some(s)
            if (1..=32).contains(&s.len())
                && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') =>
        {
            s
        }
        Some(s) => return Err(InputError::Source(s.to_owned())),
    };
    let created_at = match &p.created_at {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|e| InputError::CreatedAt(format!("{s:?}: {e}")))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let author = p.author.map(|a| match a {
        AuthorJson::Handle(handle) => Author { handle, ..Default::default() },
        AuthorJson::Full { id, handle, name } => Author { id, handle, name },
    });
    let draft = Draft {
        platform: p.platform,
        post_id: p.id,
        text: p.text,
        mentions: p.mentions,
        author,
        created_at,
        conversation_id: p.conversation_id.unwrap_or_default(),
        media: p
            .media
            .into_iter()
            .map(|m| Media { r#type: m.kind, url: m.url, preview_url: m.preview_url, alt_text: m.alt_text })
            .collect(),
        private: p.private,
    };
    build_post(draft, registry, now, source)
}

/// Validates a draft from any source and routes it to the unit that owns
/// the account it addresses.
pub fn build_post(d: Draft, registry: &Registry, now: DateTime<Utc>, source: &str) -> Result<Post, InputError> {
    build(d, registry, now, source, None)
}

/// A post that tags none of our accounts but matched `unit`'s watch terms:
/// routed to that unit and marked untagged.
pub fn build_untagged(
    d: Draft,
    registry: &Registry,
    unit: &str,
    now: DateTime<Utc>,
    source: &str,
) -> Result<Post, InputError> {
    build(d, registry, now, source, Some(unit))
}

fn build(
    d: Draft,
    registry: &Registry,
    now: DateTime<Utc>,
    source: &str,
    watched_by: Option<&str>,
) -> Result<Post, InputError> {
    if d.post_id.trim().is_empty() {
        return Err(InputError::Empty("id"));
    }
    if d.post_id.len() > MAX_ID_BYTES {
        return Err(InputError::TooLong { field: "id", max: MAX_ID_BYTES });
    }
    if d.text.trim().is_empty() {
        return Err(InputError::Empty("text"));
    }
    if d.text.chars().count() > MAX_TEXT_CHARS {
        return Err(InputError::TooLong { field: "text", max: MAX_TEXT_CHARS });
    }
    if d.mentions.len() > MAX_MENTIONS {
        return Err(InputError::TooLong { field: "mentions", max: MAX_MENTIONS });
    }
    if d.platform.is_empty()
        || d.platform.len() > 32
        || !d.platform.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(InputError::Platform(d.platform));
    }
    check_media(&d.media)?;
    let addressed = registry.addressed_account(d.mentions.iter().map(String::as_str));
    let (account, unit, untagged) = match (addressed, watched_by) {
        (Some(a), _) => (a.handle.clone(), a.unit.clone(), false),
        (None, Some(unit)) if registry.unit(unit).is_some() => (String::new(), unit.to_owned(), true),
        _ => return Err(InputError::UnknownAccount(d.mentions.clone())),
    };
    let created_at = d.created_at.unwrap_or(now);
    Ok(Post {
        platform: d.platform,
        post_id: d.post_id,
        text: d.text,
        mentions: d.mentions,
        author: d.author,
        created_at: Some(from_datetime(created_at)),
        received_at: Some(from_datetime(now)),
        account,
        unit,
        conversation_id: d.conversation_id,
        source: source.into(),
        untagged,
        media: d.media,
        private: d.private,
    })
}

/// Attachments are fetched later (as evidence) from their URLs, so only
/// plain http(s) URLs of a sane length, and a known kind, are taken.
fn check_media(media: &[Media]) -> Result<(), InputError> {
    if media.len() > MAX_MEDIA {
        return Err(InputError::TooLong { field: "media", max: MAX_MEDIA });
    }
    for m in media {
        if !matches!(m.r#type.as_str(), "photo" | "video" | "animated_gif") {
            return Err(InputError::Media(format!("type {:?} is not photo, video or animated_gif", m.r#type)));
        }
        for url in [&m.url, &m.preview_url] {
            let web = url.starts_with("https://") || url.starts_with("http://");
            if !url.is_empty() && (!web || url.len() > MAX_URL_BYTES) {
                return Err(InputError::Media(format!(
                    "{url:?} is not an http(s) URL of at most {MAX_URL_BYTES} bytes"
                )));
            }
        }
        if m.url.is_empty() && m.preview_url.is_empty() {
            return Err(InputError::Media("an attachment needs a url or a preview_url".into()));
        }
    }
    Ok(())
}

/// The `@handles` in a post's text, in order, without repeats (X's rule:
/// 1 to 15 letters, digits or `_` after an `@` that does not follow a word
/// character, so an e-mail address is not a mention).
pub fn mentions_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let after_word = prev.is_some_and(|p| p.is_alphanumeric() || p == '_');
        prev = Some(c);
        if c != '@' || after_word {
            continue;
        }
        let rest = &text[i + 1..];
        let len = rest.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_')).unwrap_or(rest.len());
        if (1..=15).contains(&len) {
            let handle = format!("@{}", &rest[..len]);
            if !out.iter().any(|h| h.eq_ignore_ascii_case(&handle)) {
                out.push(handle);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Post, InputError> {
        parse_post(json, &Registry::rajasthan(), Utc::now(), "test")
    }

    /// A poller of ours names its route and marks a DM private; a made-up
    /// route name is refused by name.
    #[test]
    fn a_private_post_keeps_its_route() {
        let dm = parse(
            r#"{"id":"d1","text":"bike number RJ04 AB 1234","mentions":["@SP_Balotra"],"platform":"x","private":true,"source":"x-dm-poll"}"#,
        )
        .unwrap();
        assert!(dm.private);
        assert_eq!(dm.source, "x-dm-poll");
        let bad = parse(r#"{"id":"d2","text":"x","mentions":["@SP_Balotra"],"platform":"x","source":"X DM"}"#);
        assert_eq!(bad.unwrap_err(), InputError::Source("X DM".into()));
    }

    #[test]
    fn media_is_kept_and_bad_media_is_refused_by_name() {
        let ok = parse(
            r#"{"id":"m1","text":"@SP_Balotra see this","mentions":["@SP_Balotra"],"platform":"x","media":[{"type":"photo","url":"https://pbs.twimg.com/media/a.jpg","alt_text":"a car on fire"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.media[0].url, "https://pbs.twimg.com/media/a.jpg");
        assert_eq!(ok.media[0].alt_text, "a car on fire");
        let bad = |media: &str| {
            parse(&format!(
                r#"{{"id":"m2","text":"@SP_Balotra see","mentions":["@SP_Balotra"],"platform":"x","media":[{media}]}}"#
            ))
            .unwrap_err()
        };
        assert!(matches!(bad(r#"{"type":"photo","url":"file:///etc/passwd"}"#), InputError::Media(_)));
        assert!(matches!(bad(r#"{"type":"sticker","url":"https://x.example/s.png"}"#), InputError::Media(_)));
        assert!(matches!(bad(r#"{"type":"photo"}"#), InputError::Media(_)));
    }

    #[test]
    fn finds_mentions_like_x_does() {
        assert_eq!(
            mentions_in("@SP_Balotra help! cc @jaipur_police, mail me a@b.com @sp_balotra"),
            ["@SP_Balotra", "@jaipur_police"]
        );
        assert_eq!(mentions_in("@PoliceRajasthan बाड़मेर"), ["@PoliceRajasthan"]);
        assert!(mentions_in("@ alone, and @this_handle_is_far_too_long").is_empty());
    }
    #[test]
    fn routes_to_the_addressed_district() {
        let p =
            parse(r#"{"id":"1","text":"chori","mentions":["@PoliceRajasthan","@sp_balotra"],"platform":"x"}"#).unwrap();
        assert_eq!(p.unit, "balotra");
        assert_eq!(p.account, "@SP_Balotra");
    }

    #[test]
    fn keeps_the_platform_time() {
        let p = parse(
            r#"{"id":"1","text":"t","mentions":["@jaipur_police"],"platform":"x","created_at":"2026-03-31T19:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(p.created_at.unwrap().seconds, 1_774_983_600);
    }

    #[test]
    fn clear_errors() {
        assert!(matches!(parse("{"), Err(InputError::Json(_))));
        assert!(matches!(parse(r#"{"id":"1","text":"t","platform":"x","extra":1}"#), Err(InputError::Json(_))));
        assert_eq!(parse(r#"{"id":"","text":"t","platform":"x"}"#), Err(InputError::Empty("id")));
        assert_eq!(
            parse(r#"{"id":"1","text":"t","mentions":["@nobody"],"platform":"x"}"#),
            Err(InputError::UnknownAccount(vec!["@nobody".into()]))
        );
        assert!(matches!(
            parse(r#"{"id":"1","text":"t","mentions":["@jaipur_police"],"platform":"x","created_at":"yesterday"}"#),
            Err(InputError::CreatedAt(_))
        ));
        assert!(matches!(
            parse(r#"{"id":"1","text":"t","mentions":["@jaipur_police"],"platform":"X.com"}"#),
            Err(InputError::Platform(_))
        ));
        let long = "a".repeat(MAX_TEXT_CHARS + 1);
        let json = format!(r#"{{"id":"1","text":"{long}","mentions":["@jaipur_police"],"platform":"x"}}"#);
        assert_eq!(parse(&json), Err(InputError::TooLong { field: "text", max: MAX_TEXT_CHARS }));
    }
}
