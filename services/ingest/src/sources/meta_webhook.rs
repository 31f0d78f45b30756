//! Meta webhooks for Facebook Pages and Instagram: the `hub.*` verification
//! handshake, and Page `feed` and `mention` changes or Instagram `comments`
//! and `live_comments` changes, verified with `X-Hub-Signature-256` on the
//! raw body. The account's own comments are dropped (answering them would loop).
//!
//! Direct messages (`entry[].messaging`, Messenger for a Page and Instagram
//! messaging for an account) become private posts; echoes of the account's
//! own messages, reads and deliveries are dropped.
//!
//! Instagram's `mentions` change (an @mention of the account in someone
//! else's comment or caption) names only ids: ingest reads the words back
//! with the account's token (`TVARIT_META_PAGE_TOKEN_<HANDLE>`) before it
//! answers, so a failed read is retried by Meta. Without a token the
//! mention is counted and logged, not ingested (docs/platforms.md).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;
use tvarit_platforms::meta::instagram::{CommentChange, MentionChange};
use tvarit_platforms::meta::messaging::Messaging;
use tvarit_platforms::meta::{self, FeedChange};
use tvarit_proto::v1::{Author, Media};
use tvarit_registry::{Account, Registry};

use super::SourceState;
use crate::http::reject;
use crate::post_input::Draft;

pub const SOURCE: &str = "meta-webhook";
/// An Instagram @mention read back: answered through `/{ig-user-id}/mentions`.
pub const MENTION_SOURCE: &str = tvarit_proto::source::INSTAGRAM_MENTION;

/// One delivery's posts, and the Instagram mentions still to be read.
#[derive(Debug, Default)]
pub struct Parsed {
    pub drafts: Vec<Draft>,
    pub mentions: Vec<PendingMention>,
}

#[derive(Debug)]
pub struct PendingMention {
    pub account: Account,
    pub account_id: String,
    pub change: MentionChange,
}

pub fn router(state: Arc<SourceState>) -> Router {
    Router::new().route("/webhooks/meta", get(handshake).post(deliver)).with_state(state)
}

async fn handshake(State(state): State<Arc<SourceState>>, Query(q): Query<HashMap<String, String>>) -> Response {
    let Some(verify_token) = &state.meta_verify_token else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_META_VERIFY_TOKEN".into());
    };
    let get = |k: &str| q.get(k).map(String::as_str);
    match meta::verify_subscription(
        get("hub.mode"),
        get("hub.verify_token"),
        get("hub.challenge"),
        verify_token.expose_secret(),
    ) {
        Some(challenge) => challenge.to_owned().into_response(),
        None => reject(StatusCode::FORBIDDEN, "bad_verify_token", "hub.verify_token does not match".into()),
    }
}

fn draft(account: &Account, page_id: &str, c: FeedChange) -> Option<Draft> {
    let from = c.author()?;
    // Only new comments and posts by someone other than the Page itself.
    if c.verb != "add" || !matches!(c.item.as_str(), "comment" | "post") || from.id == page_id {
        return None;
    }
    let post_id = c.comment_id.clone().or(c.post_id.clone())?;
    let photo = c.photo.map(|url| Media { r#type: "photo".into(), url, ..Default::default() });
    let video = c.video.map(|url| Media { r#type: "video".into(), url, ..Default::default() });
    Some(Draft {
        platform: account.platform.clone(),
        post_id,
        text: c.message.unwrap_or_default(),
        mentions: vec![account.handle.clone()],
        author: Some(Author { id: from.id, handle: String::new(), name: from.name }),
        created_at: c.created_time.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        conversation_id: c.post_id.unwrap_or_default(),
        media: photo.into_iter().chain(video).collect(),
        private: false,
    })
}

/// An Instagram comment by someone other than the account itself.
fn instagram_draft(account: &Account, account_id: &str, time: Option<i64>, c: CommentChange) -> Option<Draft> {
    if c.from.id == account_id {
        return None;
    }
    let handle = format!("@{}", c.from.username);
    Some(Draft {
        platform: account.platform.clone(),
        post_id: c.id,
        text: c.text,
        mentions: vec![account.handle.clone()],
        author: Some(Author { id: c.from.id, handle, name: c.from.username }),
        created_at: time.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
        conversation_id: c.media.map(|m| m.id).unwrap_or_default(),
        // Instagram's comment webhook carries text only.
        media: Vec::new(),
        private: false,
    })
}

/// A person's direct message to the Page or Instagram account `account_id`.
/// The thread is the account's conversation with that person, so their
/// next message joins the same case.
fn message_draft(account: &Account, account_id: &str, m: Messaging) -> Option<Draft> {
    let msg = m.message?;
    if msg.is_echo || m.sender.id == account_id {
        return None;
    }
    let media = msg
        .attachments
        .iter()
        .filter(|a| matches!(a.kind.as_str(), "image" | "video"))
        .filter_map(|a| {
            let url = a.payload.as_ref()?.url.clone()?;
            let kind = if a.kind == "image" { "photo" } else { "video" };
            Some(Media { r#type: kind.into(), url, ..Default::default() })
        })
        .collect::<Vec<_>>();
    // A photo with no words is still a message: say so, so it is not refused as empty.
    let text = msg.text.filter(|t| !t.trim().is_empty()).or_else(|| (!media.is_empty()).then(|| "[photo]".into()))?;
    Some(Draft {
        platform: account.platform.clone(),
        post_id: msg.mid,
        text,
        mentions: vec![account.handle.clone()],
        author: Some(Author { id: m.sender.id, ..Default::default() }),
        created_at: m.timestamp.and_then(chrono::DateTime::from_timestamp_millis),
        conversation_id: format!("dm:{account_id}"),
        media,
        private: true,
    })
}

async fn deliver(State(state): State<Arc<SourceState>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = &state.meta_app_secret else {
        return reject(StatusCode::SERVICE_UNAVAILABLE, "not_configured", "set TVARIT_META_APP_SECRET".into());
    };
    let signature = headers.get("x-hub-signature-256").and_then(|v| v.to_str().ok());
    if !meta::signature_valid(secret.expose_secret().as_bytes(), &body, signature) {
        return reject(StatusCode::UNAUTHORIZED, "bad_signature", "X-Hub-Signature-256 does not match".into());
    }
    let parsed = match parse(&body, &state.registry) {
        Ok(d) => d,
        Err(e) => return reject(StatusCode::BAD_REQUEST, "malformed", format!("not a Meta delivery: {e}")),
    };
    let mentions = match read_mentions(&state, parsed.mentions).await {
        Ok(m) => m,
        // Meta delivers again (for up to 36 h): the comments are not lost.
        Err(e) => {
            tracing::warn!(error = %e, "cannot read instagram mentions now; meta will deliver again");
            return reject(StatusCode::SERVICE_UNAVAILABLE, "unavailable", format!("reading mentions: {e}"));
        }
    };
    if !mentions.is_empty() {
        let answer = state.accept_drafts(mentions, MENTION_SOURCE).await;
        if !answer.status().is_success() {
            return answer;
        }
    }
    state.accept_drafts(parsed.drafts, SOURCE).await
}

/// Reads each mention's words with its account's token. A mention Meta no
/// longer shows (deleted, comments turned off) is skipped and counted; a
/// platform or network failure fails the delivery, which Meta repeats.
async fn read_mentions(
    state: &SourceState,
    pending: Vec<PendingMention>,
) -> Result<Vec<Draft>, tvarit_platforms::PlatformError> {
    let mut drafts = Vec::new();
    for p in pending {
        let Some((client, token)) =
            state.instagram.as_ref().and_then(|i| Some((&i.client, i.token(&p.account.handle)?)))
        else {
            tracing::warn!(account = %p.account.handle, "instagram mention not ingested: no TVARIT_META_PAGE_TOKEN for the account (docs/platforms.md)");
            metrics::counter!("tvarit_ingest_rejected_total", "reason" => "instagram_mention").increment(1);
            continue;
        };
        match client.mentioned(token.expose_secret(), &p.account_id, &p.change).await {
            Ok(m) => drafts.extend(mention_draft(&p, m)),
            Err(e) if !e.is_retryable() => {
                tracing::warn!(account = %p.account.handle, error = %e, "instagram mention gone; skipped");
                metrics::counter!("tvarit_ingest_rejected_total", "reason" => "instagram_mention_gone").increment(1);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(drafts)
}

/// A mention as a post of the account's unit: the comment (or caption) is
/// the post, the media it is on is the conversation. Meta names only the
/// author's username here, so it stands for their id too.
fn mention_draft(p: &PendingMention, m: tvarit_platforms::meta::instagram::Mentioned) -> Option<Draft> {
    let text = m.text.or(m.caption).unwrap_or_default();
    let created = chrono::DateTime::parse_from_str(&m.timestamp, "%Y-%m-%dT%H:%M:%S%z").ok();
    Some(Draft {
        platform: p.account.platform.clone(),
        post_id: p.change.comment_id.clone().unwrap_or_else(|| p.change.media_id.clone()),
        mentions: vec![p.account.handle.clone()],
        author: Some(Author { id: format!("@{}", m.username), handle: format!("@{}", m.username), name: m.username }),
        created_at: created.map(|t| t.with_timezone(&chrono::Utc)),
        conversation_id: p.change.media_id.clone(),
        text,
        media: Vec::new(),
        private: false,
    })
}

/// The post drafts of a delivery's (already verified) raw body; entries for
/// unregistered Pages and unreadable changes are skipped and counted.
pub fn drafts(body: &[u8], registry: &Registry) -> Result<Vec<Draft>, serde_json::Error> {
    Ok(parse(body, registry)?.drafts)
}

/// The drafts of a delivery, and the Instagram mentions to read back.
pub fn parse(body: &[u8], registry: &Registry) -> Result<Parsed, serde_json::Error> {
    let delivery: meta::Delivery = serde_json::from_slice(body)?;
    let mut mentions = Vec::new();
    let instagram = delivery.object == "instagram";
    let platforms: &[&str] = if instagram { &["instagram"] } else { &["facebook", "instagram"] };
    let mut drafts = Vec::new();
    for entry in delivery.entry {
        let account = platforms.iter().find_map(|p| registry.account_by_platform_id(p, &entry.id));
        let Some(account) = account else {
            tracing::warn!(object = %delivery.object, account_id = %entry.id, "meta delivery for an unregistered account");
            metrics::counter!("tvarit_ingest_rejected_total", "reason" => "unknown_account").increment(1);
            continue;
        };
        for m in entry.messaging {
            drafts.extend(message_draft(account, &entry.id, m));
        }
        for change in entry.changes {
            match (instagram, change.field.as_str()) {
                (false, "feed" | "mention") => match serde_json::from_value::<FeedChange>(change.value) {
                    Ok(c) => drafts.extend(draft(account, &entry.id, c)),
                    Err(e) => tracing::warn!(error = %e, "unreadable meta feed change skipped"),
                },
                (true, "comments" | "live_comments") => match serde_json::from_value::<CommentChange>(change.value) {
                    Ok(c) => drafts.extend(instagram_draft(account, &entry.id, entry.time, c)),
                    Err(e) => tracing::warn!(error = %e, "unreadable instagram comment change skipped"),
                },
                (true, "mentions") => match serde_json::from_value::<MentionChange>(change.value) {
                    Ok(change) => {
                        mentions.push(PendingMention { account: account.clone(), account_id: entry.id.clone(), change })
                    }
                    Err(e) => tracing::warn!(error = %e, "unreadable instagram mention skipped"),
                },
                _ => {}
            }
        }
    }
    Ok(Parsed { drafts, mentions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            platform: "facebook".into(),
            handle: "@BalotraPolicePage".into(),
            unit: "balotra".into(),
            platform_id: Some("1001".into()),
            sources: vec!["webhook".into()],
        }
    }

    fn change(json: &str) -> FeedChange {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn comments_and_mentions_become_drafts_but_the_pages_own_do_not() {
        let c = change(
            r#"{"from":{"id":"77","name":"Asha"},"item":"comment","verb":"add","post_id":"1001_5","comment_id":"5_9","created_time":1764300000,"message":"chain snatching at the market"}"#,
        );
        let d = draft(&account(), "1001", c).unwrap();
        assert_eq!((d.post_id.as_str(), d.conversation_id.as_str()), ("5_9", "1001_5"));
        assert_eq!(d.author.unwrap().id, "77");
        let mention = change(
            r#"{"sender_id":"88","sender_name":"Ravi","item":"post","verb":"add","post_id":"88_3","message":"@Balotra Police bike stolen"}"#,
        );
        let d = draft(&account(), "1001", mention).unwrap();
        assert_eq!((d.post_id.as_str(), d.author.unwrap().name.as_str()), ("88_3", "Ravi"));
        let own = change(
            r#"{"from":{"id":"1001","name":"Page"},"item":"comment","verb":"add","comment_id":"5_10","message":"thanks"}"#,
        );
        assert!(draft(&account(), "1001", own).is_none());
        let edit = change(r#"{"from":{"id":"77"},"item":"comment","verb":"edited","comment_id":"5_9","message":"x"}"#);
        assert!(draft(&account(), "1001", edit).is_none());
    }

    fn registry_with_instagram() -> Registry {
        let toml = format!(
            "{}\n[[accounts]]\nplatform = \"instagram\"\nhandle = \"@balotra_police\"\nunit = \"balotra\"\nplatform_id = \"17841400000000009\"\nsources = [\"webhook\"]\n",
            tvarit_registry::RAJASTHAN_TOML.split("[[accounts]]").next().unwrap()
        );
        Registry::from_toml(&toml).unwrap()
    }

    /// A Messenger message and an Instagram message become private drafts of
    /// their account; the Page's echo and a read receipt do not.
    #[test]
    fn direct_messages_become_private_drafts() {
        let page = br#"{"object":"page","entry":[{"id":"1001","time":1764300000000,"messaging":[
            {"sender":{"id":"5551"},"recipient":{"id":"1001"},"timestamp":1764300000123,"message":{"mid":"m_1","text":"meri bike chori ho gayi, FIR kaise karun"}},
            {"sender":{"id":"1001"},"recipient":{"id":"5551"},"timestamp":1764300000200,"message":{"mid":"m_2","text":"Please share the place","is_echo":true}},
            {"sender":{"id":"5551"},"recipient":{"id":"1001"},"timestamp":1764300000300,"read":{"watermark":1764300000200}}]}]}"#;
        let toml = format!(
            "{}\n[[accounts]]\nplatform = \"facebook\"\nhandle = \"@BalotraPolicePage\"\nunit = \"balotra\"\nplatform_id = \"1001\"\nsources = [\"webhook\"]\n",
            tvarit_registry::RAJASTHAN_TOML.split("[[accounts]]").next().unwrap()
        );
        let from_page = drafts(page, &Registry::from_toml(&toml).unwrap()).unwrap();
        assert_eq!(from_page.len(), 1, "{from_page:?}");
        let d = &from_page[0];
        assert!(d.private);
        assert_eq!((d.post_id.as_str(), d.conversation_id.as_str()), ("m_1", "dm:1001"));
        assert_eq!(d.author.as_ref().unwrap().id, "5551");
        assert_eq!(d.mentions, vec!["@BalotraPolicePage".to_owned()]);
        let ig = br#"{"object":"instagram","entry":[{"id":"17841400000000009","time":1764300000000,"messaging":[
            {"sender":{"id":"9001"},"recipient":{"id":"17841400000000009"},"timestamp":1764300000123,"message":{"mid":"aWdfZAG1","attachments":[{"type":"image","payload":{"url":"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1"}}]}}]}]}"#;
        let from_ig = drafts(ig, &registry_with_instagram()).unwrap();
        assert_eq!((from_ig.len(), from_ig[0].platform.as_str(), from_ig[0].private), (1, "instagram", true));
        assert_eq!((from_ig[0].text.as_str(), from_ig[0].media.len()), ("[photo]", 1));
    }

    /// Instagram's documented `comments` payload becomes a draft for the
    /// account's unit; the account's own comment does not, and a `mentions`
    /// change (ids only) waits to be read back.
    #[test]
    fn instagram_comments_become_drafts() {
        let body = br#"{"object":"instagram","entry":[{"id":"17841400000000009","time":1764300000,"changes":[
            {"field":"comments","value":{"from":{"id":"232323232","username":"asha_j"},"media":{"id":"18000001","media_product_type":"FEED"},"id":"17865799348089039","text":"Mandi road par chain snatching hui abhi"}},
            {"field":"comments","value":{"from":{"id":"17841400000000009","username":"balotra_police"},"media":{"id":"18000001"},"id":"17865799348089040","text":"We are on it"}},
            {"field":"mentions","value":{"media_id":"18000002","comment_id":"17865799348089041"}}]}]}"#;
        let parsed = parse(body, &registry_with_instagram()).unwrap();
        let drafts = parsed.drafts;
        assert_eq!(drafts.len(), 1, "{drafts:?}");
        assert_eq!(parsed.mentions.len(), 1, "the mention waits to be read back");
        assert_eq!(parsed.mentions[0].change.comment_id.as_deref(), Some("17865799348089041"));
        let d = &drafts[0];
        assert_eq!(
            (d.platform.as_str(), d.post_id.as_str(), d.conversation_id.as_str()),
            ("instagram", "17865799348089039", "18000001")
        );
        assert_eq!(d.author.as_ref().unwrap().handle, "@asha_j");
        assert_eq!(d.mentions, vec!["@balotra_police".to_owned()]);
        assert_eq!(d.created_at.unwrap().timestamp(), 1764300000);
    }
}
