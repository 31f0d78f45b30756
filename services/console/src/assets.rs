//! The stylesheet and the script, compiled into the binary and served under
//! `/assets/`. Pages link them with a content hash (`?v=`), so browsers may
//! keep them for a year and still get a new version at once.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../assets/console.css"),
    },
    Asset {
        name: "console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/console.js"),
    },
];

/// FNV-1a, enough to tell versions of a file apart.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

fn hashes() -> &'static Vec<(&'static str, String)> {
    static HASHES: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    HASHES.get_or_init(|| ASSETS.iter().map(|a| (a.name, format!("{:016x}", fnv(a.body)))).collect())
}

/// `/assets/<name>?v=<hash>`.
pub fn url(name: &str) -> String {
    let hash = hashes().iter().find(|(n, _)| *n == name).map_or("0", |(_, h)| h.as_str());
    format!("/assets/{name}?v={hash}")
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        asset.body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_carry_the_content_hash() {
        let u = super::url("console.js");
        assert!(u.starts_with("/assets/console.js?v="), "{u}");
        assert_eq!(u.len(), "/assets/console.js?v=".len() + 16);
    }
}
