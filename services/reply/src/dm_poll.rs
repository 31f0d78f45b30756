//! X direct messages where the access tier has no Account Activity
//! webhooks: every `reply_x_dm_poll_seconds` each X account Tvarit sends
//! for is asked for its DM events (`GET /2/dm_events`, scope `dm.read`)
//! with its own user token, which only reply holds. A person's new message
//! is handed to ingest's signed `POST /v1/posts` as a private post (source
//! `x-dm-poll`), so it is archived, classified and queued like every post,
//! and is one post with the same message seen by webhook (same event id).
//! The checkpoint moves only past messages ingest accepted.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;
use tvarit_platforms::x::XClient;
use tvarit_platforms::x::dm::{DmEvent, DmEvents};
use tvarit_registry::{Account, Registry};

use crate::accounts::Credentials;

/// Pages read in one poll at most (100 events each): a backlog beyond is
/// read on the next polls, oldest first after the checkpoint.
const MAX_PAGES: usize = 5;

pub struct DmPoller {
    pub pool: PgPool,
    pub creds: Arc<Credentials>,
    pub registry: Registry,
    pub x: XClient,
    pub http: reqwest::Client,
    /// Ingest's `.../v1/posts`.
    pub ingest_posts_url: String,
    /// `TVARIT_INGEST_WEBHOOK_SECRET`, shared with ingest.
    pub secret: SecretString,
    pub every: Duration,
}

/// A message to hand over: the event and its sender's username and name.
struct Incoming {
    event: DmEvent,
    handle: String,
    name: String,
}

fn id_of(e: &DmEvent) -> u64 {
    e.id.parse().unwrap_or(0)
}

impl DmPoller {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            let accounts: Vec<Account> = self
                .registry
                .accounts()
                .filter(|a| a.platform == "x" && self.creds.can_send("x", &a.handle))
                .cloned()
                .collect();
            for a in &accounts {
                match self.poll(a).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(account = %a.handle, messages = n, "x direct messages handed to ingest"),
                    Err(e) => tracing::warn!(account = %a.handle, error = %e, "polling x direct messages"),
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.every) => {}
            }
        }
    }

    /// One poll of one account; how many messages ingest accepted.
    async fn poll(&self, account: &Account) -> anyhow::Result<usize> {
        let Some(own) = account.platform_id.clone() else {
            anyhow::bail!(
                "{} has no platform_id in the registry: its own messages cannot be told apart",
                account.handle
            );
        };
        let checkpoint: Option<String> = sqlx::query_scalar("SELECT newest_id FROM dm_checkpoints WHERE account = $1")
            .bind(&account.handle)
            .fetch_optional(&self.pool)
            .await?;
        let since = checkpoint.as_deref().map(|c| c.parse::<u64>().unwrap_or(0));
        let (newest, mut incoming) = self.read_since(account, &own, since).await?;
        let Some(since) = since else {
            // The first poll starts at the newest message, handing none over.
            self.store(account, newest.unwrap_or(0)).await?;
            return Ok(0);
        };
        incoming.sort_by_key(|m| id_of(&m.event));
        let mut handed = 0;
        let mut moved = since;
        for m in incoming {
            match self.hand_over(account, &own, &m).await {
                Ok(()) => handed += 1,
                // Ingest refused this one for good (e.g. no text): skip it, say so.
                Err(HandOver::Refused(why)) => {
                    tracing::warn!(account = %account.handle, event = %m.event.id, %why, "x direct message refused by ingest");
                }
                Err(HandOver::Unavailable(why)) => {
                    self.store(account, moved).await?;
                    anyhow::bail!("ingest cannot take direct messages now: {why}");
                }
            }
            moved = id_of(&m.event);
        }
        // Events that were only ours (or nothing new) still move the checkpoint.
        self.store(account, moved.max(newest.unwrap_or(0))).await?;
        Ok(handed)
    }

    /// The newest event id seen, and the people's messages after `since`.
    async fn read_since(
        &self,
        account: &Account,
        own: &str,
        since: Option<u64>,
    ) -> anyhow::Result<(Option<u64>, Vec<Incoming>)> {
        let (mut newest, mut out, mut token) = (None, Vec::new(), None::<String>);
        for _ in 0..MAX_PAGES {
            let page: DmEvents = self
                .creds
                .with_x(&account.handle, |auth| {
                    let token = token.clone();
                    async move { self.x.dm_events(&auth, token.as_deref()).await }
                })
                .await?;
            let mut reached = false;
            for e in &page.data {
                let id = id_of(e);
                newest = newest.max(Some(id));
                if since.is_none_or(|s| id <= s) {
                    reached = true;
                    break;
                }
                if e.event_type == "MessageCreate" && e.sender_id != own {
                    let sender = page.sender(e);
                    out.push(Incoming {
                        event: e.clone(),
                        handle: sender.map(|u| format!("@{}", u.username)).unwrap_or_default(),
                        name: sender.map(|u| u.name.clone()).unwrap_or_default(),
                    });
                }
            }
            token = page.meta.next_token.clone();
            if reached || token.is_none() {
                break;
            }
        }
        Ok((newest, out))
    }

    async fn hand_over(&self, account: &Account, own: &str, m: &Incoming) -> Result<(), HandOver> {
        let body = json!({
            "id": m.event.id,
            "text": m.event.text,
            "mentions": [account.handle],
            "platform": "x",
            "created_at": m.event.created_at,
            "author": { "id": m.event.sender_id, "handle": m.handle, "name": m.name },
            "conversation_id": format!("dm:{own}"),
            "private": true,
            "source": tvarit_proto::source::X_DM_POLL,
        })
        .to_string();
        // Ingest's `x-tvarit-signature`: HMAC-SHA256 of the raw body, hex.
        let mac = tvarit_platforms::hmac_sha256(self.secret.expose_secret().as_bytes(), body.as_bytes());
        let signature = format!("sha256={}", hex::encode(mac));
        let sent = self
            .http
            .post(&self.ingest_posts_url)
            .header("x-tvarit-signature", signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| HandOver::Unavailable(e.to_string()))?;
        let status = sent.status();
        let words = sent.text().await.unwrap_or_default();
        match status.as_u16() {
            200..=299 => Ok(()),
            400 | 413 | 422 => Err(HandOver::Refused(format!("{status}: {words}"))),
            _ => Err(HandOver::Unavailable(format!("{status}: {words}"))),
        }
    }

    async fn store(&self, account: &Account, newest: u64) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO dm_checkpoints (account, newest_id) VALUES ($1, $2)
             ON CONFLICT (account) DO UPDATE SET newest_id = EXCLUDED.newest_id, updated_at = now()",
        )
        .bind(&account.handle)
        .bind(newest.to_string())
        .execute(&self.pool)
        .await
        .map(|_| ())
    }
}

enum HandOver {
    Refused(String),
    Unavailable(String),
}
