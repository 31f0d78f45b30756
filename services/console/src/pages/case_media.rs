//! `GET /cases/{docket}/media/{n}`: the post's n-th photo (or a video's
//! still), fetched by the console from the platform and passed on, for a
//! person who may see the case. The browser only ever talks to the console:
//! the page's CSP stays `img-src 'self'`, and the platform's servers never
//! see an operator's address. Only images, at most `MAX_BYTES`, within
//! `FETCH_TIMEOUT`.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use tvarit_platforms::{FetchError, Fetched, fetch_capped};

use crate::AppState;
use crate::security::Signed;

const MAX_BYTES: usize = 10 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(15);

pub async fn file(State(state): State<AppState>, signed: Signed, Path((docket, n)): Path<(String, usize)>) -> Response {
    let case = match super::case::visible_case(&state, &signed, &docket).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let Some(m) = case.post.as_ref().and_then(|p| p.media.get(n)) else {
        return (StatusCode::NOT_FOUND, "no such attachment").into_response();
    };
    let url = if m.preview_url.is_empty() { &m.url } else { &m.preview_url };
    // Anything but an image (HTML, a script) is not passed to the browser.
    match fetch_capped(&state.media_http, url, MAX_BYTES, FETCH_TIMEOUT, Some("image/")).await {
        Ok(Fetched { content_type, bytes }) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            let why = match e {
                FetchError::TooLarge(_) => "larger than the preview cap".to_owned(),
                FetchError::WrongType(t) => format!("not an image ({t:?})"),
                FetchError::Failed(why) => why,
            };
            tracing::info!(%docket, n, %why, "media preview not shown");
            (StatusCode::BAD_GATEWAY, format!("the platform did not give the file: {why}")).into_response()
        }
    }
}
