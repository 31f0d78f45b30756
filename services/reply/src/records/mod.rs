//! Records kept as long as the law asks and no longer, and protected while
//! kept: the retention of posts and personal data (`retention`), and signed
//! checkpoints that anchor the audit chain outside its table (`anchor`).
//! Both run daily / every few minutes inside `serve`, and from the command
//! line (`tvarit-reply retention apply`, `tvarit-reply audit checkpoint`).

pub mod anchor;
pub mod redact;
pub mod retention;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

/// `TVARIT_REPLY_AUDIT_*` and `TVARIT_REPLY_RETENTION_*`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordsConfig {
    /// Ed25519 seed (64 hex characters) that signs audit checkpoints; empty:
    /// no checkpoints. Keep it where the database's administrators cannot
    /// read it (`tvarit-reply audit keygen FILE` writes one).
    pub reply_audit_key_file: String,
    /// Where signed checkpoints are appended (one JSON line each).
    pub reply_audit_checkpoint_file: String,
    /// Minutes between checkpoints (one is written only when the head moved).
    pub reply_audit_checkpoint_minutes: f64,
    /// Days a case's post text, author and personal data are kept after the
    /// post; then they are purged (the case, its figures and the audit chain
    /// stay). 0 keeps them for ever.
    pub reply_retention_days: u32,
    /// Hours between retention runs inside `serve`.
    pub reply_retention_every_hours: f64,
}

impl Default for RecordsConfig {
    fn default() -> Self {
        Self {
            reply_audit_key_file: String::new(),
            reply_audit_checkpoint_file: String::new(),
            reply_audit_checkpoint_minutes: 5.0,
            reply_retention_days: retention::DEFAULT_DAYS,
            reply_retention_every_hours: 24.0,
        }
    }
}

impl RecordsConfig {
    /// Refuses settings that cannot work, naming the key; part of
    /// `ReplyConfig`'s `Validate`, so it stops every command.
    pub fn validate(&self) -> Result<(), tvarit_config::ConfigError> {
        for (key, v) in [
            ("reply_audit_checkpoint_minutes", self.reply_audit_checkpoint_minutes),
            ("reply_retention_every_hours", self.reply_retention_every_hours),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(tvarit_config::ConfigError::Invalid {
                    key,
                    message: format!("{v} must be a positive number"),
                });
            }
        }
        if self.reply_audit_key_file.is_empty() != self.reply_audit_checkpoint_file.is_empty() {
            return Err(tvarit_config::ConfigError::Invalid {
                key: "reply_audit_key_file",
                message: "set it and `reply_audit_checkpoint_file` both, or neither".into(),
            });
        }
        Ok(())
    }

    /// `serve` reads the signing key before it starts, so a missing or
    /// malformed key file stops it at once rather than at the first
    /// checkpoint. Not part of `validate`: the other commands do not need
    /// the key, and may run where it is not mounted.
    pub fn check_key(&self) -> anyhow::Result<()> {
        if !self.reply_audit_key_file.is_empty() {
            anchor::read_key(self.key_file().as_path())?;
        }
        Ok(())
    }

    pub fn key_file(&self) -> PathBuf {
        PathBuf::from(&self.reply_audit_key_file)
    }

    pub fn checkpoint_file(&self) -> PathBuf {
        PathBuf::from(&self.reply_audit_checkpoint_file)
    }
}

/// The periodic jobs of `serve`: a checkpoint every few minutes (when
/// configured) and retention every day (when a period is set).
pub async fn run(pool: PgPool, config: RecordsConfig, shutdown: CancellationToken) {
    let key = match config.reply_audit_key_file.is_empty() {
        true => None,
        false => match anchor::read_key(&config.key_file()) {
            Ok(k) => Some(k),
            Err(e) => {
                tracing::error!(error = %e, "audit checkpoints off");
                None
            }
        },
    };
    if key.is_none() {
        tracing::warn!("no audit signing key: truncating or re-hashing the audit log would not be detected");
    }
    if key.is_none() && config.reply_retention_days == 0 {
        return;
    }
    let every_checkpoint = Duration::from_secs_f64(config.reply_audit_checkpoint_minutes * 60.0);
    let every_retention = Duration::from_secs_f64(config.reply_retention_every_hours * 3600.0);
    let (mut next_checkpoint, mut next_retention) = (tokio::time::Instant::now(), tokio::time::Instant::now());
    loop {
        let now = tokio::time::Instant::now();
        if let Some(key) = &key
            && now >= next_checkpoint
        {
            if let Err(e) = anchor::write(&pool, key, &config.checkpoint_file()).await {
                tracing::warn!(error = %e, "audit checkpoint not written; will retry");
            }
            next_checkpoint = now + every_checkpoint;
        }
        if config.reply_retention_days > 0 && now >= next_retention {
            let policy = retention::Policy::days(config.reply_retention_days);
            match retention::apply(&pool, &policy, "system:retention").await {
                Ok(done) if done.cases > 0 => tracing::info!(cases = done.cases, "retention purged"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention run failed; will retry"),
            }
            next_retention = now + every_retention;
        }
        let wake = match (key.is_some(), config.reply_retention_days > 0) {
            (true, true) => next_checkpoint.min(next_retention),
            (true, false) => next_checkpoint,
            _ => next_retention,
        };
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
}
