//! The simulator's world: what the public posted, what the accounts replied,
//! the stream rules, the rate-limit windows, and the ids and clocks.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::config::SimConfig;
use crate::delivery::Delivery;
use crate::faults::Faults;
use crate::rule_expr::Rule;
use crate::x_tokens::Tokens;

/// X's snowflake epoch (2010-11-04T01:42:54.657Z), in Unix milliseconds.
const X_EPOCH_MS: i64 = 1_288_834_974_657;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    X,
    Facebook,
    /// A comment on the media of an Instagram professional account.
    Instagram,
    /// Serialized `youtube`.
    YouTube,
}

#[derive(Debug, Clone, Serialize)]
pub struct Author {
    /// Numeric, as on X (a Facebook user id is numeric too).
    pub id: String,
    /// Without the `@`.
    pub username: String,
    pub name: String,
}

/// A post or comment the public made (or, for `Post::by_account`, one of our replies).
#[derive(Debug, Clone, Serialize)]
pub struct Post {
    pub platform: Platform,
    /// X: the snowflake id. Facebook: the comment id `<post>_<comment>`.
    pub id: String,
    /// The snowflake behind the id; orders everything.
    #[serde(skip)]
    pub seq: u64,
    pub corpus_id: Option<String>,
    pub text: String,
    pub author: Author,
    /// Usernames mentioned in the text, without `@`, in order.
    pub mentions: Vec<String>,
    /// Ids of the mentioned accounts that are ours.
    pub mentioned_ids: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// From when it shows in the mentions timeline (late indexing).
    pub indexed_at: DateTime<Utc>,
    pub conversation_id: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_user_id: Option<String>,
    /// The Facebook Page, or the Instagram account, commented on.
    pub page_id: Option<String>,
    /// The Page post a Facebook comment is on; an Instagram comment's media.
    pub fb_post_id: Option<String>,
    /// Written by one of our accounts (a reply we received), not the public.
    pub by_account: bool,
    /// Photos and videos attached (the public's posts only).
    pub media: Vec<crate::media::Media>,
}

impl Post {
    /// An account of ours answering `target` in its thread, as `author`:
    /// no mentions, no media. Where it is on a Page or media (`page_id`,
    /// `fb_post_id`) is the platform's to set.
    pub fn account_reply(
        platform: Platform,
        id: String,
        seq: u64,
        created_at: DateTime<Utc>,
        text: String,
        author: Author,
        target: &Post,
    ) -> Post {
        Post {
            platform,
            id,
            seq,
            corpus_id: None,
            text,
            author,
            mentions: Vec::new(),
            mentioned_ids: Vec::new(),
            created_at,
            indexed_at: created_at,
            conversation_id: target.conversation_id.clone(),
            in_reply_to_id: Some(target.id.clone()),
            in_reply_to_user_id: Some(target.author.id.clone()),
            page_id: None,
            fb_post_id: None,
            by_account: true,
            media: Vec::new(),
        }
    }
}

/// One reply the sim received, accepted or not.
#[derive(Debug, Clone, Serialize)]
pub struct ReplyRecord {
    pub platform: Platform,
    /// The post (X) or comment (Facebook) answered.
    pub in_reply_to: String,
    pub in_reply_to_corpus_id: Option<String>,
    pub text: String,
    /// The platform's id of the reply; absent when refused.
    pub reply_id: Option<String>,
    /// The platform clock's time of the reply (or of the refusal).
    pub time: DateTime<Utc>,
    /// `@handle` on X, the Page id on Facebook; absent if unknown.
    pub account: Option<String>,
    /// Milliseconds between the answered post and the reply.
    pub response_ms: Option<i64>,
    /// `created`, or the platform's error title for a refused reply.
    pub outcome: String,
}

impl ReplyRecord {
    /// `reply`, which `account` posted to `target`, as the platform created it.
    pub fn created(target: &Post, reply: &Post, account: &str) -> ReplyRecord {
        ReplyRecord {
            platform: reply.platform,
            in_reply_to: target.id.clone(),
            in_reply_to_corpus_id: target.corpus_id.clone(),
            text: reply.text.clone(),
            reply_id: Some(reply.id.clone()),
            time: reply.created_at,
            account: Some(account.to_owned()),
            response_ms: Some((reply.created_at - target.created_at).num_milliseconds()),
            outcome: "created".into(),
        }
    }
}

/// One post an account of ours published on its own timeline or Page feed
/// (not a reply), accepted or refused.
#[derive(Debug, Clone, Serialize)]
pub struct PublishedRecord {
    pub platform: Platform,
    /// `@handle` on X, the Page id on Facebook.
    pub account: String,
    /// The platform's id; absent when refused.
    pub post_id: Option<String>,
    pub text: String,
    pub time: DateTime<Utc>,
    /// `created`, or the platform's error title for a refused post.
    pub outcome: String,
}

/// Engagement the sim reports for a post (set with `POST /sim/engagement`).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Engagement {
    pub like_count: u64,
    pub retweet_count: u64,
    pub quote_count: u64,
    pub impression_count: u64,
    pub bookmark_count: u64,
    /// Facebook.
    pub shares: u64,
    pub reactions: u64,
    pub comments: u64,
}

/// A fixed-window request counter.
#[derive(Debug, Clone)]
pub struct Window {
    pub used: u32,
    pub reset_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Inner {
    /// Direct messages, both ways, in order.
    pub messages: Vec<crate::dm::DmRecord>,
    /// Instagram comments (or captions) on the public's own media that
    /// @mention one of our accounts, by id.
    pub instagram_mentions: HashSet<String>,
    /// Everything the public published, in order.
    pub posts: Vec<Arc<Post>>,
    /// Every post by id: the public's and our accounts' replies.
    pub by_id: HashMap<String, Arc<Post>>,
    pub by_corpus_id: HashMap<String, String>,
    /// Per account user id: the posts that mention it, in order.
    pub timelines: HashMap<String, Vec<Arc<Post>>>,
    /// Per account user id: what it posted (the replies the sim received).
    pub authored: HashMap<String, Vec<Arc<Post>>>,
    pub replies: Vec<ReplyRecord>,
    /// Our accounts' own posts (publishing), accepted or refused.
    pub published: Vec<PublishedRecord>,
    /// Per Page id: the posts on its feed, in order.
    pub page_feeds: HashMap<String, Vec<Arc<Post>>>,
    /// Per post id: engagement set by a test.
    pub engagement: HashMap<String, Engagement>,
    /// `(account, target or "", text)` already posted.
    pub sent: HashSet<(String, String, String)>,
    pub rules: Vec<Rule>,
    pub windows: HashMap<(String, String), Window>,
    /// OAuth 2.0 codes and tokens issued at `/2/oauth2/token`.
    pub tokens: Tokens,
    /// Meta's words once the Page token was invalidated (`POST /sim/meta/invalidate_token`).
    pub meta_token_invalidated: Option<String>,
    /// Google's grants for YouTube channels (the "username" is the channel id).
    pub google_tokens: Tokens,
}

#[derive(Default)]
pub struct Stats {
    pub api_requests: AtomicU64,
    pub stream_connections: AtomicU64,
    pub x_webhooks_delivered: AtomicU64,
    pub x_webhooks_failed: AtomicU64,
    pub meta_webhooks_delivered: AtomicU64,
    pub meta_webhooks_failed: AtomicU64,
}

/// Increasing X-style ids: milliseconds since X's epoch << 22 | worker | sequence.
pub struct Snowflake(Mutex<u64>);

impl Snowflake {
    pub fn next(&self, now: DateTime<Utc>) -> u64 {
        let ms = (now.timestamp_millis() - X_EPOCH_MS).max(0) as u64;
        let candidate = (ms << 22) | (0b1_0110 << 12);
        let mut last = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let id = candidate.max(*last + 1);
        *last = id;
        id
    }

    /// The creation time an id encodes.
    pub fn time_of(id: u64) -> DateTime<Utc> {
        let ms = (id >> 22) as i64 + X_EPOCH_MS;
        Utc.timestamp_millis_opt(ms).single().unwrap_or_else(Utc::now)
    }
}

/// Control messages to open stream connections.
#[derive(Debug, Clone, Copy)]
pub enum StreamControl {
    Disconnect,
    Drop,
}

pub struct Sim {
    pub cfg: SimConfig,
    inner: Mutex<Inner>,
    faults: Mutex<Faults>,
    rng: Mutex<StdRng>,
    pub ids: Snowflake,
    pub live: broadcast::Sender<Arc<Post>>,
    pub control: broadcast::Sender<StreamControl>,
    pub deliveries: Option<mpsc::UnboundedSender<Delivery>>,
    pub stream_connected: AtomicBool,
    pub stats: Stats,
    pub shutdown: CancellationToken,
    pub started_at: DateTime<Utc>,
    /// `http://host:port` receivers reach this sim at (set once serving).
    pub base_url: std::sync::OnceLock<String>,
}

impl Sim {
    pub fn new(
        cfg: SimConfig,
        deliveries: Option<mpsc::UnboundedSender<Delivery>>,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let rng = match cfg.seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        Arc::new(Sim {
            faults: Mutex::new(cfg.faults.clone()),
            cfg,
            inner: Mutex::new(Inner::default()),
            rng: Mutex::new(rng),
            ids: Snowflake(Mutex::new(0)),
            live: broadcast::channel(4096).0,
            control: broadcast::channel(16).0,
            deliveries,
            stream_connected: AtomicBool::new(false),
            stats: Stats::default(),
            shutdown,
            started_at: Utc::now(),
            base_url: std::sync::OnceLock::new(),
        })
    }

    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A uniform draw in [0, 1).
    pub fn chance(&self) -> f64 {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).random::<f64>()
    }

    /// A fresh snowflake and the time it encodes.
    pub fn next_id(&self) -> (u64, DateTime<Utc>) {
        let id = self.ids.next(Utc::now());
        (id, Snowflake::time_of(id))
    }

    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// X's `created_at`: `2026-11-03T10:15:42.000Z`.
pub fn x_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A stable numeric id for a corpus author like `u1266` (X ids are numeric).
pub fn numeric_id(seed: &str) -> String {
    if !seed.is_empty() && seed.len() <= 19 && seed.bytes().all(|b| b.is_ascii_digit()) {
        return seed.to_owned();
    }
    // FNV-1a, folded into 18 digits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (100_000_000_000_000_000 + h % 800_000_000_000_000_000).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase_have_19_digits_and_encode_their_time() {
        let s = Snowflake(Mutex::new(0));
        let now = Utc::now();
        let a = s.next(now);
        let b = s.next(now);
        assert!(b > a);
        assert_eq!(a.to_string().len(), 19);
        let t = Snowflake::time_of(a);
        assert!((t - now).num_milliseconds().abs() <= 1);
    }

    #[test]
    fn numeric_ids_are_stable_and_numeric() {
        assert_eq!(numeric_id("u1266"), numeric_id("u1266"));
        assert_ne!(numeric_id("u1266"), numeric_id("u1267"));
        assert!(numeric_id("u1266").bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(numeric_id("12345"), "12345");
    }
}
