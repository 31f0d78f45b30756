//! `tvarit-reply audit …` and `tvarit-reply retention …`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use tvarit_reply::config::ReplyConfig;
use tvarit_reply::open_database;
use tvarit_reply::records::{anchor, retention};
use tvarit_reply::store::audit;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain, then check it against every signed checkpoint
    /// (`TVARIT_REPLY_AUDIT_CHECKPOINT_FILE`): an edited, deleted, truncated
    /// or re-hashed log exits non-zero and says which.
    Verify,
    /// Write a signed checkpoint of the chain's head now (serve does it
    /// every `TVARIT_REPLY_AUDIT_CHECKPOINT_MINUTES`).
    Checkpoint,
    /// Write a new Ed25519 signing key to FILE (never overwrites); prints
    /// its public key.
    Keygen { file: PathBuf },
}

#[derive(Subcommand)]
pub enum RetentionCommand {
    /// Purge every finished case posted more than `TVARIT_REPLY_RETENTION_DAYS`
    /// ago (cases under legal hold stay).
    Apply {
        /// List what would be purged and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// One JSON object per case.
        #[arg(long)]
        json: bool,
    },
    /// Release a case's legal hold, so a later run may purge it.
    Release { docket: String },
}

pub async fn audit(cmd: AuditCommand, config: &ReplyConfig) -> anyhow::Result<()> {
    let records = &config.records;
    let key = || {
        anyhow::ensure!(
            !records.reply_audit_key_file.is_empty() && !records.reply_audit_checkpoint_file.is_empty(),
            "set TVARIT_REPLY_AUDIT_KEY_FILE and TVARIT_REPLY_AUDIT_CHECKPOINT_FILE"
        );
        Ok(anchor::read_key(&records.key_file())?)
    };
    match cmd {
        AuditCommand::Keygen { file } => {
            let public = anchor::generate_key(&file)?;
            println!("{public}");
        }
        AuditCommand::Checkpoint => {
            let (key, pool) = (key()?, open_database(config, false).await?);
            match anchor::write(&pool, &key, &records.checkpoint_file()).await? {
                Some(cp) => println!("checkpoint: entry {} ({} entries) {}", cp.id, cp.count, cp.head),
                None => println!("no new entries since the last checkpoint"),
            }
        }
        AuditCommand::Verify => {
            let pool = open_database(config, false).await?;
            let n = match audit::verify(&pool).await? {
                Ok(n) => n,
                Err(id) => anyhow::bail!("audit log broken at entry {id}: it or an earlier entry was altered"),
            };
            if records.reply_audit_key_file.is_empty() {
                println!("audit log intact: {n} entries");
                eprintln!("no signing key (TVARIT_REPLY_AUDIT_KEY_FILE): truncation and re-hashing not checked");
                return Ok(());
            }
            let public = key()?.verifying_key();
            let path = records.checkpoint_file();
            let checkpoints = anchor::read_checkpoints(&path)?.len();
            let findings = anchor::verify(&pool, &public, &path).await?;
            if !findings.is_empty() {
                let all: Vec<String> = findings.iter().map(ToString::to_string).collect();
                anyhow::bail!("audit log does not match its signed checkpoints:\n{}", all.join("\n"));
            }
            match checkpoints {
                0 => println!("audit log intact: {n} entries (no checkpoint yet in {})", path.display()),
                c => println!("audit log intact: {n} entries, matching {c} signed checkpoints"),
            }
        }
    }
    Ok(())
}

pub async fn retention(cmd: RetentionCommand, config: &ReplyConfig, actor: &str) -> anyhow::Result<()> {
    let pool = open_database(config, false).await?;
    match cmd {
        RetentionCommand::Release { docket } => {
            retention::release(&pool, &docket, actor).await?;
            println!("{docket}: legal hold released");
        }
        RetentionCommand::Apply { dry_run, json } => {
            let days = config.records.reply_retention_days;
            anyhow::ensure!(days > 0, "TVARIT_REPLY_RETENTION_DAYS is 0: records are kept for ever");
            let policy = retention::Policy::days(days);
            if dry_run {
                let due = retention::due(&pool, &policy).await.context("listing what is due")?;
                for d in &due {
                    let action = if d.held { "held" } else { "purge" };
                    if json {
                        let row = serde_json::json!({
                            "docket": d.docket, "unit": d.unit, "state": d.state,
                            "posted_at": d.post_created_at.to_rfc3339(), "action": action,
                        });
                        println!("{row}");
                    } else {
                        println!("{}\t{}\t{}\t{}\t{action}", d.docket, d.unit, d.state, d.post_created_at.to_rfc3339());
                    }
                }
                if !json {
                    let held = due.iter().filter(|d| d.held).count();
                    println!("would purge {} cases posted before {} ({held} held)", due.len() - held, policy.cutoff);
                }
                return Ok(());
            }
            let done = retention::apply(&pool, &policy, actor).await?;
            println!(
                "purged {} cases posted before {} ({} held), {} hand-over notes",
                done.cases, policy.cutoff, done.held, done.handover_notes
            );
        }
    }
    Ok(())
}
