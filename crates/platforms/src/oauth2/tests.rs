use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use base64::Engine;

use super::*;
use crate::encode::query_pairs;

#[test]
fn pkce_matches_rfc_7636_appendix_b() {
    let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let fresh = Pkce::generate();
    assert_eq!(fresh.verifier.len(), 43);
    assert_ne!(fresh, Pkce::generate());
    assert!(!format!("{fresh:?}").contains(&fresh.verifier), "the verifier never reaches a log");
}

#[test]
fn the_consent_address_carries_xs_parameters() {
    let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    let url = authorize_url(X_AUTHORIZE_URL, "cid", "http://127.0.0.1/cb", X_SCOPES, "st", &p, &[]);
    assert_eq!(
        url,
        "https://x.com/i/oauth2/authorize?response_type=code&client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb\
         &scope=tweet.read%20tweet.write%20users.read%20offline.access&state=st\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
    );
    let with_account = authorize_url("http://sim/i/oauth2/authorize?sim_account=%40A", "c", "r", "s", "t", &p, &[]);
    assert!(with_account.starts_with("http://sim/i/oauth2/authorize?sim_account=%40A&response_type=code"));
}

#[test]
fn a_pasted_redirect_or_code_gives_the_code() {
    assert_eq!(parse_callback("  abc123 \n").unwrap(), ("abc123".into(), None));
    assert_eq!(
        parse_callback("http://127.0.0.1/cb?state=s%2B1&code=Q2x1&x=y").unwrap(),
        ("Q2x1".into(), Some("s+1".into()))
    );
    let denied = parse_callback("http://127.0.0.1/cb?error=access_denied&state=s").unwrap_err();
    assert!(denied.to_string().contains("access_denied"));
    assert!(parse_callback("http://127.0.0.1/cb?state=s").is_err());
    assert!(parse_callback("").is_err());
}

#[test]
fn google_keeps_its_refresh_token_and_x_rotates_it() {
    let old = Tokens { access_token: "a1".into(), refresh_token: Some("r1".into()) };
    let answer = |refresh: Option<&str>| TokenResponse {
        access_token: "a2".into(),
        token_type: "bearer".into(),
        expires_in: Some(7200),
        refresh_token: refresh.map(str::to_owned),
        scope: None,
    };
    assert_eq!(old.renewed(&answer(Some("r2"))).refresh_token.as_deref(), Some("r2"));
    assert_eq!(old.renewed(&answer(None)).refresh_token.as_deref(), Some("r1"));
    assert!(!format!("{old:?}").contains("a1"));
}

/// A token endpoint as X documents it: Basic client auth, PKCE checked,
/// refresh tokens that rotate and are refused when used twice.
#[derive(Clone, Default)]
struct Fake {
    codes: Arc<Mutex<HashMap<String, String>>>,
    live_refresh: Arc<Mutex<Vec<String>>>,
    issued: Arc<Mutex<u32>>,
}

async fn token(State(f): State<Fake>, headers: HeaderMap, body: Bytes) -> axum::response::Response {
    let basic = base64::engine::general_purpose::STANDARD.encode("cid:csecret");
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Basic {basic}")) {
        let body = r#"{"error":"unauthorized_client","error_description":"Missing valid authorization header"}"#;
        return (StatusCode::UNAUTHORIZED, body).into_response();
    }
    let form: HashMap<String, String> = query_pairs(&String::from_utf8_lossy(&body)).into_iter().collect();
    let invalid = || {
        let body = r#"{"error":"invalid_grant","error_description":"Value passed for the token was invalid."}"#;
        (StatusCode::BAD_REQUEST, body).into_response()
    };
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            let challenge = f.codes.lock().unwrap().remove(form.get("code").map_or("", |c| c.as_str()));
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            if challenge != Some(Pkce::from_verifier(&verifier).challenge)
                || form.get("client_id").map(String::as_str) != Some("cid")
            {
                return invalid();
            }
        }
        Some("refresh_token") => {
            let mut live = f.live_refresh.lock().unwrap();
            let Some(i) = live.iter().position(|r| Some(r) == form.get("refresh_token")) else { return invalid() };
            live.remove(i);
        }
        _ => return (StatusCode::BAD_REQUEST, r#"{"error":"unsupported_grant_type"}"#).into_response(),
    }
    let n = {
        let mut n = f.issued.lock().unwrap();
        *n += 1;
        *n
    };
    f.live_refresh.lock().unwrap().push(format!("refresh-{n}"));
    let answer = serde_json::json!({"token_type":"bearer","expires_in":7200,"access_token":format!("access-{n}"),
        "scope":X_SCOPES,"refresh_token":format!("refresh-{n}")});
    axum::Json(answer).into_response()
}

async fn serve(fake: Fake) -> String {
    let app = axum::Router::new().route("/2/oauth2/token", axum::routing::post(token)).with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

#[tokio::test]
async fn exchanges_the_code_then_rotates_and_a_reused_refresh_token_is_invalid_grant() {
    let fake = Fake::default();
    let pkce = Pkce::generate();
    fake.codes.lock().unwrap().insert("the-code".into(), pkce.challenge.clone());
    let base = serve(fake).await;
    let client =
        OAuthClient { client_id: "cid".into(), client_secret: Some("csecret".into()), auth: ClientAuth::Basic };
    let tokens = TokenClient::x(crate::http_client(), &base, client.clone());
    let first = tokens.exchange_code("the-code", "http://127.0.0.1/cb", &pkce.verifier).await.unwrap();
    assert_eq!((first.access_token.as_str(), first.expires_in), ("access-1", Some(7200)));
    let old = first.refresh_token.unwrap();
    let second = tokens.refresh(&old).await.unwrap();
    assert_eq!(second.refresh_token.as_deref(), Some("refresh-2"));
    let reused = tokens.refresh(&old).await.unwrap_err();
    assert!(matches!(reused, OAuthError::InvalidGrant { .. }), "{reused:?}");
    assert!(reused.needs_person());
    // A code is good once, and only with its own verifier.
    let again = tokens.exchange_code("the-code", "http://127.0.0.1/cb", &pkce.verifier).await.unwrap_err();
    assert!(matches!(again, OAuthError::InvalidGrant { .. }));
    let wrong_secret = OAuthClient { client_secret: Some("nope".into()), ..client };
    let refused = TokenClient::x(crate::http_client(), &base, wrong_secret).refresh("refresh-2").await.unwrap_err();
    assert!(matches!(refused, OAuthError::Refused { status: 401, .. }), "{refused:?}");
    let down = TokenClient::x(
        crate::http_client(),
        "http://127.0.0.1:9",
        OAuthClient { client_id: "c".into(), client_secret: None, auth: ClientAuth::Basic },
    );
    assert!(!down.refresh("r").await.unwrap_err().needs_person(), "a network error is retried");
}
