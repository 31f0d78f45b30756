//! `tvarit-reply accounts connect ACCOUNT`: connects an X account (OAuth 2.0
//! Authorization Code with PKCE) or a YouTube channel (Google's OAuth) so
//! Tvarit can post as it for months.
//!
//! 1. prints the consent address (stdout, one line) and keeps the PKCE
//!    verifier, sealed, in `account_authorizations`;
//! 2. a person opens it, signs in as the account and allows Tvarit; the
//!    provider redirects to the redirect URI with `code` and `state`;
//! 3. the person pastes that address (or the code) on stdin, or runs the
//!    command again with `--code`; Tvarit exchanges it, seals the tokens in
//!    `account_credentials`, and the account's waiting replies go out.

use std::io::BufRead;

use anyhow::{Context, bail};
use chrono::{TimeDelta, Utc};
use sqlx::PgPool;
use tvarit_platforms::oauth2::{self, Pkce, TokenClient, Tokens};
use tvarit_registry::{Account, Registry};

use super::env::EnvCredentials;
use super::seal::{self, SealError, SealKey};
use super::store::{self, Authorization, CHANNEL, Sealed};
use crate::config::ReplyConfig;
use crate::store::audit;

pub struct ConnectArgs {
    pub account: String,
    /// The code, or the whole redirect address, from an earlier run's consent.
    pub code: Option<String>,
}

/// Where consent happens and where its code is exchanged, per platform.
struct Provider {
    authorize: String,
    scopes: &'static str,
    extra: &'static [(&'static str, &'static str)],
    redirect_uri: String,
    tokens: TokenClient,
}

fn provider(platform: &str, config: &ReplyConfig, env: &EnvCredentials) -> anyhow::Result<Provider> {
    let http = tvarit_platforms::http_client();
    match platform {
        "x" => {
            let client = env.x_client.clone().context("set TVARIT_X_CLIENT_ID (and TVARIT_X_CLIENT_SECRET for a confidential client) from X's developer portal")?;
            Ok(Provider {
                authorize: config.reply_x_authorize_url.clone(),
                scopes: oauth2::X_SCOPES,
                extra: &[],
                redirect_uri: config.reply_x_redirect_uri.clone(),
                tokens: TokenClient::x(http, &config.reply_x_api_base, client),
            })
        }
        "youtube" => {
            let client = env.google_client.clone().context(
                "set TVARIT_YOUTUBE_CLIENT_ID and TVARIT_YOUTUBE_CLIENT_SECRET from the Google Cloud console",
            )?;
            Ok(Provider {
                authorize: config.reply_google_authorize_url.clone(),
                scopes: oauth2::YOUTUBE_SCOPES,
                // A refresh token, and one every time (Google gives it only at first consent otherwise).
                extra: &[("access_type", "offline"), ("prompt", "consent")],
                redirect_uri: config.reply_google_redirect_uri.clone(),
                tokens: TokenClient::new(http, "google", &config.reply_google_token_url, client),
            })
        }
        "facebook" | "instagram" => bail!(
            "Meta Page tokens are not connected here: put the Page token in TVARIT_META_PAGE_TOKEN_<HANDLE> \
             (docs/platforms.md); Tvarit checks it and alerts before it ends"
        ),
        other => bail!("Tvarit does not post on {other}"),
    }
}

pub async fn connect(
    pool: &PgPool,
    registry: &Registry,
    config: &ReplyConfig,
    args: ConnectArgs,
    actor: &str,
) -> anyhow::Result<()> {
    let account =
        registry.account(&args.account).with_context(|| format!("{} is not in the registry", args.account))?;
    let env = EnvCredentials::read(registry)?;
    let p = provider(&account.platform, config, &env)?;
    let key = SealKey::from_env()?.ok_or(SealError::NoKey)?;
    let pasted = match args.code {
        Some(code) => code,
        None => {
            let pkce = Pkce::generate();
            let state = oauth2::random_state();
            let pending = Authorization {
                state: state.clone(),
                account: account.handle.to_lowercase(),
                platform: account.platform.clone(),
                redirect_uri: p.redirect_uri.clone(),
                sealed_verifier: key.seal(&seal::verifier_context(&state), pkce.verifier.as_bytes()),
            };
            store::begin_authorization(pool, &pending).await?;
            let url = oauth2::authorize_url(
                &p.authorize,
                p.tokens.client_id(),
                &p.redirect_uri,
                p.scopes,
                &state,
                &pkce,
                p.extra,
            );
            println!("{url}");
            eprintln!(
                "Open the address above, sign in as {} and allow Tvarit. Then paste the address you were sent to \
                 (or its code) here and press Enter:",
                account.handle
            );
            let line = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line).map(|_| line)
            })
            .await??;
            if line.trim().is_empty() {
                eprintln!(
                    "No code read. When you have it: tvarit-reply accounts connect {} --code '<address or code>'",
                    account.handle
                );
                return Ok(());
            }
            line
        }
    };
    let (code, state) = oauth2::parse_callback(&pasted)?;
    let pending = store::find_authorization(pool, &account.handle, state.as_deref())
        .await?
        .context("no consent in progress for this account (or it is over an hour old): run `accounts connect` without --code first")?;
    finish(pool, &key, &p, account, &pending, &code, actor).await
}

async fn finish(
    pool: &PgPool,
    key: &SealKey,
    p: &Provider,
    account: &Account,
    pending: &Authorization,
    code: &str,
    actor: &str,
) -> anyhow::Result<()> {
    let verifier = key.open(&seal::verifier_context(&pending.state), &pending.sealed_verifier)?;
    let verifier = String::from_utf8(verifier).context("the stored verifier")?;
    let r = p.tokens.exchange_code(code, &pending.redirect_uri, &verifier).await?;
    let tokens = Tokens { access_token: r.access_token.clone(), refresh_token: r.refresh_token.clone() };
    let handle = account.handle.to_lowercase();
    let plain = serde_json::to_vec(&tokens)?;
    let sealed = key.seal(&seal::credential_context(&handle, &account.platform), &plain);
    let expires_at = r.expires_in.map(|s| Utc::now() + TimeDelta::seconds(s as i64));
    let scope = r.scope.clone().unwrap_or_default();
    let s = Sealed { sealed: &sealed, renewable: tokens.refresh_token.is_some(), expires_at, scope: &scope };
    let mut tx = pool.begin().await?;
    let generation = store::save_connected(&mut tx, &handle, &account.handle, &account.platform, &s).await?;
    store::end_authorization(&mut tx, &pending.state).await?;
    // Replies that waited for this account go out now.
    let waiting =
        sqlx::query("UPDATE replies SET next_attempt_at = now() WHERE status = 'pending' AND lower(account) = $1")
            .bind(&handle)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    let detail =
        format!("platform={} scope={scope} renewable={} generation={generation}", account.platform, s.renewable);
    audit::append(
        &mut tx,
        audit::Entry { actor, action: "account.connect", subject: &account.handle, detail: &detail },
    )
    .await?;
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut *tx).await?;
    tx.commit().await?;
    let until = expires_at.map_or_else(|| "no stated end".to_owned(), |t| t.to_rfc3339());
    println!(
        "connected {} on {}: access token until {until}; {waiting} waiting replies released",
        account.handle, account.platform
    );
    if !s.renewable {
        eprintln!(
            "warning: no refresh token was granted, so the connection ends with this access token; check the app's scopes (X: offline.access)"
        );
    }
    Ok(())
}
