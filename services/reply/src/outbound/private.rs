//! Direct messages to a case's author, as the account the case came to:
//! X's `POST /2/dm_conversations/with/{id}/messages`, and Meta's Send API
//! for a Page (Messenger) or an Instagram account. After a crash during the
//! call only X can be asked what was sent; for Meta the message is left for
//! a person to check rather than sent twice.

use chrono::Utc;
use tvarit_platforms::PlatformError;
use tvarit_platforms::x::dm::find_sent;

use super::senders::{Outgoing, Senders, Sent, snowflake_time};

impl Senders {
    /// The account's own platform id: Meta's Send API is called on it, and
    /// X's messages are told apart by it.
    fn account_id(&self, r: &Outgoing) -> Result<String, PlatformError> {
        self.platform_id(&r.account).ok_or_else(|| PlatformError::Terminal {
            platform: "tvarit",
            status: 0,
            detail: format!("{} has no platform_id in the registry; a direct message needs it", r.account),
        })
    }

    pub(super) async fn send_private(&self, r: &Outgoing) -> Result<Sent, PlatformError> {
        match r.platform.as_str() {
            "x" => {
                let created = self
                    .creds
                    .with_x(&r.account, |auth| async move { self.x.send_dm(&auth, &r.in_reply_to, &r.text).await })
                    .await?;
                let at = snowflake_time(&created.dm_event_id)
                    .filter(|t| (Utc::now() - *t).num_seconds().abs() < 300)
                    .unwrap_or_else(Utc::now);
                Ok(Sent { reply_id: Some(created.dm_event_id), at })
            }
            "facebook" | "instagram" => {
                let Some(token) = self.creds.meta(&r.account) else { return Err(Self::unconfigured(&r.platform)) };
                let from = self.account_id(r)?;
                let sent = self.meta.send_message(token, &from, &r.in_reply_to, &r.text).await?;
                Ok(Sent { reply_id: Some(sent.message_id), at: Utc::now() })
            }
            other => Err(PlatformError::Terminal {
                platform: "tvarit",
                status: 0,
                detail: format!("{other} has no direct messages"),
            }),
        }
    }

    pub(super) async fn find_private(&self, r: &Outgoing) -> Result<Option<Sent>, PlatformError> {
        match r.platform.as_str() {
            "x" => {
                let own = self.account_id(r)?;
                let events = self
                    .creds
                    .with_x(&r.account, |auth| async move { self.x.dm_events_with(&auth, &r.in_reply_to).await })
                    .await?;
                Ok(find_sent(&events, &own, &r.text)
                    .map(|e| Sent { reply_id: Some(e.id.clone()), at: snowflake_time(&e.id).unwrap_or_else(Utc::now) }))
            }
            _ => Err(PlatformError::Terminal {
                platform: "tvarit",
                status: 0,
                detail: format!("cannot check {} for a direct message already sent; check by hand", r.platform),
            }),
        }
    }
}
