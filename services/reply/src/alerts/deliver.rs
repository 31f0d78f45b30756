//! Delivering alerts to control rooms, at least once, on [`crate::worker`]'s
//! loop: a due alert is leased (its next attempt pushed past the call's
//! time-out and committed), POSTed with its HMAC signature, then marked
//! delivered (and audited) on a 2xx or given a back-off otherwise. Its
//! recovery policy is [`Recovery::Resend`]: a process killed mid-call leaves
//! the lease to lapse, and any replica sends the same body with the same
//! `alert_id`, which the receiver dedups on.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tvarit_config::{ExposeSecret, SecretString};
use tvarit_registry::Registry;

use super::CHANNEL;
use crate::store::audit;
use crate::worker::{Backoff, Failure, Job, Recovery, Retry, Settings, Worker};

/// How long one POST may take; the lease outlasts it.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const LEASE_SECONDS: f64 = 15.0;
/// The poll when no notification comes (another database session's alert
/// whose NOTIFY this listener missed while reconnecting; retries coming due).
const POLL: Duration = Duration::from_millis(500);
/// POSTs in flight at once.
const POOL: usize = 32;
/// 1 s, 2 s, 4 s … at most a minute: a control room that is down hears of
/// the alert within a minute of coming back.
const BACKOFF: Backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
const UNROUTABLE: &str = "no control-room endpoint configured";

/// Where each unit's alerts go: the registry's `alert_webhook_url`, else the
/// deployment's default (`TVARIT_ALERT_WEBHOOK_URL`).
#[derive(Clone, Default)]
pub struct Endpoints {
    default: Option<String>,
    by_unit: HashMap<String, String>,
}

impl Endpoints {
    pub fn new(registry: &Registry, default: Option<&str>) -> Self {
        let by_unit = registry
            .units()
            .iter()
            .filter_map(|u| Some((u.slug.clone(), u.alert_webhook_url.clone().filter(|s| !s.trim().is_empty())?)))
            .collect();
        Self { default: default.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned), by_unit }
    }

    pub fn any(&self) -> bool {
        self.default.is_some() || !self.by_unit.is_empty()
    }

    pub fn of(&self, unit: &str) -> Option<&str> {
        self.by_unit.get(unit).or(self.default.as_ref()).map(String::as_str)
    }
}

/// `sha256=<hex HMAC-SHA256 of the body>`, the `X-Tvarit-Signature` header.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    format!("sha256={}", hex::encode(tvarit_platforms::hmac_sha256(secret, body)))
}

#[derive(sqlx::FromRow)]
pub struct Due {
    id: i64,
    alert_id: String,
    docket: String,
    event: String,
    dest_unit: String,
    body: Vec<u8>,
    attempts: i32,
    created_at: DateTime<Utc>,
}

pub struct AlertDeliverer {
    pool: PgPool,
    endpoints: Endpoints,
    secret: SecretString,
    http: reqwest::Client,
}

impl AlertDeliverer {
    pub fn new(pool: PgPool, endpoints: Endpoints, secret: SecretString) -> Self {
        let http = tvarit_platforms::http_client();
        Self { pool, endpoints, secret, http }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let listener = Mutex::new(listen(&self.pool).await);
        let settings = Settings {
            pool: POOL,
            tick: POLL,
            // Unused: the lease is the recovery (`Recovery::Resend`).
            in_flight_timeout: Duration::from_secs_f64(LEASE_SECONDS),
            backoff: BACKOFF,
            // Unused: posting to a control room needs nothing Tvarit holds.
            held_wait: POLL,
        };
        Worker::new(Alerts { deliverer: self, listener }, settings).run(shutdown).await;
    }
}

async fn listen(pool: &PgPool) -> Option<PgListener> {
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(CHANNEL).await.ok()?;
    Some(listener)
}

pub struct Alerts {
    deliverer: AlertDeliverer,
    /// Woken by `NOTIFY` on [`CHANNEL`] when an alert is raised.
    listener: Mutex<Option<PgListener>>,
}

impl Job for Alerts {
    type Item = Due;
    /// The control room's 2xx status.
    type Done = u16;
    const NAME: &'static str = "alerts";
    const RECOVERY: Recovery = Recovery::Resend;

    fn id(a: &Due) -> i64 {
        a.id
    }
    fn key(a: &Due) -> &str {
        &a.dest_unit
    }
    fn attempts(a: &Due) -> i32 {
        a.attempts
    }

    /// Leases due alerts; `blocked` is always empty (a control room sends
    /// no rate-limit reset).
    async fn claim(&self, limit: usize, _blocked: &[String]) -> anyhow::Result<Vec<Due>> {
        let due = sqlx::query_as(
            "UPDATE alerts SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
             WHERE id IN (SELECT id FROM alerts WHERE delivered_at IS NULL AND next_attempt_at <= now()
                          ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, alert_id, docket, event, dest_unit, body, attempts, created_at",
        )
        .bind(limit as i64)
        .bind(LEASE_SECONDS)
        .fetch_all(&self.deliverer.pool)
        .await?;
        Ok(due)
    }

    async fn call(&self, alert: &Due) -> Result<u16, Failure> {
        let d = &self.deliverer;
        let Some(url) = d.endpoints.of(&alert.dest_unit) else {
            return Err(Failure::Refused { detail: UNROUTABLE.into() });
        };
        let sent = d
            .http
            .post(url)
            .timeout(CALL_TIMEOUT)
            .header("content-type", "application/json")
            .header("x-tvarit-alert-id", &alert.alert_id)
            .header("x-tvarit-signature", signature(d.secret.expose_secret().as_bytes(), &alert.body))
            .body(alert.body.clone())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
            Ok(r) => Err(Failure::Retry {
                detail: format!("HTTP {}", r.status()),
                retry_after: None,
                status: Some(r.status().as_u16()),
            }),
            Err(e) => Err(Failure::Retry { detail: format!("network: {e}"), retry_after: None, status: None }),
        }
    }

    async fn record_sent(&self, alert: &Due, status: u16) -> anyhow::Result<()> {
        let unit = alert.dest_unit.clone();
        let mut tx = self.deliverer.pool.begin().await?;
        sqlx::query("UPDATE alerts SET delivered_at = now(), last_status = $2, last_error = NULL WHERE id = $1")
            .bind(alert.id)
            .bind(i32::from(status))
            .execute(&mut *tx)
            .await?;
        let detail = format!(
            "alert_id={} event={} to={unit} status={status} attempts={}",
            alert.alert_id, alert.event, alert.attempts
        );
        // An account alert has no docket; its id names the account.
        let subject = if alert.docket.is_empty() { &alert.alert_id } else { &alert.docket };
        let entry = audit::Entry { actor: "system", action: "alert.delivered", subject, detail: &detail };
        audit::append(&mut tx, entry).await?;
        tx.commit().await?;
        let after = (Utc::now() - alert.created_at).num_milliseconds().max(0) as f64 / 1000.0;
        tracing::info!(alert_id = %alert.alert_id, %unit, event = %alert.event, attempts = alert.attempts, seconds = after, "alerts: delivered");
        metrics::counter!("tvarit_alerts_delivered_total", "unit" => unit.clone(), "event" => alert.event.clone())
            .increment(1);
        metrics::histogram!("tvarit_alert_delivery_seconds", "unit" => unit).record(after);
        Ok(())
    }

    async fn record_retry(&self, alert: &Due, retry: &Retry) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE alerts SET next_attempt_at = now() + make_interval(secs => $2), last_status = $3, last_error = $4
             WHERE id = $1",
        )
        .bind(alert.id)
        .bind(retry.wait.as_secs_f64())
        .bind(retry.status.map(i32::from))
        .bind(&retry.detail)
        .execute(&self.deliverer.pool)
        .await?;
        let unit = &alert.dest_unit;
        tracing::warn!(alert_id = %alert.alert_id, %unit, attempts = alert.attempts, retry_in_s = retry.wait.as_secs(), error = %retry.detail, "alerts: control room did not take the alert; retrying");
        metrics::counter!("tvarit_alert_delivery_failures_total", "unit" => unit.clone()).increment(1);
        Ok(())
    }

    /// The only refusal is having nowhere to send it: parked, not lost —
    /// visible in the table, never retried by itself.
    async fn record_failed(&self, alert: &Due, detail: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE alerts SET next_attempt_at = 'infinity', last_error = $2 WHERE id = $1")
            .bind(alert.id)
            .bind(detail)
            .execute(&self.deliverer.pool)
            .await?;
        metrics::counter!("tvarit_alerts_unroutable_total", "unit" => alert.dest_unit.clone()).increment(1);
        Ok(())
    }

    /// A `NOTIFY`; the driver's tick covers another session's alert whose
    /// notification this listener missed while reconnecting.
    async fn woken(&self) {
        let mut listener = self.listener.lock().await;
        match listener.as_mut() {
            Some(l) => {
                if let Err(e) = l.recv().await {
                    tracing::debug!(error = %e, "alerts: listener");
                    tokio::time::sleep(POLL).await;
                }
            }
            None => std::future::pending().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_to_a_minute() {
        let secs: Vec<u64> = (1..=9).map(|a| BACKOFF.delay(a).as_secs()).collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn the_signature_is_verified_by_the_receivers_check() {
        let body = br#"{"alert_id":"BLT-2612-00001/opened/7"}"#;
        let sig = signature(b"s3cret", body);
        assert!(sig.starts_with("sha256="));
        assert!(tvarit_platforms::verify_hex_sha256(b"s3cret", body, Some(&sig)));
        assert!(!tvarit_platforms::verify_hex_sha256(b"other", body, Some(&sig)));
    }

    #[test]
    fn a_unit_without_its_own_endpoint_uses_the_default() {
        let toml = tvarit_registry::RAJASTHAN_TOML.replacen(
            "slug = \"balotra\"",
            "slug = \"balotra\"\nalert_webhook_url = \"https://balotra.example/alerts\"",
            1,
        );
        let registry = Registry::from_toml(&toml).unwrap();
        let e = Endpoints::new(&registry, Some("https://hq.example/alerts"));
        assert_eq!(e.of("balotra"), Some("https://balotra.example/alerts"));
        assert_eq!(e.of("jaipur"), Some("https://hq.example/alerts"));
        let none = Endpoints::new(&Registry::rajasthan(), Some("  "));
        assert!(!none.any());
        assert_eq!(none.of("hq"), None);
    }
}
