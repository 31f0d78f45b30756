//! Meta Page tokens, watched: a long-lived Page token has no refresh
//! token, and is invalidated by things Tvarit never sees (a password
//! change, a role removed). Every `reply_meta_token_check_seconds` each
//! configured Page token is checked with `debug_token`; an invalidated one
//! is alerted at once, and one that will end is alerted
//! `reply_meta_token_warn_days` (7) days before, each state once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio_util::sync::CancellationToken;
use tvarit_config::ExposeSecret;
use tvarit_platforms::meta::MetaClient;
use tvarit_platforms::meta::token::TokenInfo;

use super::Credentials;
use crate::alerts::account::{AccountAlert, raise};

/// What a check concludes, given what was alerted before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `ok`, `expiring` or `reconnect needed`.
    pub status: &'static str,
    /// What to remember as alerted ("" once the token is fine again).
    pub alerted: String,
    /// A new alert: its key and reason.
    pub alert: Option<(String, String)>,
}

/// Decides a Page token's state at `now` from Meta's answer.
pub fn judge(info: &TokenInfo, now: DateTime<Utc>, warn: TimeDelta, alerted: &str) -> Verdict {
    if !info.is_valid {
        if alerted.starts_with("invalid/") {
            return Verdict { status: "reconnect needed", alerted: alerted.into(), alert: None };
        }
        let key = format!("invalid/{}", now.timestamp());
        let words = info.error.clone().unwrap_or_else(|| "Meta says the Page token is not valid".into());
        return Verdict { status: "reconnect needed", alerted: key.clone(), alert: Some((key, words)) };
    }
    let ends = info.expires_at.and_then(|t| DateTime::from_timestamp(t, 0));
    match ends {
        Some(end) if end - now <= warn => {
            let key = format!("expiring/{}", end.timestamp());
            let days = (end - now).num_hours() as f64 / 24.0;
            let reason = format!("the Page token ends on {} (in {days:.1} days)", end.format("%Y-%m-%d %H:%M UTC"));
            let alert = (alerted != key).then(|| (key.clone(), reason));
            Verdict { status: "expiring", alerted: key, alert }
        }
        _ => Verdict { status: "ok", alerted: String::new(), alert: None },
    }
}

pub struct MetaWatch {
    pub creds: Arc<Credentials>,
    pub client: MetaClient,
    pub every: Duration,
    pub warn: TimeDelta,
}

impl MetaWatch {
    pub async fn run(self, shutdown: CancellationToken) {
        let Some((app_id, app_secret)) = self.creds.env.meta_app.clone() else {
            if !self.creds.env.meta_tokens.is_empty() {
                tracing::warn!(
                    "TVARIT_META_APP_ID and TVARIT_META_APP_SECRET are not both set: Page tokens are not checked, \
                     and an invalidated one is noticed only when a reply fails"
                );
            }
            return;
        };
        loop {
            for (account, token) in &self.creds.env.meta_tokens {
                let checked = self.client.debug_token(token.expose_secret(), &app_id, app_secret.expose_secret()).await;
                if let Err(e) = self.record(account, checked).await {
                    tracing::warn!(%account, error = %e, "meta token check");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }

    async fn record(
        &self,
        account: &str,
        checked: Result<TokenInfo, tvarit_platforms::PlatformError>,
    ) -> Result<(), sqlx::Error> {
        let creds = &self.creds;
        let registered = creds.registry.account(account);
        let handle = registered.map_or(account, |a| a.handle.as_str());
        let platform = registered.map_or("facebook", |a| a.platform.as_str());
        let info = match checked {
            Ok(info) => info,
            Err(e) => {
                tracing::warn!(account = %handle, error = %e, "meta token check failed; trying again later");
                sqlx::query("UPDATE account_checks SET last_error = $2 WHERE account = $1")
                    .bind(account)
                    .bind(e.to_string())
                    .execute(&creds.pool)
                    .await?;
                return Ok(());
            }
        };
        let mut tx = creds.pool.begin().await?;
        let alerted: String = sqlx::query_scalar("SELECT alerted FROM account_checks WHERE account = $1 FOR UPDATE")
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_default();
        let now = Utc::now();
        let verdict = judge(&info, now, self.warn, &alerted);
        let expires_at = info.expires_at.and_then(|t| DateTime::from_timestamp(t, 0));
        sqlx::query(
            "INSERT INTO account_checks (account, platform, is_valid, expires_at, checked_at, last_error, alerted)
             VALUES ($1, $2, $3, $4, now(), $5, $6)
             ON CONFLICT (account) DO UPDATE SET is_valid = $3, expires_at = $4, checked_at = now(),
                 last_error = $5, alerted = $6",
        )
        .bind(account)
        .bind(platform)
        .bind(info.is_valid)
        .bind(expires_at)
        .bind(&info.error)
        .bind(&verdict.alerted)
        .execute(&mut *tx)
        .await?;
        if let Some((key, reason)) = &verdict.alert {
            let unit = creds.unit_of(account);
            let alert = AccountAlert {
                handle,
                platform,
                unit: &unit,
                status: verdict.status,
                reason,
                expires_at,
                key: key.clone(),
            };
            raise(&mut tx, &alert).await?;
            tracing::warn!(account = %handle, status = verdict.status, %reason, "meta page token alert raised");
        }
        tx.commit().await?;
        let ok = if verdict.status == "reconnect needed" { 0.0 } else { 1.0 };
        metrics::gauge!("tvarit_account_token_ok", "account" => handle.to_owned()).set(ok);
        if let Some(end) = expires_at {
            let left = (end - now).num_seconds().max(0) as f64;
            metrics::gauge!("tvarit_account_token_expires_seconds", "account" => handle.to_owned()).set(left);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(is_valid: bool, expires_in_days: Option<i64>, now: DateTime<Utc>) -> TokenInfo {
        let expires_at = expires_in_days.map(|d| (now + TimeDelta::days(d)).timestamp());
        TokenInfo { is_valid, expires_at, error: (!is_valid).then(|| "The user changed their password.".into()) }
    }

    #[test]
    fn alerts_an_invalidated_token_at_once_and_only_once() {
        let now = Utc::now();
        let week = TimeDelta::days(7);
        let first = judge(&info(false, None, now), now, week, "");
        assert_eq!(first.status, "reconnect needed");
        let (key, reason) = first.alert.clone().unwrap();
        assert!(key.starts_with("invalid/") && reason.contains("changed their password"));
        let again = judge(&info(false, None, now), now + TimeDelta::hours(6), week, &first.alerted);
        assert_eq!(again.alert, None, "the same invalidation is not alerted twice");
        // Fixed, then invalidated again: a new alert.
        let fixed = judge(&info(true, None, now), now, week, &again.alerted);
        assert_eq!((fixed.status, fixed.alerted.as_str(), fixed.alert.is_none()), ("ok", "", true));
        assert!(judge(&info(false, None, now), now + TimeDelta::days(1), week, &fixed.alerted).alert.is_some());
    }

    #[test]
    fn alerts_days_before_the_end_once_per_end() {
        let now = Utc::now();
        let week = TimeDelta::days(7);
        assert_eq!(judge(&info(true, Some(30), now), now, week, "").status, "ok");
        assert_eq!(judge(&info(true, None, now), now, week, "").status, "ok", "a Page token that never ends");
        let soon = judge(&info(true, Some(6), now), now, week, "");
        assert_eq!(soon.status, "expiring");
        assert!(soon.alert.as_ref().unwrap().1.contains("days"));
        assert_eq!(judge(&info(true, Some(6), now), now, week, &soon.alerted).alert, None);
        // A new token with a new end, also near: alerted anew.
        assert!(judge(&info(true, Some(5), now), now, week, &soon.alerted).alert.is_some());
    }
}
