//! What the simulator plays: accounts, corpus, pace, webhooks, limits, faults.
//! `main.rs` fills it from the command line; tests build it directly.

use std::time::Duration;

use crate::faults::Faults;
use crate::public::CorpusPost;

/// The compiled-in corpus (a copy of deploy/local/demo-posts.jsonl).
pub const DEFAULT_CORPUS: &str = include_str!("../corpus/demo.jsonl");

/// An X account the public mentions (one of ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Without the `@`.
    pub username: String,
    pub user_id: String,
    pub name: String,
}

impl Account {
    pub fn new(handle: &str, user_id: &str) -> Self {
        let username = handle.trim_start_matches('@').to_owned();
        Account { name: username.replace('_', " "), username, user_id: user_id.to_owned() }
    }

    /// Parses `@handle=user_id`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (handle, id) = spec.split_once('=').ok_or_else(|| format!("expected @handle=user_id, got {spec:?}"))?;
        let username = handle.trim().trim_start_matches('@');
        if username.is_empty() || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("not an X handle: {handle:?}"));
        }
        if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("an X user id is 1-19 digits, got {id:?}"));
        }
        Ok(Account::new(username, id))
    }

    /// The default set: the accounts of deploy/local's registry, with fixed ids.
    pub fn defaults() -> Vec<Account> {
        [
            ("PoliceRajasthan", "900000000000000001"),
            ("RajPoliceHelp", "900000000000000002"),
            ("SP_Balotra", "900000000000000003"),
            ("jaipur_police", "900000000000000004"),
        ]
        .iter()
        .map(|(h, id)| Account::new(h, id))
        .collect()
    }
}

/// A Facebook Page whose comments the sim delivers and answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: String,
    pub name: String,
}

impl Page {
    /// Parses `page_id=Name`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (id, name) = spec.split_once('=').ok_or_else(|| format!("expected page_id=Name, got {spec:?}"))?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("a Page id is numeric, got {id:?}"));
        }
        Ok(Page { id: id.to_owned(), name: name.to_owned() })
    }

    pub fn defaults() -> Vec<Page> {
        vec![Page { id: "100000000000001".into(), name: "Rajasthan Police".into() }]
    }

    /// The Instagram professional account answered by default
    /// (`name` is its username).
    pub fn instagram_defaults() -> Vec<Page> {
        vec![Page { id: "17841400000000001".into(), name: "rajasthan_police".into() }]
    }
}

/// A YouTube channel of ours: the public comments on its videos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// `UC…`, as YouTube names channels.
    pub id: String,
    /// `@handle`, shown as the author of the channel's replies.
    pub handle: String,
}

impl Channel {
    /// Parses `UC…=@handle`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (id, handle) = spec.split_once('=').ok_or_else(|| format!("expected UC…=@handle, got {spec:?}"))?;
        let id = id.trim();
        if !id.starts_with("UC")
            || id.len() < 3
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(format!("a YouTube channel id looks like UC…, got {id:?}"));
        }
        let handle = handle.trim().trim_start_matches('@');
        if handle.is_empty() {
            return Err(format!("no handle in {spec:?}"));
        }
        Ok(Channel { id: id.to_owned(), handle: format!("@{handle}") })
    }

    /// `@PoliceRajasthan`'s channel.
    pub fn defaults() -> Vec<Channel> {
        vec![Channel { id: "UCrajpolice000000000001".into(), handle: "@PoliceRajasthan".into() }]
    }
}

/// A client app registered for X's OAuth 2.0 user context: confidential
/// with a secret (HTTP Basic at the token endpoint), public without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: String,
    pub secret: Option<String>,
}

impl OAuthClient {
    /// Parses `ID[:SECRET]`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let (id, secret) = match spec.split_once(':') {
            Some((id, secret)) => (id, Some(secret.to_owned())),
            None => (spec, None),
        };
        if id.is_empty() || secret.as_deref() == Some("") {
            return Err(format!("expected CLIENT_ID[:SECRET], got {spec:?}"));
        }
        Ok(OAuthClient { id: id.to_owned(), secret })
    }
}

#[derive(Debug, Clone)]
pub struct XWebhook {
    pub url: String,
    pub consumer_secret: String,
}

#[derive(Debug, Clone)]
pub struct MetaWebhook {
    pub url: String,
    pub app_secret: String,
    pub verify_token: String,
}

/// Requests per window, per user token (or per app for app-only endpoints).
#[derive(Debug, Clone)]
pub struct XLimits {
    pub window: Duration,
    pub post_tweets: u32,
    pub mentions: u32,
    pub search: u32,
    pub stream_connect: u32,
    pub rules: u32,
    pub users: u32,
}

impl Default for XLimits {
    fn default() -> Self {
        XLimits {
            window: Duration::from_secs(15 * 60),
            post_tweets: 100,
            mentions: 300,
            search: 450,
            stream_connect: 50,
            rules: 450,
            users: 300,
        }
    }
}

/// Which name the Aug-2026 spec or the live API uses for edit history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PostNaming {
    /// `edit_history_tweet_ids` (what the live API has returned).
    #[default]
    Tweet,
    /// `edit_history_post_ids` (the OpenAPI contract of Aug 2026).
    Post,
}

/// What counts as "the same reply twice" for the 403 duplicate-content rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicateScope {
    /// The same account sending the same text to the same post.
    #[default]
    Post,
    /// The same account sending the same text anywhere (closer to X itself).
    Account,
}

#[derive(Debug, Clone)]
pub struct SimConfig {
    pub accounts: Vec<Account>,
    pub pages: Vec<Page>,
    /// Instagram professional accounts (`name` is the username); their
    /// comments come through the Meta webhook as `object: instagram`.
    pub instagram_accounts: Vec<Page>,
    /// The base URL receivers fetch served files (media) from; default the bound address.
    pub public_url: Option<String>,
    pub corpus: Vec<CorpusPost>,
    /// Corpus posts per second (0: the player stays idle).
    pub rate: f64,
    /// Posts come in clumps of this many, spaced so the average stays `rate`.
    pub burst: u32,
    /// Corpus posts to play; `None` once through, `Some(0)` forever.
    pub count: Option<u64>,
    /// Fraction of corpus posts played as Facebook Page comments instead of X posts.
    pub meta_fraction: f64,
    pub late_fraction: f64,
    pub late_delay: Duration,
    pub x_webhook: Option<XWebhook>,
    pub meta_webhook: Option<MetaWebhook>,
    /// Bearer tokens that are app-only (forbidden on user-context endpoints).
    pub x_app_tokens: Vec<String>,
    /// `(token, username)`: user tokens bound to one of the accounts.
    pub x_user_tokens: Vec<(String, String)>,
    /// Apps that may get user tokens at `POST /2/oauth2/token`.
    pub x_oauth_clients: Vec<OAuthClient>,
    /// How long an issued OAuth 2.0 access token lives (X: 2 hours).
    pub x_token_ttl: Duration,
    /// OAuth 1.0a keys whose signatures are checked (none: not checked).
    pub x_oauth1: Vec<crate::x_oauth1::OAuth1Keys>,
    /// Google OAuth clients (YouTube channels' tokens at `POST /token`).
    pub google_oauth_clients: Vec<OAuthClient>,
    /// How long a Google access token lives (1 hour).
    pub google_token_ttl: Duration,
    /// If set, the only Page access token the Graph API accepts.
    pub meta_page_token: Option<String>,
    /// `APP_ID|APP_SECRET`: the app token `debug_token` must be called with.
    pub meta_app_token: Option<String>,
    /// When the Page token ends, as `debug_token` reports it (`None`: never).
    pub meta_page_token_expires_at: Option<i64>,
    pub limits: XLimits,
    /// Meta calls per hour per Page before throttling (code 32).
    pub meta_hourly_limit: u32,
    /// Our YouTube channels.
    pub youtube_channels: Vec<Channel>,
    /// Quota units per Pacific day for the (one) project, then 403 `quotaExceeded`.
    pub youtube_daily_quota: u32,
    /// If set, the only API key (`key=`) the Data API accepts.
    pub youtube_api_key: Option<String>,
    /// `(token, channel id)`: OAuth tokens bound to one of the channels. If
    /// empty, any bearer token acts as the channel that owns the video.
    pub youtube_tokens: Vec<(String, String)>,
    pub keepalive: Duration,
    pub stream_requires_rules: bool,
    pub duplicate_scope: DuplicateScope,
    pub post_naming: PostNaming,
    pub faults: Faults,
    pub seed: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            accounts: Account::defaults(),
            pages: Page::defaults(),
            instagram_accounts: Page::instagram_defaults(),
            public_url: None,
            corpus: Vec::new(),
            rate: 0.0,
            burst: 1,
            count: None,
            meta_fraction: 0.0,
            late_fraction: 0.0,
            late_delay: Duration::from_secs(30),
            x_webhook: None,
            meta_webhook: None,
            x_app_tokens: Vec::new(),
            x_user_tokens: Vec::new(),
            x_oauth_clients: Vec::new(),
            x_token_ttl: Duration::from_secs(7200),
            x_oauth1: Vec::new(),
            google_oauth_clients: Vec::new(),
            google_token_ttl: Duration::from_secs(3599),
            meta_page_token: None,
            meta_app_token: None,
            meta_page_token_expires_at: None,
            limits: XLimits::default(),
            meta_hourly_limit: 4800,
            youtube_channels: Channel::defaults(),
            youtube_daily_quota: 10_000,
            youtube_api_key: None,
            youtube_tokens: Vec::new(),
            keepalive: Duration::from_secs(10),
            stream_requires_rules: true,
            duplicate_scope: DuplicateScope::default(),
            post_naming: PostNaming::default(),
            faults: Faults::default(),
            seed: None,
        }
    }
}

impl SimConfig {
    pub fn account_by_username(&self, username: &str) -> Option<&Account> {
        let u = username.trim_start_matches('@');
        self.accounts.iter().find(|a| a.username.eq_ignore_ascii_case(u))
    }

    pub fn channel_by_id(&self, id: &str) -> Option<&Channel> {
        self.youtube_channels.iter().find(|c| c.id == id)
    }

    pub fn channel_by_handle(&self, handle: &str) -> Option<&Channel> {
        let h = handle.trim_start_matches('@');
        self.youtube_channels.iter().find(|c| c.handle.trim_start_matches('@').eq_ignore_ascii_case(h))
    }

    pub fn account_by_id(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|a| a.user_id == id)
    }
}
