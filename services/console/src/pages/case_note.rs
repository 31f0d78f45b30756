//! Writing an internal note from the case page (`Desk.AddNote`). A refused
//! note is not kept in the page as a refused reply is: the kept text would
//! land in the reply box, one click from going public.

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
