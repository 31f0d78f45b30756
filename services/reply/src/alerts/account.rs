//! Alerts about an account rather than a case (event `account`): its
//! credential was refused and it needs reconnecting, or its Page token is
//! about to end or was invalidated. They go to HQ's control room, where
//! accounts are connected, through the same outbox as case alerts: signed,
//! retried until a 2xx, each state alerted once (`alert_id` from `key`).

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Postgres, Transaction};

use super::{AlertEvent, CHANNEL};

/// Whose control room hears of accounts.
pub const DEST_UNIT: &str = "hq";

#[derive(Debug, Clone)]
pub struct AccountAlert<'a> {
    /// As registered (`@SP_Balotra`).
    pub handle: &'a str,
    pub platform: &'a str,
    /// The unit that owns the account.
    pub unit: &'a str,
    /// `reconnect needed` or `expiring`.
    pub status: &'a str,
    /// The platform's words, and what to do.
    pub reason: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
    /// What makes this alert one of a kind for the account (a state and
    /// when it began): the same key is never alerted twice.
    pub key: String,
}

pub fn alert_id(a: &AccountAlert<'_>) -> String {
    format!("account/{}/{}", a.handle.to_lowercase(), a.key)
}

pub fn body(a: &AccountAlert<'_>) -> Vec<u8> {
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    serde_json::json!({
        "alert_id": alert_id(a),
        "event": AlertEvent::Account.as_str(),
        "account": a.handle,
        "platform": a.platform,
        "unit": a.unit,
        "status": a.status,
        "reason": a.reason,
        "action": format!("run tvarit-reply accounts connect {} (or replace its token)", a.handle),
        "expires_at": a.expires_at.map(at),
        "raised_at": at(Utc::now()),
    })
    .to_string()
    .into_bytes()
}

/// Raises the alert in the caller's transaction; `false` if this key was
/// alerted before.
pub async fn raise(tx: &mut Transaction<'_, Postgres>, a: &AccountAlert<'_>) -> Result<bool, sqlx::Error> {
    let raised = sqlx::query(
        "INSERT INTO alerts (alert_id, case_id, docket, event, target, dest_unit, body)
         VALUES ($1, NULL, '', $2, 'control room', $3, $4) ON CONFLICT (alert_id) DO NOTHING",
    )
    .bind(alert_id(a))
    .bind(AlertEvent::Account.as_str())
    .bind(DEST_UNIT)
    .bind(body(a))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("SELECT pg_notify($1, '')").bind(CHANNEL).execute(&mut **tx).await?;
    Ok(raised == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_the_account_platform_and_reason() {
        let a = AccountAlert {
            handle: "@SP_Balotra",
            platform: "x",
            unit: "balotra",
            status: "reconnect needed",
            reason: "x refused the grant (Value passed for the token was invalid.)",
            expires_at: None,
            key: "reconnect_needed/4".into(),
        };
        let v: serde_json::Value = serde_json::from_slice(&body(&a)).unwrap();
        assert_eq!(v["alert_id"], "account/@sp_balotra/reconnect_needed/4");
        assert_eq!(v["event"], "account");
        assert_eq!((v["account"].as_str(), v["platform"].as_str()), (Some("@SP_Balotra"), Some("x")));
        assert!(v["reason"].as_str().unwrap().contains("token was invalid"));
        assert!(v["action"].as_str().unwrap().contains("accounts connect @SP_Balotra"));
        assert!(v["docket"].is_null(), "an account alert belongs to no case");
    }
}
