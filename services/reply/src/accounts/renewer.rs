//! Renewing ahead of time: every stored credential is renewed
//! `reply_token_refresh_margin_seconds` (10 minutes) before its access token
//! ends, so a send seldom waits for a renewal. Woken at once by
//! `accounts connect` (PostgreSQL NOTIFY). Also keeps the per-account
//! gauges: `tvarit_account_token_ok{account}` (1/0) and
//! `tvarit_account_token_expires_seconds{account}`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sqlx::postgres::PgListener;
use tokio_util::sync::CancellationToken;

use super::Credentials;
use super::renew::Need;
use super::store::{CHANNEL, StoredRow};

/// The longest sleep between looks: a renewal that failed for the network
/// is retried within this, and the gauges stay fresh.
const MAX_WAIT: Duration = Duration::from_secs(30);
/// After a renewal attempt, look again this soon.
const AFTER_ATTEMPT: Duration = Duration::from_secs(5);

pub struct Renewer {
    pub creds: Arc<Credentials>,
}

/// The gauges of one stored credential.
fn gauges(row: &StoredRow, now: chrono::DateTime<Utc>) {
    let live = row.expires_at.is_none_or(|t| t > now);
    let ok = row.status == "ok" && (row.renewable || live);
    metrics::gauge!("tvarit_account_token_ok", "account" => row.handle.clone()).set(if ok { 1.0 } else { 0.0 });
    if let Some(t) = row.expires_at {
        let left = (t - now).num_seconds().max(0) as f64;
        metrics::gauge!("tvarit_account_token_expires_seconds", "account" => row.handle.clone()).set(left);
    }
}

impl Renewer {
    pub async fn run(self, shutdown: CancellationToken) {
        let mut listener = match PgListener::connect_with(&self.creds.pool).await {
            Ok(mut l) => l.listen(CHANNEL).await.ok().map(|_| l),
            Err(_) => None,
        };
        self.env_gauges();
        loop {
            let wait = match self.round().await {
                Ok(w) => w,
                Err(e) => {
                    tracing::warn!(error = %e, "credentials: renewing");
                    AFTER_ATTEMPT
                }
            };
            let woken = async {
                match listener.as_mut() {
                    Some(l) => {
                        if l.recv().await.is_err() {
                            tokio::time::sleep(wait).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
                _ = woken => {}
            }
        }
    }

    /// Accounts configured by the environment: usable as far as Tvarit can
    /// tell (a Page token's checks update its own gauge).
    fn env_gauges(&self) {
        let env = &self.creds.env;
        for handle in env.x_tokens.keys().chain(env.x_oauth1.keys()).chain(env.youtube_tokens.keys()) {
            let shown = self.creds.registry.account(handle).map_or_else(|| handle.clone(), |a| a.handle.clone());
            metrics::gauge!("tvarit_account_token_ok", "account" => shown).set(1.0);
        }
    }

    /// Renews what is due; returns how long to sleep.
    async fn round(&self) -> Result<Duration, sqlx::Error> {
        let rows = self.creds.reload().await?;
        let margin = chrono::TimeDelta::from_std(self.creds.margin).unwrap_or_default();
        let mut wait = MAX_WAIT;
        for row in rows {
            let now = Utc::now();
            gauges(&row, now);
            let (Some(end), true, true) = (row.expires_at, row.status == "ok", row.renewable) else { continue };
            let due = end - margin;
            if due > now {
                wait = wait.min((due - now).to_std().unwrap_or(AFTER_ATTEMPT));
                continue;
            }
            // Errors are recorded on the row (and alerted when refused).
            if let Err(e) = self.creds.renew(&row.account, Need::Margin).await {
                tracing::warn!(account = %row.handle, error = %e, "credentials: ahead-of-time renewal");
            }
            wait = wait.min(AFTER_ATTEMPT);
        }
        Ok(wait.max(Duration::from_millis(200)))
    }
}
