//! The audit chain anchored outside its table: signed checkpoints of its
//! head (`tvarit-reply audit checkpoint`, and serve's periodic one) let
//! `audit verify` report what the chain alone cannot: the newest entries
//! deleted, and the whole chain re-hashed after an edit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tvarit_e2e::{Service, TestEnv, eventually};

/// `tvarit-reply audit ARGS` → (success, stdout, stderr).
fn audit(env: &TestEnv, args: &[&str]) -> (bool, String, String) {
    let out = env.command("tvarit-reply").arg("audit").args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A test environment whose reply signs checkpoints with a fresh key, with
/// three audited actions and a checkpoint of them.
async fn anchored() -> TestEnv {
    let env = TestEnv::new().await;
    let key = env.dir.path().join("audit.key");
    let (ok, public, err) = audit(&env, &["keygen", key.to_str().unwrap()]);
    assert!(ok && public.trim().len() == 64, "{err}");
    let (again, _, err) = audit(&env, &["keygen", key.to_str().unwrap()]);
    assert!(!again && err.contains("exists"), "a key is never overwritten: {err}");
    env.set_env("TVARIT_REPLY_AUDIT_KEY_FILE", key.to_string_lossy());
    env.set_env("TVARIT_REPLY_AUDIT_CHECKPOINT_FILE", env.dir.path().join("checkpoints.jsonl").to_string_lossy());
    for name in ["asha", "vikram", "meena"] {
        env.operator(name, "operator", "balotra");
    }
    let (ok, out, err) = audit(&env, &["checkpoint"]);
    assert!(ok && out.starts_with("checkpoint: entry 3 (3 entries)"), "{out}{err}");
    let (ok, out, _) = audit(&env, &["checkpoint"]);
    assert!(ok && out.starts_with("no new entries"), "a checkpoint only when the head moved: {out}");
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_newest_audit_entries_is_reported() {
    let env = anchored().await;
    env.operator("later", "operator", "balotra");
    // A serving reply writes the next checkpoint on its own.
    env.set_env("TVARIT_REPLY_AUDIT_CHECKPOINT_MINUTES", "0.01");
    let reply = env.start(Service::Reply).await;
    let file = env.dir.path().join("checkpoints.jsonl");
    eventually(Duration::from_secs(20), "serve's checkpoint of entry 4", || {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        async move { text.lines().last().is_some_and(|l| l.starts_with("{\"id\":4,")).then_some(()) }
    })
    .await;
    let (ok, out, err) = audit(&env, &["verify"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "audit log intact: 4 entries, matching 2 signed checkpoints");

    // Trim the two newest: what remains is a valid chain on its own.
    let db = env.schema_pool("reply").await;
    sqlx::query("DELETE FROM audit_log WHERE id >= 3").execute(&db).await.unwrap();
    let (ok, _, err) = audit(&env, &["verify"]);
    assert!(!ok);
    assert!(err.contains("truncated: a signed checkpoint covers entry 3 but the log ends at entry 2"), "{err}");
    env.cleanup(vec![reply]).await;
}

/// The entry hash as tvarit-reply computes it (store/audit.rs), as someone
/// with write access to the table would recompute it.
fn entry_hash(prev: &[u8], at: DateTime<Utc>, fields: [&str; 4]) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(prev);
    for field in std::iter::once(at.to_rfc3339().as_str()).chain(fields) {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rehashed_audit_chain_and_a_forged_checkpoint_are_reported() {
    let env = anchored().await;
    let db = env.schema_pool("reply").await;
    // Edit the first entry and recompute every hash after it: the chain
    // walk alone finds nothing wrong.
    sqlx::query("UPDATE audit_log SET actor = 'nobody' WHERE id = 1").execute(&db).await.unwrap();
    type Row = (i64, DateTime<Utc>, String, String, String, String);
    let rows: Vec<Row> = sqlx::query_as("SELECT id, at, actor, action, subject, detail FROM audit_log ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    let mut prev = Vec::new();
    for (id, at, actor, action, subject, detail) in rows {
        let hash = entry_hash(&prev, at, [&actor, &action, &subject, &detail]);
        sqlx::query("UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE id = $1")
            .bind(id)
            .bind(&prev)
            .bind(&hash)
            .execute(&db)
            .await
            .unwrap();
        prev = hash;
    }
    let (ok, _, err) = audit(&env, &["verify"]);
    assert!(!ok);
    assert!(err.contains("re-hashed: entry 3's hash is not the one signed at its checkpoint"), "{err}");
    assert!(!err.contains("broken at entry"), "the chain itself is consistent again: {err}");

    // A checkpoint written to match the re-hashed chain without the key does not verify.
    let file = env.dir.path().join("checkpoints.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut forged: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    forged["head"] = hex::encode(&prev).into();
    std::fs::write(&file, format!("{text}{forged}\n")).unwrap();
    let (ok, _, err) = audit(&env, &["verify"]);
    assert!(!ok && err.contains("checkpoint line 2: signature does not verify with this key"), "{err}");
    env.cleanup(vec![]).await;
}
