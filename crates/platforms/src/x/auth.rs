//! How a user-context call proves which account it acts for: an OAuth 2.0
//! user access token (`Bearer`), or OAuth 1.0a signing.

use super::oauth1::OAuth1;

#[derive(Clone, PartialEq, Eq)]
pub enum UserAuth {
    /// An OAuth 2.0 user access token (PKCE; 2 hours on X).
    Bearer(String),
    /// OAuth 1.0a user context; the request is signed.
    OAuth1(OAuth1),
}

impl std::fmt::Debug for UserAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserAuth::Bearer(_) => f.write_str("UserAuth::Bearer(..)"),
            UserAuth::OAuth1(c) => write!(f, "UserAuth::OAuth1({c:?})"),
        }
    }
}

impl UserAuth {
    /// Adds the `Authorization` header. `url` is without its query, and
    /// `query` the parameters the request carries (OAuth 1.0a signs them).
    pub(crate) fn apply(
        &self,
        req: reqwest::RequestBuilder,
        method: &str,
        url: &str,
        query: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        match self {
            UserAuth::Bearer(token) => req.bearer_auth(token),
            UserAuth::OAuth1(creds) => req.header("authorization", creds.header(method, url, query)),
        }
    }
}
