//! The public: a corpus of posts played at a chosen pace, and `publish`,
//! which puts one post everywhere the platforms would (mentions timelines,
//! stream connections, webhooks).

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use crate::delivery;
use crate::state::{Author, Platform, Post, Sim, numeric_id};

/// One line of a corpus file (deploy/local/demo-posts.jsonl's format), also
/// the body of `POST /sim/posts`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CorpusPost {
    #[serde(default)]
    pub id: Option<String>,
    pub text: String,
    #[serde(default)]
    pub mentions: Vec<String>,
    /// `x` (default), `facebook`, `instagram` or `youtube`.
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub author: Option<CorpusAuthor>,
    /// A post id (or corpus id) this one answers: a follow-up in a conversation.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// Shows in the mentions timeline only after this delay.
    #[serde(default)]
    pub late_ms: Option<u64>,
    /// The Facebook Page (or Instagram account id) commented on (default:
    /// the first configured one).
    #[serde(default)]
    pub page_id: Option<String>,
    /// YouTube: the channel whose video is commented on (default: the
    /// channel a mention names, else the first configured channel).
    #[serde(default)]
    pub channel_id: Option<String>,
    /// YouTube: the video (default: the channel's sim video).
    #[serde(default)]
    pub video_id: Option<String>,
    /// Photos and videos attached (X and Facebook); the sim serves their files.
    #[serde(default)]
    pub media: Vec<crate::media::CorpusMedia>,
    /// Instagram: a comment on the author's own media that @mentions our
    /// account (`page_id`, default the first), delivered as a `mentions`
    /// change, rather than a comment on our media.
    #[serde(default)]
    pub mention: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CorpusAuthor {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Parses JSONL; blank lines and `#` comments are skipped.
pub fn parse_corpus(text: &str) -> Result<Vec<CorpusPost>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let post: CorpusPost = serde_json::from_str(line).map_err(|e| format!("corpus line {}: {e}", n + 1))?;
        out.push(post);
    }
    Ok(out)
}

/// `@username` mentions in a text as (start, end, username), indices in
/// code points as X counts them.
pub fn mentions_in(text: &str) -> Vec<(usize, usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let word_before = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
        if chars[i] == '@' && !word_before {
            let start = i;
            let mut j = i + 1;
            while j < chars.len() && j - start <= 15 && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            if j > start + 1 {
                out.push((start, j, chars[start + 1..j].iter().collect()));
                i = j;
                continue;
            }
        }
        i += 1;
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("unknown platform {0:?} (x, facebook, instagram or youtube)")]
    Platform(String),
    #[error("{0}")]
    YouTube(String),
    #[error("in_reply_to {0:?} is no post the sim knows")]
    UnknownParent(String),
    #[error("text is empty")]
    EmptyText,
    #[error("{0}")]
    Media(String),
}

/// A fixed Page post that the public comments on, per Page.
const PAGE_POST: &str = "1000000000000001";
/// The fixed media id (per account) that the public comments on on Instagram.
const INSTAGRAM_MEDIA_PREFIX: &str = "180";

/// Publishes one post now.
pub fn publish(sim: &Sim, input: &CorpusPost, force_facebook: bool) -> Result<Arc<Post>, PublishError> {
    let platform = match input.platform.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("x") | Some("twitter") => Platform::X,
        Some("facebook") | Some("fb") | Some("meta") => Platform::Facebook,
        Some("instagram") | Some("ig") => Platform::Instagram,
        Some("youtube") | Some("yt") => return crate::youtube::publish(sim, input),
        Some(other) => return Err(PublishError::Platform(other.to_owned())),
    };
    let platform = if force_facebook { Platform::Facebook } else { platform };
    if input.text.trim().is_empty() {
        return Err(PublishError::EmptyText);
    }
    let (seq, created_at) = sim.next_id();
    let mut text = input.text.clone();
    let parent = match &input.in_reply_to {
        None => None,
        Some(p) => {
            let inner = sim.lock();
            let id = inner.by_corpus_id.get(p).cloned().unwrap_or_else(|| p.clone());
            Some(inner.by_id.get(&id).cloned().ok_or_else(|| PublishError::UnknownParent(p.clone()))?)
        }
    };
    // A listed mention missing from the text is put in front of it, as is the
    // replied-to author on X, so the text and the mentions agree.
    let mut prefix = Vec::new();
    let wanted = input.mentions.iter().map(|m| m.trim_start_matches('@').to_owned());
    let parent_author = parent.as_ref().filter(|_| platform == Platform::X).map(|p| p.author.username.clone());
    for m in parent_author.into_iter().chain(wanted) {
        let present = mentions_in(&text).iter().any(|(_, _, u)| u.eq_ignore_ascii_case(&m));
        if !present && !prefix.iter().any(|p: &String| p.eq_ignore_ascii_case(&m)) {
            prefix.push(m);
        }
    }
    if !prefix.is_empty() {
        let heads: Vec<String> = prefix.iter().map(|m| format!("@{m}")).collect();
        text = format!("{} {text}", heads.join(" "));
    }
    let mentions: Vec<String> = mentions_in(&text).into_iter().map(|(_, _, u)| u).collect();
    let mentioned_ids: Vec<String> = {
        let mut ids: Vec<String> = Vec::new();
        for m in &mentions {
            if let Some(a) = sim.cfg.account_by_username(m)
                && !ids.contains(&a.user_id)
            {
                ids.push(a.user_id.clone());
            }
        }
        ids
    };
    let author = author_of(input, seq);
    let base = sim.base_url.get().cloned().unwrap_or_default();
    let media = crate::media::attach(&base, seq, &input.media).map_err(PublishError::Media)?;
    let late = match input.late_ms {
        Some(ms) => Duration::from_millis(ms),
        None if sim.cfg.late_fraction > 0.0 && sim.chance() < sim.cfg.late_fraction => sim.cfg.late_delay,
        None => Duration::ZERO,
    };
    let indexed_at = created_at + chrono::Duration::from_std(late).unwrap_or_default();
    let (id, page_id, fb_post_id) = match platform {
        // YouTube comments were published by `youtube::publish` above.
        Platform::X | Platform::YouTube => (seq.to_string(), None, None),
        Platform::Facebook => {
            let page = input
                .page_id
                .clone()
                .or_else(|| parent.as_ref().and_then(|p| p.page_id.clone()))
                .or_else(|| sim.cfg.pages.first().map(|p| p.id.clone()))
                .unwrap_or_else(|| "100000000000001".into());
            (format!("{PAGE_POST}_{seq}"), Some(page.clone()), Some(format!("{page}_{PAGE_POST}")))
        }
        // Instagram ids are plain numbers; one media per account is commented on.
        Platform::Instagram => {
            let account = input
                .page_id
                .clone()
                .or_else(|| parent.as_ref().and_then(|p| p.page_id.clone()))
                .or_else(|| sim.cfg.instagram_accounts.first().map(|a| a.id.clone()))
                .unwrap_or_else(|| "17841400000000001".into());
            // A mention sits on the author's own media, not on ours.
            let media = if input.mention { format!("181{seq}") } else { format!("{INSTAGRAM_MEDIA_PREFIX}{account}") };
            (format!("179{seq}"), Some(account), Some(media))
        }
    };
    let post = Arc::new(Post {
        platform,
        conversation_id: parent.as_ref().map(|p| p.conversation_id.clone()).unwrap_or_else(|| id.clone()),
        in_reply_to_id: parent.as_ref().map(|p| p.id.clone()),
        in_reply_to_user_id: parent.as_ref().map(|p| p.author.id.clone()),
        id,
        seq,
        corpus_id: input.id.clone(),
        text,
        author,
        mentions,
        mentioned_ids,
        created_at,
        indexed_at,
        page_id,
        fb_post_id,
        by_account: false,
        media,
    });
    {
        let mut inner = sim.lock();
        inner.posts.push(post.clone());
        inner.by_id.insert(post.id.clone(), post.clone());
        if let Some(c) = &post.corpus_id {
            inner.by_corpus_id.insert(c.clone(), post.id.clone());
        }
        if platform == Platform::Instagram && input.mention {
            inner.instagram_mentions.insert(post.id.clone());
        }
        if platform == Platform::X {
            for uid in &post.mentioned_ids {
                inner.timelines.entry(uid.clone()).or_default().push(post.clone());
            }
        }
    }
    if platform == Platform::X {
        let _ = sim.live.send(post.clone());
    }
    delivery::enqueue_for_post(sim, &post);
    tracing::debug!(id = %post.id, platform = ?platform, late_ms = late.as_millis() as u64, "published");
    Ok(post)
}

fn author_of(input: &CorpusPost, seq: u64) -> Author {
    let a = input.author.clone().unwrap_or_default();
    let username = a
        .handle
        .map(|h| h.trim_start_matches('@').to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("citizen_{}", seq % 100_000));
    let id = numeric_id(a.id.as_deref().unwrap_or(&username));
    let name = a.name.unwrap_or_else(|| username.clone());
    Author { id, username, name }
}

/// Plays the corpus: clumps of `burst` posts, spaced so the average is `rate`.
pub async fn play(sim: Arc<Sim>) {
    let corpus = &sim.cfg.corpus;
    if sim.cfg.rate <= 0.0 || corpus.is_empty() {
        return;
    }
    let total = match sim.cfg.count {
        None => corpus.len() as u64,
        Some(0) => u64::MAX,
        Some(n) => n,
    };
    let burst = u64::from(sim.cfg.burst.max(1));
    let gap = Duration::from_secs_f64(burst as f64 / sim.cfg.rate);
    let mut next = Instant::now();
    let mut played = 0u64;
    while played < total {
        tokio::select! {
            _ = sim.shutdown.cancelled() => return,
            _ = tokio::time::sleep_until(next) => {}
        }
        for _ in 0..burst.min(total - played) {
            let i = (played % corpus.len() as u64) as usize;
            let round = played / corpus.len() as u64;
            let mut post = corpus[i].clone();
            if round > 0 {
                post.id = post.id.map(|id| format!("{id}~{}", round + 1));
                post.in_reply_to = post.in_reply_to.map(|p| format!("{p}~{}", round + 1));
            }
            let facebook = sim.cfg.meta_fraction > 0.0 && sim.chance() < sim.cfg.meta_fraction;
            if let Err(e) = publish(&sim, &post, facebook) {
                tracing::warn!(error = %e, line = i + 1, "corpus post not published");
            }
            played += 1;
        }
        next += gap;
    }
    tracing::info!(posts = played, "corpus played");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_with_code_point_indices() {
        let m = mentions_in("हाँ @SP_Balotra और @jaipur_police. a@b");
        assert_eq!(m[0], (4, 15, "SP_Balotra".to_owned()));
        assert_eq!(m[1].2, "jaipur_police");
        assert_eq!(m.len(), 2, "an e-mail-like a@b is no mention");
    }

    #[test]
    fn the_shipped_corpus_parses() {
        let c = parse_corpus(crate::config::DEFAULT_CORPUS).unwrap();
        assert!(c.len() >= 100);
        assert!(c.iter().all(|p| !p.mentions.is_empty()));
    }
}
