//! A Facebook Page token is watched, not trusted: reply checks it with
//! `debug_token` and alerts the control room days before it ends, and at
//! once when Meta invalidates it (a password change), so the unit hears of
//! it before a citizen's reply fails; `accounts list` says the same.

use std::time::Duration;

use serde_json::{Value, json};
use tvarit_e2e::{AlertReceiver, ReceivedAlert, Sim, TestEnv, eventually};

use crate::platforms::accounts;

const PAGE_ID: &str = "100000000000001";
const PAGE_TOKEN: &str = "balotra-page-token";
const ALERT_SECRET: &str = "control-room-secret";

fn listed(env: &TestEnv) -> Value {
    let out = env.command("tvarit-reply").args(["accounts", "list", "--json"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["account"] == "@BalotraPolicePage")
        .expect("the Page is listed")
}

async fn account_alert(receiver: &AlertReceiver, status: &str) -> ReceivedAlert {
    eventually(Duration::from_secs(30), &format!("the {status} alert"), || async {
        receiver
            .all()
            .into_iter()
            .find(|a| a.status < 300 && a.json["event"] == "account" && a.json["status"] == status)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_token_that_will_end_or_was_invalidated_is_alerted_before_a_reply_fails() {
    let env = TestEnv::new().await;
    let receiver = AlertReceiver::start().await;
    // Three days left: inside the seven-day warning.
    let sim = Sim::start(&[
        "--meta-page",
        &format!("{PAGE_ID}=Balotra Police"),
        "--meta-page-token",
        PAGE_TOKEN,
        "--meta-app",
        "tvarit-app:tvarit-app-secret",
        "--meta-page-token-expires-in-secs",
        "259200",
    ])
    .await;
    env.use_accounts(&accounts());
    for (k, v) in [
        ("TVARIT_META_APP_ID", "tvarit-app".to_owned()),
        ("TVARIT_META_APP_SECRET", "tvarit-app-secret".to_owned()),
        ("TVARIT_META_PAGE_TOKEN_BALOTRAPOLICEPAGE", PAGE_TOKEN.to_owned()),
        ("TVARIT_REPLY_META_API_BASE", format!("{}/v21.0", sim.url())),
        ("TVARIT_REPLY_META_TOKEN_CHECK_SECONDS", "5".to_owned()),
        ("TVARIT_ALERT_WEBHOOK_URL", receiver.url.clone()),
        ("TVARIT_ALERT_WEBHOOK_SECRET", ALERT_SECRET.to_owned()),
    ] {
        env.set_env(k, v);
    }
    let running = env.start_all().await;

    let expiring = account_alert(&receiver, "expiring").await;
    assert_eq!(
        (expiring.json["account"].as_str(), expiring.json["platform"].as_str()),
        (Some("@BalotraPolicePage"), Some("facebook"))
    );
    assert_eq!(expiring.signature.as_deref(), Some(tvarit_e2e::sign(ALERT_SECRET, &expiring.body).as_str()));
    assert_eq!(listed(&env)["status"], "expiring");

    // Meta invalidates the token: alerted at the next check, once.
    sim.post_path("/sim/meta/invalidate_token", json!({})).await;
    let invalid = account_alert(&receiver, "reconnect needed").await;
    assert!(invalid.json["reason"].as_str().unwrap_or_default().contains("password"), "{}", invalid.json);
    assert_eq!(listed(&env)["status"], "reconnect needed");
    // Two more checks (every 5 s) judge the same state; an alert either
    // would raise is delivered by the time the second has run.
    let db = env.schema_pool("reply").await;
    let after = invalid.at + chrono::Duration::seconds(6);
    eventually(Duration::from_secs(30), "two checks after the alert", || {
        let db = db.clone();
        async move {
            let at: chrono::DateTime<chrono::Utc> =
                sqlx::query_scalar("SELECT max(checked_at) FROM account_checks").fetch_one(&db).await.ok()?;
            (at > after).then_some(())
        }
    })
    .await;
    let alerts = receiver.all().into_iter().filter(|a| a.status < 300 && a.json["event"] == "account").count();
    assert_eq!(alerts, 2, "each state is alerted once, not at every check");
    env.cleanup(running).await;
}
