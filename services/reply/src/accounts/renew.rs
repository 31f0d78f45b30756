//! Renewing a stored access token with its refresh token.
//!
//! The row is locked for the whole renewal (one at a time per account,
//! across replicas), and the answer, with X's rotated refresh token, is
//! committed before the new access token is returned to be used. A process
//! killed between the token endpoint's answer and the commit therefore
//! loses only that renewal: but X has already retired the refresh token
//! it answered, so the account then needs reconnecting. The window is one
//! database round trip.

use chrono::{TimeDelta, Utc};
use tvarit_platforms::oauth2::{OAuthError, TokenClient};

use super::store::{self, Sealed};
use super::{CredentialError, Credentials, SKEW, seal};
use crate::alerts::account::{AccountAlert, raise};

/// When an access token is renewed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Need {
    /// About to be used: renew if within `SKEW` of its end.
    Fresh,
    /// Ahead of time (the renewer): renew if within the margin of its end.
    Margin,
    /// The platform refused generation `n`: renew unless already replaced.
    Replace(i64),
}

/// Google answers without `expires_in` only in error; an hour is its usual.
const DEFAULT_LIFETIME: i64 = 3600;

impl Credentials {
    fn token_client(&self, platform: &str) -> Option<&TokenClient> {
        match platform {
            "x" => self.x_tokens.as_ref(),
            "youtube" => self.google_tokens.as_ref(),
            _ => None,
        }
    }

    /// Renews `account`'s access token if `need` says so; returns the
    /// token to use and its generation.
    pub(super) async fn renew(&self, account: &str, need: Need) -> Result<(String, i64), CredentialError> {
        let mut tx = self.pool.begin().await?;
        let Some(row) = store::lock(&mut tx, account).await? else {
            return Err(CredentialError::NotConfigured { platform: "stored".into(), handle: account.into() });
        };
        let handle = row.handle.clone();
        if row.status != "ok" {
            return Err(CredentialError::ReconnectNeeded { handle });
        }
        let now = Utc::now();
        let lasts = |d: TimeDelta| row.expires_at.is_none_or(|t| t > now + d);
        let keep = match need {
            Need::Fresh => lasts(SKEW),
            Need::Margin => lasts(TimeDelta::from_std(self.margin).unwrap_or(SKEW).max(SKEW)),
            Need::Replace(seen) => seen != row.generation && lasts(SKEW),
        };
        let tokens = self.tokens(&row)?;
        if keep {
            return Ok((tokens.access_token, row.generation));
        }
        let Some(client) = self.token_client(&row.platform) else {
            let detail = match row.platform.as_str() {
                "x" => "TVARIT_X_CLIENT_ID is not set, so the token cannot be renewed",
                _ => "TVARIT_YOUTUBE_CLIENT_ID is not set, so the token cannot be renewed",
            };
            store::note_error(&mut tx, account, detail).await?;
            tx.commit().await?;
            return Err(CredentialError::Unavailable { handle, detail: detail.into() });
        };
        let answer = match &tokens.refresh_token {
            Some(refresh) => client.refresh(refresh).await,
            None => Err(OAuthError::InvalidGrant {
                provider: "tvarit",
                description: "no refresh token was granted (the app must ask for offline access)".into(),
            }),
        };
        match answer {
            Ok(r) => {
                let renewed = tokens.renewed(&r);
                let plain = serde_json::to_vec(&renewed).expect("tokens serialise");
                let sealed = self.key()?.seal(&seal::credential_context(account, &row.platform), &plain);
                let lifetime = r.expires_in.map_or(DEFAULT_LIFETIME, |s| s as i64);
                let expires_at = Some(now + TimeDelta::seconds(lifetime));
                let s = Sealed {
                    sealed: &sealed,
                    renewable: renewed.refresh_token.is_some(),
                    expires_at,
                    scope: r.scope.as_deref().unwrap_or(""),
                };
                let generation = store::save_renewed(&mut tx, account, &s).await?;
                // Durable before use: X has already retired the old refresh token.
                tx.commit().await?;
                metrics::counter!("tvarit_account_token_renewals_total", "account" => handle.clone(), "outcome" => "ok")
                    .increment(1);
                tracing::info!(account = %handle, generation, expires_at = ?expires_at, "access token renewed");
                Ok((renewed.access_token, generation))
            }
            Err(e) if e.needs_person() => {
                let reason = e.to_string();
                store::mark_reconnect(&mut tx, account, &reason).await?;
                let alert = AccountAlert {
                    handle: &handle,
                    platform: &row.platform,
                    unit: &self.unit_of(account),
                    status: "reconnect needed",
                    reason: &reason,
                    expires_at: row.expires_at,
                    key: format!("reconnect_needed/{}", row.generation),
                };
                raise(&mut tx, &alert).await?;
                tx.commit().await?;
                metrics::counter!("tvarit_account_token_renewals_total", "account" => handle.clone(), "outcome" => "refused")
                    .increment(1);
                tracing::error!(account = %handle, %reason, "renewal refused: the account needs reconnecting");
                Err(CredentialError::ReconnectNeeded { handle })
            }
            Err(e) => {
                let detail = e.to_string();
                store::note_error(&mut tx, account, &detail).await?;
                tx.commit().await?;
                metrics::counter!("tvarit_account_token_renewals_total", "account" => handle.clone(), "outcome" => "retry")
                    .increment(1);
                tracing::warn!(account = %handle, %detail, "renewal failed; will retry");
                Err(CredentialError::Unavailable { handle, detail })
            }
        }
    }
}
