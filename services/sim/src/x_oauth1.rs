//! OAuth 1.0a signatures on X requests, checked as RFC 5849 §3.4 defines
//! them (written from the RFC, not from Tvarit's signer): the base string
//! is the method, the base URL and the normalized parameters (the
//! `oauth_*` header ones except the signature, the query's, and a form
//! body's), each percent-encoded (RFC 3986 unreserved kept); the key is
//! `consumer_secret&token_secret`; HMAC-SHA1, base64.
//!
//! With `--x-oauth1 CONSUMER_KEY:CONSUMER_SECRET:TOKEN:TOKEN_SECRET` the
//! sim knows the app's and the token's secrets and refuses a request whose
//! signature does not match (X's 401). The URL a client signed may be X's
//! own (a real client whose connection was redirected to the sim) or the
//! sim's address: either is accepted. Without the flag no signature is checked.

use std::sync::Arc;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::state::Sim;

/// An app's consumer key and secret with one access token and its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth1Keys {
    pub consumer_key: String,
    pub consumer_secret: String,
    pub token: String,
    pub token_secret: String,
}

impl OAuth1Keys {
    /// Parses `CONSUMER_KEY:CONSUMER_SECRET:TOKEN:TOKEN_SECRET`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        match parts.as_slice() {
            [ck, cs, t, ts] if [ck, cs, t, ts].iter().all(|p| !p.is_empty()) => Ok(OAuth1Keys {
                consumer_key: (*ck).into(),
                consumer_secret: (*cs).into(),
                token: (*t).into(),
                token_secret: (*ts).into(),
            }),
            _ => Err(format!("expected CONSUMER_KEY:CONSUMER_SECRET:TOKEN:TOKEN_SECRET, got {spec:?}")),
        }
    }
}

/// RFC 3986 percent-encoding: only ALPHA, DIGIT, `-`, `.`, `_`, `~` stay.
fn enc(s: &str) -> String {
    const ESCAPED: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    percent_encoding::utf8_percent_encode(s, ESCAPED).to_string()
}

/// The `key="value"` pairs of an `OAuth ...` header, decoded.
pub fn header_params(header: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes()).next().map(|(_, v)| v.into_owned())
    };
    header
        .trim()
        .strip_prefix("OAuth ")
        .unwrap_or_default()
        .split(',')
        .filter_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            Some((k.trim().to_owned(), decode(v.trim().trim_matches('"')).unwrap_or_default()))
        })
        .collect()
}

/// RFC 5849 §3.4.2's signature for `method base_url` with `params`.
pub fn signature(method: &str, base_url: &str, params: &[(String, String)], keys: &OAuth1Keys) -> String {
    let mut pairs: Vec<(String, String)> =
        params.iter().filter(|(k, _)| k != "oauth_signature" && k != "realm").map(|(k, v)| (enc(k), enc(v))).collect();
    pairs.sort();
    let normalized: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let base = format!("{}&{}&{}", method.to_ascii_uppercase(), enc(base_url), enc(&normalized.join("&")));
    let key = format!("{}&{}", enc(&keys.consumer_secret), enc(&keys.token_secret));
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(base.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Refuses an OAuth 1.0a request whose signature does not match, before
/// any X handler runs.
pub async fn verify(State(sim): State<Arc<Sim>>, req: Request, next: Next) -> Response {
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    if sim.cfg.x_oauth1.is_empty() || !header.starts_with("OAuth ") {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, 1 << 20).await else { return crate::x_http::unauthorized() };
    let oauth = header_params(&header);
    let get = |k: &str| oauth.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let Some(keys) =
        sim.cfg.x_oauth1.iter().find(|k| k.consumer_key == get("oauth_consumer_key") && k.token == get("oauth_token"))
    else {
        tracing::info!("oauth 1.0a: unknown consumer key or token");
        return crate::x_http::unauthorized();
    };
    let mut params: Vec<(String, String)> = oauth.clone();
    params.extend(form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes()).into_owned());
    let form = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form {
        params.extend(form_urlencoded::parse(&bytes).into_owned());
    }
    let host = parts.headers.get("host").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let path = parts.uri.path();
    let candidates =
        [format!("http://{host}{path}"), format!("https://api.x.com{path}"), format!("https://api.twitter.com{path}")];
    let given = get("oauth_signature");
    if !candidates.iter().any(|url| signature(parts.method.as_str(), url, &params, keys) == given) {
        tracing::info!(%path, "oauth 1.0a: the signature does not match");
        return crate::x_http::unauthorized();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5849 §3.4.1's example request and X's "Creating a signature" example.
    #[test]
    fn the_documented_signatures_match() {
        let keys = OAuth1Keys {
            consumer_key: "xvz1evFS4wEEPTGEFPHBog".into(),
            consumer_secret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw".into(),
            token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb".into(),
            token_secret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE".into(),
        };
        let p = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let params = vec![
            p("status", "Hello Ladies + Gentlemen, a signed OAuth request!"),
            p("include_entities", "true"),
            p("oauth_consumer_key", &keys.consumer_key),
            p("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
            p("oauth_signature_method", "HMAC-SHA1"),
            p("oauth_timestamp", "1318622958"),
            p("oauth_token", &keys.token),
            p("oauth_version", "1.0"),
        ];
        let sig = signature("POST", "https://api.twitter.com/1.1/statuses/update.json", &params, &keys);
        assert_eq!(sig, "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    }

    #[test]
    fn a_header_reads_back() {
        let h = r#"OAuth oauth_consumer_key="ck", oauth_token="42-token", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D""#;
        let got = header_params(h);
        assert!(got.contains(&("oauth_signature".into(), "tnnArxj06cWHq44gCs1OSKk/jLY=".into())), "{got:?}");
    }
}
