//! The public's side of YouTube: a comment (or a reply in a thread)
//! published into the sim, on a video of one of our channels, for the
//! pollers to find. Called from `/sim/publish` and the corpus replay.

use std::sync::Arc;

use super::ids::{comment_id, default_video, public_channel, replies_key, reply_id, threads_key};
use crate::config::Channel;
use crate::public::{CorpusPost, PublishError, mentions_in};
use crate::state::{Author, Platform, Post, Sim};

/// Publishes a YouTube comment now: a top-level comment on a video of one
/// of our channels, or (with `in_reply_to`) a reply in a thread.
pub fn publish(sim: &Sim, input: &CorpusPost) -> Result<Arc<Post>, PublishError> {
    if input.text.trim().is_empty() {
        return Err(PublishError::EmptyText);
    }
    let parent = match &input.in_reply_to {
        None => None,
        Some(p) => {
            let inner = sim.lock();
            let id = inner.by_corpus_id.get(p).cloned().unwrap_or_else(|| p.clone());
            let post = inner.by_id.get(&id).cloned().ok_or_else(|| PublishError::UnknownParent(p.clone()))?;
            if post.platform != Platform::YouTube {
                return Err(PublishError::YouTube(format!("in_reply_to {p:?} is not a YouTube comment")));
            }
            // A reply to a reply joins the thread of its top-level comment.
            let top = post.in_reply_to_id.as_ref().and_then(|t| inner.by_id.get(t).cloned());
            Some(top.unwrap_or(post))
        }
    };
    let text_mentions: Vec<String> = mentions_in(&input.text).into_iter().map(|(_, _, u)| u).collect();
    let channel: Channel = match (&parent, &input.channel_id) {
        (Some(p), _) => p
            .page_id
            .as_deref()
            .and_then(|c| sim.cfg.channel_by_id(c))
            .cloned()
            .ok_or_else(|| PublishError::YouTube("the replied-to comment is on no channel of ours".into()))?,
        (None, Some(c)) => sim
            .cfg
            .channel_by_id(c)
            .cloned()
            .ok_or_else(|| PublishError::YouTube(format!("channel_id {c:?} is not one of the sim's channels")))?,
        (None, None) => input
            .mentions
            .iter()
            .map(|m| m.as_str())
            .chain(text_mentions.iter().map(String::as_str))
            .find_map(|m| sim.cfg.channel_by_handle(m))
            .or_else(|| sim.cfg.youtube_channels.first())
            .cloned()
            .ok_or_else(|| PublishError::YouTube("the sim has no YouTube channel".into()))?,
    };
    let (seq, created_at) = sim.next_id();
    let video = match &parent {
        Some(p) => p.conversation_id.clone(),
        None => input.video_id.clone().unwrap_or_else(|| default_video(&channel.id)),
    };
    let id = match &parent {
        Some(p) => reply_id(&p.id, seq),
        None => comment_id(seq),
    };
    let a = input.author.clone().unwrap_or_default();
    let username = a
        .handle
        .map(|h| h.trim_start_matches('@').to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| format!("citizen-{}", seq % 100_000));
    let author = Author {
        id: public_channel(a.id.as_deref().unwrap_or(&username)),
        name: a.name.unwrap_or_else(|| format!("@{username}")),
        username,
    };
    let late = chrono::Duration::milliseconds(input.late_ms.unwrap_or(0).min(i64::MAX as u64) as i64);
    let post = Arc::new(Post {
        platform: Platform::YouTube,
        id: id.clone(),
        seq,
        corpus_id: input.id.clone(),
        text: input.text.clone(),
        author,
        mentions: text_mentions,
        mentioned_ids: vec![channel.id.clone()],
        created_at,
        // A comment held for review shows in the lists only later.
        indexed_at: created_at + late,
        conversation_id: video,
        in_reply_to_id: parent.as_ref().map(|p| p.id.clone()),
        in_reply_to_user_id: parent.as_ref().map(|p| p.author.id.clone()),
        page_id: Some(channel.id.clone()),
        fb_post_id: None,
        by_account: false,
        media: Vec::new(),
    });
    {
        let mut inner = sim.lock();
        inner.posts.push(post.clone());
        inner.by_id.insert(id.clone(), post.clone());
        if let Some(c) = &post.corpus_id {
            inner.by_corpus_id.insert(c.clone(), id.clone());
        }
        let key = match &parent {
            Some(p) => replies_key(&p.id),
            None => threads_key(&channel.id),
        };
        inner.timelines.entry(key).or_default().push(post.clone());
    }
    tracing::debug!(%id, channel = %channel.id, "youtube comment published");
    Ok(post)
}
