//! The Desk calls for a shift's work beyond a case's lifecycle: internal
//! notes on a case, forwarding it to its police station, and the hand-over
//! to the next shift (what is live in each unit, and a note the incoming
//! operator acknowledges).

use std::time::Duration;

use tonic::{Request, Response, Status};
use tvarit_proto::time::{from_datetime, from_millis, to_millis};
use tvarit_proto::v1::{
    AddNoteRequest, Case, ClaimedCount, Handover, HandoverNote, HandoverNoteRef, HandoverNoteRequest, HandoverRequest,
    UnitHandover,
};

use super::DeskService;
use crate::store::StoreError;
use crate::store::handover::{self, NOTE_MAX_CHARS, NoteRow, UnitState};
use crate::store::notes;

/// "Emergencies of the shift" when the caller names no start: a shift is
/// at most eight hours.
const DEFAULT_SHIFT: chrono::Duration = chrono::Duration::hours(8);

/// `text` trimmed, refused when empty or longer than `max` characters.
fn words(text: &str, what: &str, max: usize) -> Result<String, Status> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Status::invalid_argument(format!("{what} is empty")));
    }
    let n = text.chars().count();
    if n > max {
        return Err(Status::invalid_argument(format!("{what} is {n} characters; at most {max}")));
    }
    Ok(text.to_owned())
}

fn note_proto(n: NoteRow) -> HandoverNote {
    HandoverNote {
        id: n.id,
        unit: n.unit,
        author: n.author,
        text: n.text,
        written_at: Some(from_millis(n.written_at.timestamp_millis())),
        acknowledged_by: n.acknowledged_by.unwrap_or_default(),
        acknowledged_at: n.acknowledged_at.map(from_datetime),
    }
}

fn unit_proto(unit: String, s: UnitState) -> UnitHandover {
    let cases = |rows: Vec<crate::store::CaseRow>| rows.iter().map(|c| c.to_proto()).collect::<Vec<Case>>();
    UnitHandover {
        unit,
        open: s.open.max(0) as u32,
        claimed: s.claimed.into_iter().map(|(operator, n)| ClaimedCount { operator, cases: n.max(0) as u32 }).collect(),
        awaiting_approval: cases(s.awaiting_approval),
        breached: cases(s.breached),
        emergencies: cases(s.emergencies),
        note: s.note.map(note_proto),
        handed_to_hq: s.handed_to_hq.max(0) as u32,
    }
}

impl DeskService {
    pub(super) async fn add_note_call(&self, req: Request<AddNoteRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let text = words(&r.text, "note", notes::MAX_CHARS)?;
        let (case, events) = notes::add(&self.pool, &op, &r.docket, &text).await.map_err(Status::from)?;
        // Committed: the sweeper publishes the event if this fails.
        if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        Ok(Response::new(case.to_proto()))
    }

    pub(super) async fn forward_call(&self, req: Request<tvarit_proto::v1::CaseRef>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let docket = req.into_inner().docket;
        let (case, events) = crate::store::forward::forward(&self.pool, &op, &docket).await.map_err(Status::from)?;
        if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        Ok(Response::new(case.to_proto()))
    }

    pub(super) async fn get_handover_call(&self, req: Request<HandoverRequest>) -> Result<Response<Handover>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let units: Vec<String> = if r.unit.is_empty() {
            self.registry.units().iter().map(|u| u.slug.clone()).filter(|u| op.may_see(u)).collect()
        } else {
            self.check_unit(&op, &r.unit)?;
            vec![r.unit]
        };
        let since = r
            .since
            .as_ref()
            .and_then(|t| chrono::DateTime::from_timestamp_millis(to_millis(t)))
            .unwrap_or_else(|| chrono::Utc::now() - DEFAULT_SHIFT);
        let mut out = Vec::with_capacity(units.len());
        for unit in units {
            let state = handover::unit_state(&self.pool, &unit, &op, since).await.map_err(StoreError::from)?;
            out.push(unit_proto(unit, state));
        }
        Ok(Response::new(Handover { units: out }))
    }

    pub(super) async fn write_handover_note_call(
        &self,
        req: Request<HandoverNoteRequest>,
    ) -> Result<Response<HandoverNote>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        self.check_unit(&op, &r.unit)?;
        let text = words(&r.text, "hand-over note", NOTE_MAX_CHARS)?;
        let note = handover::write_note(&self.pool, &op, &r.unit, &text).await.map_err(Status::from)?;
        Ok(Response::new(note_proto(note)))
    }

    pub(super) async fn acknowledge_handover_note_call(
        &self,
        req: Request<HandoverNoteRef>,
    ) -> Result<Response<HandoverNote>, Status> {
        let op = self.authorize(&req).await?;
        let id = req.into_inner().id;
        match handover::acknowledge_note(&self.pool, &op, id).await {
            Ok(note) => Ok(Response::new(note_proto(note))),
            // Another unit's note is as absent as one never written.
            Err(StoreError::NoSuchCase(_)) => Err(Status::not_found(format!("no hand-over note {id} in your units"))),
            Err(e) => Err(Status::from(e)),
        }
    }
}
