//! A YouTube channel connected through Google's OAuth 2.0 keeps replying
//! for longer than its access tokens live: reply renews each before it ends
//! with the same refresh token (Google does not rotate it), and when the
//! channel owner removes the app's access the account shows "reconnect
//! needed" instead of failing silently.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use sqlx::PgPool;
use tvarit_e2e::{Sim, TestEnv, authed, desk_client, eventually, get_redirect};
use tvarit_proto::v1::{Case, ReplyRequest};

use crate::platforms::{balotra_cases, count, wait_count, wait_sent};
use crate::youtube::{API_KEY, youtube_accounts, youtube_sim};

const CLIENT: &str = "tvarit-google-client";
const SECRET: &str = "tvarit-google-secret";
const CHANNEL: &str = "UCbalotra0000000000000001";
const REDIRECT: &str = "http://127.0.0.1/callback";

/// `accounts connect @BalotraPoliceYT`: the consent address, the sim says
/// yes as the channel, then `--code` with where Google sent the browser.
async fn connect(env: &TestEnv, sim: &Sim) {
    let first = env
        .command("tvarit-reply")
        .args(["accounts", "connect", "@BalotraPoliceYT"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let url = String::from_utf8_lossy(&first.stdout).lines().next().unwrap().trim().to_owned();
    assert!(url.contains("access_type=offline") && url.contains("youtube.force-ssl"), "{url}");
    let path = url.strip_prefix(&sim.url()).unwrap_or_else(|| panic!("not the sim's consent page: {url}"));
    let (status, location) = get_redirect(sim.addr, &format!("{path}&sim_channel={CHANNEL}")).await;
    let location = location.unwrap_or_default();
    assert!(status == 302 && location.contains("code="), "{status} {location}");
    let second = env
        .command("tvarit-reply")
        .args(["accounts", "connect", "@BalotraPoliceYT", "--code", &location])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success() && out.contains("connected @BalotraPoliceYT"), "{out}");
}

fn listed(env: &TestEnv) -> Value {
    let out = env.command("tvarit-reply").args(["accounts", "list", "--json"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["account"] == "@BalotraPoliceYT")
        .expect("the channel is listed")
}

async fn generation(db: &PgPool) -> i64 {
    count(db, "SELECT generation FROM account_credentials WHERE account = '@balotrapoliceyt'").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connected_youtube_channel_keeps_replying_across_renewals_and_says_when_access_is_revoked() {
    let env = TestEnv::new().await;
    let client = format!("{CLIENT}:{SECRET}");
    // 90-second access tokens renewed 80 s before their end (a renewal every
    // ~10 s; a token under a minute from its end is renewed at every use).
    let sim = youtube_sim(&["--google-oauth-client", &client, "--google-token-ttl-secs", "90"]).await;
    env.use_accounts(&youtube_accounts());
    let base = format!("{}/youtube/v3", sim.url());
    let key = env.dir.path().join("credentials.key");
    std::fs::write(&key, hex::encode([0x3c; 32])).unwrap();
    for (k, v) in [
        ("TVARIT_YOUTUBE_API_KEY", API_KEY.to_owned()),
        ("TVARIT_INGEST_YOUTUBE_API_BASE", base.clone()),
        ("TVARIT_INGEST_YOUTUBE_DAILY_QUOTA", "10000000".to_owned()),
        ("TVARIT_INGEST_YOUTUBE_POLL_SECONDS", "1".to_owned()),
        ("TVARIT_REPLY_YOUTUBE_API_BASE", base),
        ("TVARIT_YOUTUBE_CLIENT_ID", CLIENT.to_owned()),
        ("TVARIT_YOUTUBE_CLIENT_SECRET", SECRET.to_owned()),
        ("TVARIT_REPLY_GOOGLE_AUTHORIZE_URL", format!("{}/o/oauth2/v2/auth", sim.url())),
        ("TVARIT_REPLY_GOOGLE_TOKEN_URL", format!("{}/token", sim.url())),
        ("TVARIT_REPLY_GOOGLE_REDIRECT_URI", REDIRECT.to_owned()),
        ("TVARIT_REPLY_TOKEN_REFRESH_MARGIN_SECONDS", "80".to_owned()),
        ("TVARIT_CREDENTIALS_KEY_FILE", key.to_string_lossy().into_owned()),
    ] {
        env.set_env(k, v);
    }
    connect(&env, &sim).await;
    assert_eq!(listed(&env)["status"], "ok");

    let running = env.start_all().await;
    let ingest_db = env.schema_pool("ingest").await;
    wait_count(&ingest_db, "SELECT count(*) FROM checkpoints WHERE source = 'youtube-comments'", 2).await;
    for i in 0..3 {
        let text = format!("Balotra mandi ke paas roz jaam lagta hai, traffic police bhejiye ({i})");
        sim.post(json!({ "platform": "youtube", "channel_id": CHANNEL, "text": text,
                         "author": { "handle": format!("@viewer_{i}") } }))
            .await;
    }
    let db = env.schema_pool("reply").await;
    wait_count(&db, "SELECT count(*) FROM cases", 3).await;
    let token = env.operator("balotra-yt-tokens", "operator", "balotra");
    let desk = desk_client(&running[2]).await;
    let cases = balotra_cases(&desk, &token).await;
    let reply_and_wait = |case: Case, text: String| {
        let (desk, token) = (desk.clone(), token.clone());
        async move {
            let req = ReplyRequest { docket: case.docket.clone(), text, private: false };
            desk.clone().reply(authed(&token, req)).await.unwrap();
            wait_sent(&desk, &token, &case.docket).await
        }
    };

    // A reply with each of two renewed tokens: the refresh token stays the same.
    let mut g = generation(&db).await;
    for case in cases.iter().take(2) {
        let renewed = eventually(Duration::from_secs(30), "a renewal ahead of expiry", || {
            let db = db.clone();
            async move { Some(generation(&db).await).filter(|n| *n > g) }
        })
        .await;
        g = renewed;
        reply_and_wait(case.clone(), format!("Balotra Police: traffic staff bheje gaye ({}).", case.docket)).await;
    }
    let replies = sim.replies().await;
    assert_eq!(replies.iter().filter(|r| r["platform"] == "youtube").count(), 2, "{replies:?}");

    // The owner removes the app's access: the next renewal gets
    // `invalid_grant`, and the channel says so instead of failing silently.
    sim.post_path("/sim/google/revoke", json!({})).await;
    eventually(Duration::from_secs(40), "reconnect needed", || {
        let env = &env;
        async move { (listed(env)["status"] == "reconnect needed").then_some(()) }
    })
    .await;
    env.cleanup(running).await;
}
