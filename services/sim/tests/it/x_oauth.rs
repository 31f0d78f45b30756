//! X's OAuth 2.0 Authorization Code flow with PKCE: the authorize redirect,
//! the token endpoint for both grants, rotation, expiry, and tokens bound to
//! the account that authorized.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tvarit_sim::SimConfig;
use tvarit_sim::config::OAuthClient;

use crate::support::*;

const CALLBACK: &str = "https://app.example/cb";
const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123";
const SCOPE: &str = "tweet.read tweet.write users.read offline.access";

fn config() -> SimConfig {
    SimConfig {
        x_oauth_clients: vec![
            OAuthClient { id: "conf".into(), secret: Some("s3cret".into()) },
            OAuthClient { id: "pub".into(), secret: None },
        ],
        ..SimConfig::default()
    }
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// Authorizes `client` as `account`; returns the callback's parameters.
async fn authorize(addr: std::net::SocketAddr, client: &str, account: &str) -> HashMap<String, String> {
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(VERIFIER.as_bytes()));
    let q = query(&[
        ("response_type", "code"),
        ("client_id", client),
        ("redirect_uri", CALLBACK),
        ("scope", SCOPE),
        ("state", "st-1"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
        ("sim_account", account),
    ]);
    let r = http(addr, "GET", &format!("/i/oauth2/authorize?{q}"), &[], "").await;
    assert_eq!(r.status, 302, "{}", r.body);
    let location = r.header("location");
    let (base, params) = location.split_once('?').unwrap();
    assert_eq!(base, CALLBACK);
    form_urlencoded::parse(params.as_bytes()).into_owned().collect()
}

async fn token(addr: std::net::SocketAddr, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> Resp {
    let auth = basic.map(|(id, secret)| format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))));
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    http(addr, "POST", "/2/oauth2/token", &headers, &query(form)).await
}

async fn exchange(addr: std::net::SocketAddr, basic: Option<(&str, &str)>, code: &str, client: &str) -> Resp {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", CALLBACK),
        ("code_verifier", VERIFIER),
        ("client_id", client),
    ];
    token(addr, basic, &form).await
}

async fn me(addr: std::net::SocketAddr, access: &str) -> Resp {
    http(addr, "GET", "/2/users/me", &[("Authorization", &bearer(access))], "").await
}

#[tokio::test]
async fn a_pkce_code_gives_tokens_bound_to_the_account_that_authorized() {
    let sim = spawn_sim(config()).await;
    let cb = authorize(sim.addr, "conf", "@jaipur_police").await;
    assert_eq!(cb["state"], "st-1");

    // The wrong verifier is refused, and spends the code.
    let mut form = vec![("grant_type", "authorization_code"), ("code", cb["code"].as_str())];
    form.extend([("redirect_uri", CALLBACK), ("code_verifier", "not-the-verifier")]);
    let r = token(sim.addr, Some(("conf", "s3cret")), &form).await;
    assert_eq!((r.status, r.json()["error"].as_str()), (400, Some("invalid_request")), "{}", r.body);
    assert_eq!(exchange(sim.addr, Some(("conf", "s3cret")), &cb["code"], "conf").await.status, 400);

    let cb = authorize(sim.addr, "conf", "@jaipur_police").await;
    // A confidential client must authenticate with its secret.
    let r = exchange(sim.addr, None, &cb["code"], "conf").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"error": "unauthorized_client", "error_description": "Missing valid authorization header"})
    );
    let cb = authorize(sim.addr, "conf", "@jaipur_police").await;
    let r = exchange(sim.addr, Some(("conf", "s3cret")), &cb["code"], "conf").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let t = r.json();
    let mut keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["access_token", "expires_in", "refresh_token", "scope", "token_type"]);
    assert_eq!((t["token_type"].as_str(), t["expires_in"].as_u64()), (Some("bearer"), Some(7200)));
    assert_eq!(t["scope"], SCOPE);
    // Used once only.
    assert_eq!(exchange(sim.addr, Some(("conf", "s3cret")), &cb["code"], "conf").await.status, 400);

    let access = t["access_token"].as_str().unwrap();
    assert_eq!(me(sim.addr, access).await.json()["data"]["username"], "jaipur_police");
    let post = inject(sim.addr, json!({"text": "@jaipur_police @SP_Balotra help"})).await;
    let body = json!({"text": "on our way", "reply": {"in_reply_to_tweet_id": post["id"]}}).to_string();
    let h = [("Authorization", bearer(access)), ("Content-Type", "application/json".into())];
    let h: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(http(sim.addr, "POST", "/2/tweets", &h, &body).await.status, 201);
    let replies = get(sim.addr, "/sim/replies").await.json();
    assert_eq!(replies[0]["account"], "@jaipur_police", "the reply is the authorizing account's");
}

#[tokio::test]
async fn every_refresh_rotates_and_the_old_token_is_refused() {
    let sim = spawn_sim(config()).await;
    let cb = authorize(sim.addr, "pub", "@SP_Balotra").await;
    let first = exchange(sim.addr, None, &cb["code"], "pub").await.json();
    let old = first["refresh_token"].as_str().unwrap();
    fn refresh(t: &str) -> [(&'static str, &str); 3] {
        [("grant_type", "refresh_token"), ("refresh_token", t), ("client_id", "pub")]
    }
    let r = token(sim.addr, None, &refresh(old)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let second = r.json();
    let new = second["refresh_token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(me(sim.addr, second["access_token"].as_str().unwrap()).await.json()["data"]["username"], "SP_Balotra");

    let reuse = token(sim.addr, None, &refresh(old)).await;
    assert_eq!(reuse.status, 400);
    assert_eq!(
        reuse.json(),
        json!({"error": "invalid_grant", "error_description": "Value passed for the token was invalid."})
    );
    // Another client cannot use it either.
    let stolen = [("grant_type", "refresh_token"), ("refresh_token", new)];
    assert_eq!(token(sim.addr, Some(("conf", "s3cret")), &stolen).await.status, 400);
    assert_eq!(token(sim.addr, None, &refresh(new)).await.status, 200);
}

#[tokio::test]
async fn access_tokens_expire_after_their_lifetime_or_on_demand() {
    // A zero lifetime: expired as soon as issued, without waiting in the test.
    let cfg = SimConfig { x_token_ttl: Duration::ZERO, ..config() };
    let sim = spawn_sim(cfg).await;
    let cb = authorize(sim.addr, "pub", "@SP_Balotra").await;
    let t = exchange(sim.addr, None, &cb["code"], "pub").await.json();
    let unauthorized = json!({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"});
    let r = me(sim.addr, t["access_token"].as_str().unwrap()).await;
    assert_eq!((r.status, r.json()), (401, unauthorized.clone()));

    let sim = spawn_sim(config()).await;
    let cb = authorize(sim.addr, "pub", "@SP_Balotra").await;
    let t = exchange(sim.addr, None, &cb["code"], "pub").await.json();
    let access = t["access_token"].as_str().unwrap();
    assert_eq!(me(sim.addr, access).await.status, 200);
    let expired: Value = post_json(sim.addr, "/sim/x/expire_tokens", &json!({})).await.json();
    assert_eq!(expired, json!({"expired": 1}));
    let r = me(sim.addr, access).await;
    assert_eq!((r.status, r.json()), (401, unauthorized));
    // Static --x-user-token tokens are not the token endpoint's: unaffected.
    assert_eq!(get(sim.addr, "/2/users/me").await.status, 200);
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", t["refresh_token"].as_str().unwrap())];
    let again = token(sim.addr, None, &[refresh[0], refresh[1], ("client_id", "pub")]).await.json();
    assert_eq!(me(sim.addr, again["access_token"].as_str().unwrap()).await.status, 200);
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_redirects_other_errors() {
    let sim = spawn_sim(config()).await;
    let r =
        http(sim.addr, "GET", "/i/oauth2/authorize?client_id=nobody&redirect_uri=https://a.example/", &[], "").await;
    assert_eq!((r.status, r.json()["error"].as_str()), (400, Some("invalid_request")));
    let q = query(&[("response_type", "code"), ("client_id", "pub"), ("redirect_uri", CALLBACK), ("state", "s")]);
    let r = http(sim.addr, "GET", &format!("/i/oauth2/authorize?{q}&scope=tweet.read"), &[], "").await;
    assert_eq!(r.status, 302);
    assert!(r.header("location").starts_with(&format!("{CALLBACK}?error=invalid_request")), "no code_challenge");
    let r = token(sim.addr, None, &[("grant_type", "password"), ("client_id", "pub")]).await;
    assert_eq!(r.json()["error"], "unsupported_grant_type");
}
