//! Writing an internal note from the case page (`Desk.AddNote`), and who
//! else has the case open (`presence.rs`). A refused note is not kept in the
//! page as a refused reply is: the kept text would land in the reply box,
//! one click from going public.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tonic::Code;
use tvarit_proto::v1::AddNoteRequest;

use crate::AppState;
use crate::html::percent_encode;
use crate::rpc::authed;
use crate::security::Signed;

#[derive(Deserialize, Default)]
#[serde(default)]
struct NoteForm {
    text: String,
}

pub async fn add(State(state): State<AppState>, signed: Signed, Path(docket): Path<String>, body: Bytes) -> Response {
    let form: NoteForm = match super::form(&body) {
        Ok(f) => f,
        Err(bad) => return bad.into_response(),
    };
    let req = authed(&signed.session.token, AddNoteRequest { docket: docket.clone(), text: form.text });
    let back = format!("/cases/{}#note-form", percent_encode(&docket));
    match state.desk().add_note(req).await {
        Ok(_) => super::done(&signed, &back, Ok("done.noted"), None),
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::NotFound | Code::Unavailable) => {
            super::failure(&state, &signed, &status)
        }
        Err(status) => super::done(&signed, &back, Err(&status), None),
    }
}

/// "ravi is viewing this case" in the person's language; "" when nobody else is.
pub fn presence_text(l: crate::i18n::Lang, others: &[String]) -> String {
    if others.is_empty() { String::new() } else { l.t("presence.viewing").replace("{who}", &others.join(", ")) }
}

/// The case page's presence ping: notes that I have it open and says who
/// else has. Only for a case I may see (the names are my unit's business).
pub async fn presence(State(state): State<AppState>, signed: Signed, Path(docket): Path<String>) -> Response {
    let case = match super::case::visible_case(&state, &signed, &docket).await {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let others = state.presence.viewing(&case.docket, &signed.session.operator.name);
    let text = presence_text(signed.lang, &others);
    axum::Json(serde_json::json!({ "viewers": others, "text": text })).into_response()
}
