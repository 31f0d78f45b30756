//! `tvarit-reply accounts list [--json]`: every registered account, where
//! its credential comes from and whether it works, for the HQ engineer.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde::Serialize;
use sqlx::PgPool;
use tvarit_registry::Registry;

use super::env::EnvCredentials;
use super::store::{self, StoredRow};

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountView {
    pub account: String,
    pub platform: String,
    pub unit: String,
    /// `stored` (connected), `env` (a token or keys in the environment) or `none`.
    pub source: String,
    /// `oauth2`, `oauth1`, `token`, `page token`, or "" for none.
    pub auth: String,
    /// `ok`, `expiring`, `reconnect needed` or `not connected`.
    pub status: String,
    pub expires_at: Option<String>,
    pub last_refresh_at: Option<String>,
    pub last_checked_at: Option<String>,
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Check {
    account: String,
    is_valid: bool,
    expires_at: Option<DateTime<Utc>>,
    checked_at: DateTime<Utc>,
    last_error: Option<String>,
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A stored credential's status: renewable ones are fine until refused.
fn stored_status(row: &StoredRow, now: DateTime<Utc>, warn: TimeDelta) -> &'static str {
    match (row.status.as_str(), row.renewable, row.expires_at) {
        ("ok", true, _) | ("ok", false, None) => "ok",
        ("ok", false, Some(end)) if end <= now => "reconnect needed",
        ("ok", false, Some(end)) if end - now <= warn => "expiring",
        ("ok", _, _) => "ok",
        _ => "reconnect needed",
    }
}

pub async fn list(pool: &PgPool, registry: &Registry, warn: TimeDelta) -> anyhow::Result<Vec<AccountView>> {
    let env = EnvCredentials::read(registry)?;
    let stored: HashMap<String, StoredRow> =
        store::all(pool).await?.into_iter().map(|r| (r.account.clone(), r)).collect();
    let checks: HashMap<String, Check> =
        sqlx::query_as::<_, Check>("SELECT account, is_valid, expires_at, checked_at, last_error FROM account_checks")
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|c| (c.account.clone(), c))
            .collect();
    let now = Utc::now();
    let mut out: Vec<AccountView> = registry
        .accounts()
        .map(|a| {
            let key = a.handle.to_lowercase();
            let mut v = AccountView {
                account: a.handle.clone(),
                platform: a.platform.clone(),
                unit: a.unit.clone(),
                source: "none".into(),
                auth: String::new(),
                status: "not connected".into(),
                expires_at: None,
                last_refresh_at: None,
                last_checked_at: None,
                last_error: None,
            };
            if let Some(row) = stored.get(&key) {
                v.source = "stored".into();
                v.auth = "oauth2".into();
                v.status = stored_status(row, now, warn).into();
                v.expires_at = row.expires_at.map(at);
                v.last_refresh_at = row.last_refresh_at.map(at);
                v.last_error = row.last_error.clone();
            } else if let Some(kind) = env.kind(&a.platform, &a.handle) {
                v.source = "env".into();
                v.auth = kind.into();
                v.status = "ok".into();
                if let Some(c) = checks.get(&key) {
                    let ending = c.expires_at.is_some_and(|end| end - now <= warn);
                    v.status = if !c.is_valid {
                        "reconnect needed"
                    } else if ending {
                        "expiring"
                    } else {
                        "ok"
                    }
                    .into();
                    v.expires_at = c.expires_at.map(at);
                    v.last_checked_at = Some(at(c.checked_at));
                    v.last_error = c.last_error.clone();
                }
            }
            v
        })
        .collect();
    out.sort_by(|a, b| (&a.platform, a.account.to_lowercase()).cmp(&(&b.platform, b.account.to_lowercase())));
    Ok(out)
}

/// One JSON object per line, or a table for people.
pub fn render(views: &[AccountView], json: bool) -> String {
    let mut out = String::new();
    if json {
        for v in views {
            out.push_str(&serde_json::to_string(v).expect("serialisable"));
            out.push('\n');
        }
        return out;
    }
    out.push_str("ACCOUNT\tPLATFORM\tSOURCE\tSTATUS\tEXPIRES_AT\tLAST_REFRESH\tLAST_ERROR\n");
    for v in views {
        let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
        let source = if v.auth.is_empty() { v.source.clone() } else { format!("{} ({})", v.source, v.auth) };
        out.push_str(&format!(
            "{}\t{}\t{source}\t{}\t{}\t{}\t{}\n",
            v.account,
            v.platform,
            v.status,
            dash(&v.expires_at),
            dash(&v.last_refresh_at.clone().or(v.last_checked_at.clone())),
            dash(&v.last_error)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str, renewable: bool, ends_in: Option<i64>) -> StoredRow {
        StoredRow {
            account: "@sp_balotra".into(),
            handle: "@SP_Balotra".into(),
            platform: "x".into(),
            sealed: Vec::new(),
            renewable,
            expires_at: ends_in.map(|h| Utc::now() + TimeDelta::hours(h)),
            scope: String::new(),
            status: status.into(),
            generation: 1,
            connected_at: Utc::now(),
            last_refresh_at: None,
            last_error: None,
        }
    }

    #[test]
    fn renewable_credentials_are_ok_until_refused() {
        let (now, week) = (Utc::now(), TimeDelta::days(7));
        assert_eq!(stored_status(&row("ok", true, Some(-1)), now, week), "ok", "an ended access token is renewed");
        assert_eq!(stored_status(&row("reconnect_needed", true, Some(1)), now, week), "reconnect needed");
        assert_eq!(stored_status(&row("ok", false, Some(24)), now, week), "expiring");
        assert_eq!(stored_status(&row("ok", false, Some(-1)), now, week), "reconnect needed");
        assert_eq!(stored_status(&row("ok", false, Some(24 * 30)), now, week), "ok");
    }
}
