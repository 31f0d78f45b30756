//! The OAuth 2.0 user-context grants the sim issued, kept as X documents
//! them: an authorization code lives 30 seconds, is used once and is bound
//! to its PKCE challenge, client and redirect URI; an access token expires
//! after the configured lifetime (2 hours on X); a refresh token is used
//! once, because every refresh rotates it.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// How long an authorization code can be exchanged (X: 30 seconds).
const CODE_LIFETIME: Duration = Duration::seconds(30);

/// What a user allowed a client to do, as the account it chose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub client_id: String,
    /// The account (username, without `@`) the tokens act for.
    pub username: String,
    /// Space-separated scopes, as asked for at authorization.
    pub scope: String,
}

/// The PKCE methods X supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    S256,
    Plain,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "S256" => Some(Method::S256),
            "plain" => Some(Method::Plain),
            _ => None,
        }
    }
}

struct PendingCode {
    grant: Grant,
    redirect_uri: String,
    challenge: String,
    method: Method,
    expires_at: DateTime<Utc>,
}

struct Access {
    username: String,
    expires_at: DateTime<Utc>,
}

/// What a bearer token is to the sim.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Issued and still valid: acts for this account.
    Valid(String),
    Expired,
    /// Not issued here (a static or app token).
    Unknown,
}

/// A token response's contents.
pub struct Issued {
    pub access_token: String,
    /// Only with the `offline.access` scope, as on X.
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub scope: String,
}

#[derive(Default)]
pub struct Tokens {
    codes: HashMap<String, PendingCode>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Grant>,
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// RFC 7636: `BASE64URL(SHA256(verifier)) == challenge` for S256.
pub fn pkce_matches(method: Method, challenge: &str, verifier: &str) -> bool {
    match method {
        Method::S256 => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge,
        Method::Plain => verifier == challenge,
    }
}

impl Tokens {
    /// A fresh authorization code for `grant`.
    pub fn new_code(
        &mut self,
        grant: Grant,
        redirect_uri: &str,
        challenge: &str,
        method: Method,
        now: DateTime<Utc>,
    ) -> String {
        self.codes.retain(|_, c| c.expires_at > now);
        let code = random_token();
        let pending = PendingCode {
            grant,
            redirect_uri: redirect_uri.to_owned(),
            challenge: challenge.to_owned(),
            method,
            expires_at: now + CODE_LIFETIME,
        };
        self.codes.insert(code.clone(), pending);
        code
    }

    /// Exchanges a code once; `None` if it is unknown, used, late, for
    /// another client or redirect URI, or the verifier does not match.
    pub fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        verifier: &str,
        now: DateTime<Utc>,
    ) -> Option<Grant> {
        // Removed whatever happens next: a code is never tried twice.
        let c = self.codes.remove(code)?;
        let ok = c.expires_at > now
            && c.grant.client_id == client_id
            && c.redirect_uri == redirect_uri
            && pkce_matches(c.method, &c.challenge, verifier);
        ok.then_some(c.grant)
    }

    /// Issues an access token (and a refresh token with `offline.access`).
    pub fn issue(&mut self, grant: Grant, ttl: Duration, now: DateTime<Utc>) -> Issued {
        let access_token = random_token();
        self.access.insert(access_token.clone(), Access { username: grant.username.clone(), expires_at: now + ttl });
        let scope = grant.scope.clone();
        let refresh_token = scope.split(' ').any(|s| s == "offline.access").then(|| {
            let t = random_token();
            self.refresh.insert(t.clone(), grant);
            t
        });
        Issued { access_token, refresh_token, expires_in: ttl.num_seconds(), scope }
    }

    /// Takes a refresh token for `client_id` out of use (rotation): its
    /// grant, or `None` if it is unknown, already used, or another client's.
    pub fn take_refresh(&mut self, token: &str, client_id: &str) -> Option<Grant> {
        match self.refresh.get(token) {
            Some(g) if g.client_id == client_id => self.refresh.remove(token),
            _ => None,
        }
    }

    /// A refresh token's grant, leaving it in use: Google does not rotate.
    pub fn use_refresh(&self, token: &str, client_id: &str) -> Option<Grant> {
        self.refresh.get(token).filter(|g| g.client_id == client_id).cloned()
    }

    /// An access token only, for a refresh that does not rotate.
    pub fn issue_access(&mut self, grant: Grant, ttl: Duration, now: DateTime<Utc>) -> Issued {
        let access_token = random_token();
        self.access.insert(access_token.clone(), Access { username: grant.username.clone(), expires_at: now + ttl });
        Issued { access_token, refresh_token: None, expires_in: ttl.num_seconds(), scope: grant.scope }
    }

    /// Revokes every refresh token (the user removed the app's access).
    pub fn revoke_all(&mut self) -> usize {
        let n = self.refresh.len();
        self.refresh.clear();
        n
    }

    pub fn access(&self, token: &str, now: DateTime<Utc>) -> Lookup {
        match self.access.get(token) {
            None => Lookup::Unknown,
            Some(a) if a.expires_at <= now => Lookup::Expired,
            Some(a) => Lookup::Valid(a.username.clone()),
        }
    }

    /// Expires every live access token now; returns how many.
    pub fn expire_all(&mut self, now: DateTime<Utc>) -> usize {
        let live = self.access.values_mut().filter(|a| a.expires_at > now);
        live.map(|a| a.expires_at = now).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(scope: &str) -> Grant {
        Grant { client_id: "c".into(), username: "SP_Balotra".into(), scope: scope.into() }
    }

    #[test]
    fn the_rfc_7636_s256_vector_matches() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_matches(Method::S256, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", verifier));
        assert!(!pkce_matches(Method::S256, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "other"));
    }

    #[test]
    fn a_code_is_used_once_in_time_by_its_client() {
        let mut t = Tokens::default();
        let now = Utc::now();
        let code = t.new_code(grant("tweet.read"), "https://cb", "v", Method::Plain, now);
        assert_eq!(t.redeem_code(&code, "c", "https://cb", "v", now), Some(grant("tweet.read")));
        assert_eq!(t.redeem_code(&code, "c", "https://cb", "v", now), None, "used");
        let code = t.new_code(grant("tweet.read"), "https://cb", "v", Method::Plain, now);
        assert_eq!(t.redeem_code(&code, "c", "https://cb", "v", now + Duration::seconds(31)), None, "late");
        let code = t.new_code(grant("tweet.read"), "https://cb", "v", Method::Plain, now);
        assert_eq!(t.redeem_code(&code, "c", "https://other", "v", now), None, "redirect");
    }

    #[test]
    fn refresh_tokens_rotate_and_access_tokens_expire() {
        let mut t = Tokens::default();
        let now = Utc::now();
        let first = t.issue(grant("tweet.read offline.access"), Duration::seconds(60), now);
        let old = first.refresh_token.unwrap();
        assert_eq!(t.access(&first.access_token, now), Lookup::Valid("SP_Balotra".into()));
        assert_eq!(t.access(&first.access_token, now + Duration::seconds(60)), Lookup::Expired);
        assert_eq!(t.take_refresh(&old, "someone-else"), None);
        let g = t.take_refresh(&old, "c").unwrap();
        let second = t.issue(g, Duration::seconds(60), now);
        assert_ne!(second.refresh_token.as_deref(), Some(old.as_str()));
        assert_eq!(t.take_refresh(&old, "c"), None, "rotated out");
        assert_eq!(t.expire_all(now), 2);
        assert_eq!(t.access(&second.access_token, now), Lookup::Expired);
        assert!(t.issue(grant("tweet.read"), Duration::seconds(1), now).refresh_token.is_none());
    }
}
