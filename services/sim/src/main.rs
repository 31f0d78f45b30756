use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use tokio_util::sync::CancellationToken;
use tvarit_sim::config::{
    Account, Channel, DuplicateScope, MetaWebhook, OAuthClient, Page, PostNaming, SimConfig, XLimits, XWebhook,
};
use tvarit_sim::faults::Faults;
use tvarit_sim::public::parse_corpus;

#[derive(Parser)]
#[command(
    name = "tvarit-sim",
    version,
    about = "The public and the platforms (X API v2, Meta webhooks, YouTube comments), simulated"
)]
struct Cli {
    /// Address to serve on; with port 0 the bound address is the first stdout line.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: String,
    /// JSONL corpus (default: the compiled-in demo corpus).
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Corpus posts per second (0: only posts injected with POST /sim/posts).
    #[arg(long, default_value_t = 0.5)]
    rate: f64,
    /// Posts come in clumps of N, spaced so the average stays --rate.
    #[arg(long, default_value_t = 1)]
    burst: u32,
    /// Corpus posts to play (default: the corpus once; 0: forever, cycling).
    #[arg(long)]
    count: Option<u64>,
    /// Our X accounts, `@handle=user_id` (repeat); default: the four demo accounts.
    #[arg(long = "account")]
    accounts: Vec<String>,
    /// Facebook Pages, `page_id=Name` (repeat); default: 100000000000001=Rajasthan Police.
    #[arg(long = "meta-page")]
    pages: Vec<String>,
    /// Instagram professional accounts, `ig_user_id=username` (repeat); default: 17841400000000001=rajasthan_police.
    #[arg(long = "instagram-account")]
    instagram_accounts: Vec<String>,
    /// The URL receivers reach this sim at, for the media files it serves
    /// (e.g. `http://sim:8090` in compose); default the bound address.
    #[arg(long)]
    public_url: Option<String>,
    /// Fraction of corpus posts played as Facebook Page comments.
    #[arg(long, default_value_t = 0.0)]
    meta_fraction: f64,
    /// Fraction of posts that reach the mentions timeline late.
    #[arg(long, default_value_t = 0.0)]
    late_fraction: f64,
    /// How late, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    late_ms: u64,
    #[arg(long, requires = "x_consumer_secret")]
    x_webhook_url: Option<String>,
    #[arg(long, env = "TVARIT_SIM_X_CONSUMER_SECRET", hide_env_values = true)]
    x_consumer_secret: Option<String>,
    #[arg(long, requires_all = ["meta_app_secret", "meta_verify_token"])]
    meta_webhook_url: Option<String>,
    #[arg(long, env = "TVARIT_SIM_META_APP_SECRET", hide_env_values = true)]
    meta_app_secret: Option<String>,
    #[arg(long, env = "TVARIT_SIM_META_VERIFY_TOKEN", hide_env_values = true)]
    meta_verify_token: Option<String>,
    /// The only Page access token the Graph API accepts (default: any).
    #[arg(long)]
    meta_page_token: Option<String>,
    /// Meta calls per Page per hour before error code 32.
    #[arg(long, default_value_t = 4800)]
    meta_hourly_limit: u32,
    /// Our YouTube channels, `UC…=@handle` (repeat); default: UCrajpolice000000000001=@PoliceRajasthan.
    #[arg(long = "youtube-channel")]
    youtube_channels: Vec<String>,
    /// YouTube Data API quota units per Pacific day (then 403 quotaExceeded).
    #[arg(long, default_value_t = 10_000)]
    youtube_daily_quota: u32,
    /// The only API key the YouTube Data API accepts (default: any).
    #[arg(long)]
    youtube_api_key: Option<String>,
    /// `TOKEN=UC…`: an OAuth token acting for one of our channels (repeat;
    /// default: any bearer token acts as the channel that owns the video).
    #[arg(long = "youtube-token")]
    youtube_tokens: Vec<String>,
    /// A bearer token that is app-only: refused on user-context endpoints (repeat).
    #[arg(long = "x-app-token")]
    x_app_tokens: Vec<String>,
    /// `TOKEN=@handle`: a user token acting for one of our accounts (repeat).
    #[arg(long = "x-user-token")]
    x_user_tokens: Vec<String>,
    /// `CLIENT_ID[:SECRET]`: an app that may get OAuth 2.0 user tokens at
    /// POST /2/oauth2/token (repeat; with a secret it is a confidential client).
    #[arg(long = "x-oauth-client")]
    x_oauth_clients: Vec<String>,
    /// Lifetime of issued OAuth 2.0 access tokens, in seconds.
    #[arg(long, default_value_t = 7200)]
    x_token_ttl_secs: u64,
    /// `APP_ID:APP_SECRET`: the Meta app `debug_token` is called as.
    #[arg(long)]
    meta_app: Option<String>,
    /// The Page token ends this many seconds after the sim starts, as
    /// `debug_token` reports (default: never, as a Page token from a
    /// long-lived user token).
    #[arg(long)]
    meta_page_token_expires_in_secs: Option<i64>,
    /// `CONSUMER_KEY:CONSUMER_SECRET:TOKEN:TOKEN_SECRET`: OAuth 1.0a keys
    /// whose request signatures the sim checks (repeat; none: unchecked).
    #[arg(long = "x-oauth1")]
    x_oauth1: Vec<String>,
    /// `CLIENT_ID:SECRET`: a Google OAuth client for YouTube channels (repeat).
    #[arg(long = "google-oauth-client")]
    google_oauth_clients: Vec<String>,
    /// Lifetime of issued Google access tokens, in seconds (Google: 3599).
    #[arg(long, default_value_t = 3599)]
    google_token_ttl_secs: u64,
    /// POST /2/tweets per user per window.
    #[arg(long, default_value_t = 100)]
    x_post_limit: u32,
    /// GET mentions per user (or app) per window.
    #[arg(long, default_value_t = 300)]
    x_mentions_limit: u32,
    /// Rate-limit window in seconds.
    #[arg(long, default_value_t = 900)]
    x_window_secs: u64,
    /// Seconds between stream keep-alives.
    #[arg(long, default_value_t = 10)]
    keepalive_secs: u64,
    /// Let the stream connect with no rules (X answers 409 otherwise).
    #[arg(long)]
    stream_allow_no_rules: bool,
    #[arg(long, value_enum, default_value_t = Scope::Post)]
    duplicate_scope: Scope,
    /// Edit-history field name: `tweet` (edit_history_tweet_ids) or `post` (Aug-2026 spec).
    #[arg(long, value_enum, default_value_t = Naming::Tweet)]
    post_naming: Naming,
    /// Seed for the random choices (late posts, faults, Meta share).
    #[arg(long)]
    seed: Option<u64>,
    /// Fault: the next N API calls are throttled (429 / code 32).
    #[arg(long, default_value_t = 0)]
    throttle_next: u32,
    /// Fault: fraction of API calls answered with a 5xx.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Fault: milliseconds added to every API response.
    #[arg(long, default_value_t = 0)]
    slow_ms: u64,
    /// Fault: drop each stream connection after N s.
    #[arg(long, default_value_t = 0)]
    stream_drop_secs: u64,
    /// Fault: send an operational-disconnect on each stream after N s.
    #[arg(long, default_value_t = 0)]
    stream_disconnect_secs: u64,
    /// Fault: cut the next N stream lines mid-JSON (and close).
    #[arg(long, default_value_t = 0)]
    truncate_lines: u32,
    /// Fault: fraction of webhook deliveries sent twice.
    #[arg(long, default_value_t = 0.0)]
    duplicate_webhooks: f64,
    /// Fault: POST /2/tweets answers 429 UsageCapExceeded.
    #[arg(long)]
    usage_cap: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum Scope {
    Post,
    Account,
}

#[derive(Clone, Copy, ValueEnum)]
enum Naming {
    Tweet,
    Post,
}

fn config(cli: Cli) -> anyhow::Result<SimConfig> {
    let corpus_text = match &cli.corpus {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?,
        None => tvarit_sim::config::DEFAULT_CORPUS.to_owned(),
    };
    let corpus = parse_corpus(&corpus_text).map_err(anyhow::Error::msg)?;
    let accounts = if cli.accounts.is_empty() {
        Account::defaults()
    } else {
        cli.accounts.iter().map(|a| Account::parse(a)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?
    };
    let pages = if cli.pages.is_empty() {
        Page::defaults()
    } else {
        cli.pages.iter().map(|p| Page::parse(p)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?
    };
    let instagram_accounts = if cli.instagram_accounts.is_empty() {
        Page::instagram_defaults()
    } else {
        cli.instagram_accounts.iter().map(|p| Page::parse(p)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?
    };
    let mut x_user_tokens = Vec::new();
    for spec in &cli.x_user_tokens {
        let Some((token, handle)) = spec.rsplit_once('=') else {
            bail!("--x-user-token wants TOKEN=@handle, got {spec:?}")
        };
        if !accounts.iter().any(|a| a.username.eq_ignore_ascii_case(handle.trim_start_matches('@'))) {
            bail!("--x-user-token {handle}: not one of the accounts");
        }
        x_user_tokens.push((token.to_owned(), handle.trim_start_matches('@').to_owned()));
    }
    let youtube_channels = if cli.youtube_channels.is_empty() {
        Channel::defaults()
    } else {
        cli.youtube_channels.iter().map(|c| Channel::parse(c)).collect::<Result<_, _>>().map_err(anyhow::Error::msg)?
    };
    let mut youtube_tokens = Vec::new();
    for spec in &cli.youtube_tokens {
        let Some((token, channel)) = spec.rsplit_once('=') else {
            bail!("--youtube-token wants TOKEN=UC…, got {spec:?}")
        };
        if !youtube_channels.iter().any(|c: &Channel| c.id == channel) {
            bail!("--youtube-token {channel}: not one of the channels");
        }
        youtube_tokens.push((token.to_owned(), channel.to_owned()));
    }
    for (name, f) in [("--late-fraction", cli.late_fraction), ("--meta-fraction", cli.meta_fraction)] {
        if !(0.0..=1.0).contains(&f) {
            bail!("{name} is a fraction between 0 and 1, got {f}");
        }
    }
    if cli.rate < 0.0 || !cli.rate.is_finite() {
        bail!("--rate must be 0 or more");
    }
    Ok(SimConfig {
        accounts,
        pages,
        instagram_accounts,
        public_url: cli.public_url,
        corpus,
        rate: cli.rate,
        burst: cli.burst.max(1),
        count: cli.count,
        meta_fraction: cli.meta_fraction,
        late_fraction: cli.late_fraction,
        late_delay: Duration::from_millis(cli.late_ms),
        x_webhook: cli
            .x_webhook_url
            .map(|url| XWebhook { url, consumer_secret: cli.x_consumer_secret.unwrap_or_default() }),
        meta_webhook: cli.meta_webhook_url.map(|url| MetaWebhook {
            url,
            app_secret: cli.meta_app_secret.unwrap_or_default(),
            verify_token: cli.meta_verify_token.unwrap_or_default(),
        }),
        x_app_tokens: cli.x_app_tokens,
        x_user_tokens,
        x_oauth_clients: cli
            .x_oauth_clients
            .iter()
            .map(|c| OAuthClient::parse(c))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        x_token_ttl: Duration::from_secs(cli.x_token_ttl_secs.max(1)),
        x_oauth1: cli
            .x_oauth1
            .iter()
            .map(|k| tvarit_sim::x_oauth1::OAuth1Keys::parse(k))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        google_oauth_clients: cli
            .google_oauth_clients
            .iter()
            .map(|c| OAuthClient::parse(c))
            .collect::<Result<_, _>>()
            .map_err(anyhow::Error::msg)?,
        google_token_ttl: Duration::from_secs(cli.google_token_ttl_secs.max(1)),
        meta_page_token: cli.meta_page_token,
        meta_app_token: cli.meta_app.map(|a| a.replacen(':', "|", 1)),
        meta_page_token_expires_at: cli.meta_page_token_expires_in_secs.map(|s| chrono::Utc::now().timestamp() + s),
        limits: XLimits {
            window: Duration::from_secs(cli.x_window_secs.max(1)),
            post_tweets: cli.x_post_limit,
            mentions: cli.x_mentions_limit,
            ..XLimits::default()
        },
        meta_hourly_limit: cli.meta_hourly_limit,
        youtube_channels,
        youtube_daily_quota: cli.youtube_daily_quota,
        youtube_api_key: cli.youtube_api_key,
        youtube_tokens,
        keepalive: Duration::from_secs(cli.keepalive_secs.max(1)),
        stream_requires_rules: !cli.stream_allow_no_rules,
        duplicate_scope: match cli.duplicate_scope {
            Scope::Post => DuplicateScope::Post,
            Scope::Account => DuplicateScope::Account,
        },
        post_naming: match cli.post_naming {
            Naming::Tweet => PostNaming::Tweet,
            Naming::Post => PostNaming::Post,
        },
        faults: Faults {
            throttle_next: cli.throttle_next,
            error_rate: cli.error_rate,
            slow_ms: cli.slow_ms,
            slow_after_create_ms: 0,
            stream_drop_secs: cli.stream_drop_secs,
            stream_disconnect_secs: cli.stream_disconnect_secs,
            stream_stall: false,
            truncate_next_lines: cli.truncate_lines,
            duplicate_webhooks: cli.duplicate_webhooks,
            usage_cap: cli.usage_cap,
        },
        seed: cli.seed,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,hyper=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    let listen = cli.listen.clone();
    let config = config(cli)?;
    let listener =
        tokio::net::TcpListener::bind(&listen).await.with_context(|| format!("binding --listen {listen}"))?;
    let addr = listener.local_addr()?;
    // Tests and scripts read this line to find the port.
    println!("{}", serde_json::json!({"message": "ready", "http_addr": addr.to_string()}));
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signal(shutdown.clone()));
    let summary = tvarit_sim::run(config, listener, shutdown).await?;
    println!("{}", serde_json::to_string(&summary)?);
    Ok(())
}

async fn stop_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "no SIGTERM handler");
                let _ = ctrl_c.await;
                shutdown.cancel();
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("stopping");
    shutdown.cancel();
}
