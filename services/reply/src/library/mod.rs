//! Replies: the template and rebuttal libraries, the draft each case gets,
//! and the reply guard, served as the `Library` gRPC API.
//!
//! - Templates are keyed `<category>/<sub-category>` (`complaint/theft`) and
//!   language; the sub-category comes from words in the post
//!   ([`templates::sub_category`]); a key without its own template falls back
//!   to `<category>/general`. Every edit is a new version.
//! - Language: a reply follows the post's script ([`drafts::reply_language`]):
//!   a post classified `hi` or `mixed` is answered in Hindi (Devanagari),
//!   `hi-Latn` (Hinglish, typed in Latin letters) and `en` in English.
//! - Rebuttals: a case whose classification names a library claim
//!   (`rumour_claim_id`), or whose post matches a claim by word overlap
//!   ([`rebuttals::matches`]), gets the rebuttal as its draft.
//! - The guard ([`guard::check`]) says why a reply may not go out.

pub mod drafts;
pub mod guard;
pub mod rebuttals;
pub mod seed;
pub mod service;
pub mod templates;

pub use drafts::reply_language;
pub use service::LibraryService;

/// The `Library` gRPC service, for `tonic`'s router.
pub fn server(
    pool: sqlx::PgPool,
    registry: tvarit_registry::Registry,
    max_reply_chars: usize,
) -> tvarit_proto::v1::library_server::LibraryServer<LibraryService> {
    tvarit_proto::v1::library_server::LibraryServer::new(LibraryService::new(pool, registry, max_reply_chars))
}

/// Lowercased words: split on spaces and punctuation, never inside a
/// Devanagari word (its signs are not alphanumeric in Rust).
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '-') || c == '।' || c == '॥')
        .map(|w| w.trim_matches('-').to_lowercase())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn languages_and_words() {
        let w: Vec<String> = super::words("मेरी बाइक चोरी हो गई। Call-me, OK?").collect();
        assert_eq!(w, ["मेरी", "बाइक", "चोरी", "हो", "गई", "call-me", "ok"]);
    }
}
