//! The `Desk` gRPC API for reply clients. Every call is authenticated by
//! bearer token and limited to the operator's units; store errors are mapped
//! to statuses here, in one place, and database details never reach clients.

use std::collections::HashSet;
use std::time::Duration;

use futures::StreamExt;
use prost::Message;
use sqlx::PgPool;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};
use tvarit_bus::Namespace;
use tvarit_proto::v1::desk_server::Desk;
use tvarit_proto::v1::{
    AddNoteRequest, ApproveRequest, Case, CaseEvent, CaseRef, EscalateRequest, Handover, HandoverNote, HandoverNoteRef,
    HandoverNoteRequest, HandoverRequest, ListOperatorsRequest, ListOperatorsResponse, ListQueueRequest,
    ListQueueResponse, Operator as OperatorMsg, QueueUpdate, ReassignRequest, RecordActionRequest, RelabelRequest,
    ReplyRequest, SearchCasesRequest, SearchCasesResponse, Thread, WatchQueueRequest, WhoAmIRequest,
};
use tvarit_proto::{CaseState, Category, Urgency};
use tvarit_registry::Registry;

use crate::store::StoreError;
use crate::store::cases::{self, Action};
use crate::store::operators::{self, Operator};
use crate::store::outbox::Publisher;
use crate::store::search::{self, Cursor};
use crate::store::supervision::{Supervision, supervise};

mod shift;

pub struct DeskService {
    pub pool: PgPool,
    pub nats: async_nats::Client,
    pub ns: Namespace,
    pub registry: Registry,
    pub publisher: Publisher,
    pub max_reply_chars: usize,
    pub senders: std::sync::Arc<crate::outbound::Senders>,
    pub shutdown: CancellationToken,
    /// How long a claim holds while its holder does nothing on the case.
    pub claim_lease: chrono::Duration,
}

/// A new watcher first gets at most this many live cases, most urgent first.
const SNAPSHOT_MAX: i64 = 5000;

/// A watcher that takes no snapshot update for this long is cut off: its
/// events would otherwise pile up in its subscription meanwhile.
const SNAPSHOT_STALL: Duration = Duration::from_secs(30);

/// Sends one snapshot update, always leaving the channel's last slot free
/// for the error that tells a stalled client why its stream ended.
async fn send_snapshot(tx: &mpsc::Sender<Result<QueueUpdate, Status>>, update: QueueUpdate) -> bool {
    match tokio::time::timeout(SNAPSHOT_STALL, tx.reserve_many(2)).await {
        Ok(Ok(mut permits)) => {
            permits.next().expect("two permits reserved").send(Ok(update));
            true
        }
        Ok(Err(_)) => false,
        Err(_) => {
            let _ = tx.try_send(Err(Status::resource_exhausted("client too slow; watch again")));
            false
        }
    }
}

/// Search pages: 50 cases unless asked, never more than 200.
const SEARCH_PAGE: u32 = 50;
const SEARCH_PAGE_MAX: u32 = 200;

/// A search request as a store filter over the units `op` may see; words
/// without a letter or digit are refused rather than matching nothing.
fn search_filter(op: &Operator, r: SearchCasesRequest) -> Result<search::Filter, Status> {
    if !r.text.trim().is_empty() && !r.text.chars().any(char::is_alphanumeric) {
        return Err(Status::invalid_argument("search text has no word to look for"));
    }
    let time = |t: Option<prost_types::Timestamp>| {
        t.map(|t| chrono::DateTime::from_timestamp_millis(tvarit_proto::time::to_millis(&t)).unwrap_or_default())
    };
    let category = match r.category() {
        Category::Unspecified => None,
        c => Some(c.slug()),
    };
    let urgency = match r.urgency() {
        Urgency::Unspecified => None,
        u => Some(u.slug()),
    };
    let state = match r.state() {
        CaseState::Unspecified => None,
        s => Some(s.slug()),
    };
    Ok(search::Filter {
        units: search::scope(op, &r.unit),
        category,
        urgency,
        state,
        since: time(r.since),
        until: time(r.until),
        text: r.text,
        author: r.author,
        platform: r.platform,
        operator: r.operator,
        docket: r.docket,
    })
}

impl DeskService {
    async fn authorize<T>(&self, req: &Request<T>) -> Result<Operator, Status> {
        crate::auth::operator(&self.pool, req).await
    }

    fn check_unit(&self, op: &Operator, unit: &str) -> Result<(), Status> {
        if self.registry.unit(unit).is_none() {
            return Err(Status::invalid_argument(format!("unknown unit {unit:?}")));
        }
        if !op.may_see(unit) {
            return Err(Status::permission_denied(format!("{} may not see unit {unit:?}", op.name)));
        }
        Ok(())
    }

    async fn act(&self, req: Request<CaseRef>, action: Action) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        self.apply(&op, &req.get_ref().docket, action).await
    }

    async fn oversee(&self, op: &Operator, docket: &str, action: Supervision) -> Result<Response<Case>, Status> {
        let (case, events) = supervise(&self.pool, op, docket, action).await.map_err(Status::from)?;
        if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        Ok(Response::new(case.to_proto()))
    }

    async fn apply(&self, op: &Operator, docket: &str, action: Action) -> Result<Response<Case>, Status> {
        let (case, events) =
            cases::act(&self.pool, op, docket, action, self.claim_lease).await.map_err(Status::from)?;
        // Committed: the sweeper publishes the events if this fails.
        if let Err(e) = self.publisher.publish(Some(&events), Duration::ZERO).await {
            tracing::warn!(error = %e, "case event publish deferred to the sweeper");
        }
        Ok(Response::new(case.to_proto()))
    }
}

/// Which district cases HQ's watch forwards: those handed to HQ that the
/// watcher may see, and once more the update that takes one out of HQ's
/// hands (closed, or raised elsewhere), so the watcher drops it.
#[derive(Default)]
struct HandedOver(HashSet<String>);

impl HandedOver {
    fn follows(&mut self, op: &Operator, c: &Case) -> bool {
        if c.unit == cases::HQ {
            return true;
        }
        let live = matches!(c.state(), CaseState::Open | CaseState::InProcess);
        if live && op.may_see(&c.unit) && cases::handed_to_hq(&c.unit, &c.escalated_to) {
            self.0.insert(c.docket.clone());
            true
        } else {
            self.0.remove(&c.docket)
        }
    }
}

#[tonic::async_trait]
impl Desk for DeskService {
    type WatchQueueStream = ReceiverStream<Result<QueueUpdate, Status>>;

    async fn watch_queue(&self, req: Request<WatchQueueRequest>) -> Result<Response<Self::WatchQueueStream>, Status> {
        let op = self.authorize(&req).await?;
        let unit = req.into_inner().unit;
        self.check_unit(&op, &unit)?;
        // HQ's queue holds the district cases handed to it, whose events are on
        // their districts' subjects: HQ's watch hears every unit and keeps its
        // own and the handed-over ones. HQ watchers are a few desks, so the
        // extra decoding is theirs alone.
        let hq = unit == cases::HQ;
        // Subscribe before reading the snapshot so no change falls between.
        let mut events = self
            .nats
            .subscribe(self.ns.case_events_of(if hq { "*" } else { &unit }))
            .await
            .map_err(|_| Status::unavailable("event bus unavailable; try again"))?;
        let snapshot = cases::list(&self.pool, &unit, false, SNAPSHOT_MAX, &op).await.map_err(Status::from)?;
        let (tx, rx) = mpsc::channel(1024);
        let shutdown = self.shutdown.clone();
        tokio::spawn(async move {
            let mut handed = HandedOver::default();
            for case in snapshot {
                let case = case.to_proto();
                if hq {
                    handed.follows(&op, &case);
                }
                let update = QueueUpdate { case: Some(case), kind: 0, snapshot: true };
                if !send_snapshot(&tx, update).await {
                    return;
                }
            }
            loop {
                let msg = tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tx.closed() => return,
                    msg = events.next() => msg,
                };
                let Some(msg) = msg else { return };
                let Ok(event) = CaseEvent::decode(msg.payload.as_ref()) else { continue };
                if hq && !event.case.as_ref().is_some_and(|c| handed.follows(&op, c)) {
                    continue;
                }
                let update = QueueUpdate { case: event.case, kind: event.kind, snapshot: false };
                // A client that stops reading loses its stream, never slows
                // others. The last slot is kept for telling it so: a plain
                // end of stream would look like a normal goodbye.
                if tx.capacity() <= 1 {
                    let _ = tx.try_send(Err(Status::resource_exhausted("client too slow; watch again")));
                    return;
                }
                let _ = tx.try_send(Ok(update));
            }
        });
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn list_queue(&self, req: Request<ListQueueRequest>) -> Result<Response<ListQueueResponse>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        self.check_unit(&op, &r.unit)?;
        let limit = if r.limit == 0 { 1000 } else { r.limit.min(10_000) };
        let rows = cases::list(&self.pool, &r.unit, r.all, i64::from(limit), &op).await.map_err(Status::from)?;
        Ok(Response::new(ListQueueResponse { cases: rows.iter().map(|c| c.to_proto()).collect() }))
    }

    async fn get_case(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        Ok(Response::new(cases::visible(&self.pool, &op, &req.get_ref().docket).await?.to_proto()))
    }

    async fn search_cases(&self, req: Request<SearchCasesRequest>) -> Result<Response<SearchCasesResponse>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        if !r.unit.is_empty() {
            self.check_unit(&op, &r.unit)?;
        }
        let filter = search_filter(&op, r.clone())?;
        let after = match r.cursor.as_str() {
            "" => None,
            c => Some(Cursor::decode(c).ok_or_else(|| Status::invalid_argument("cursor is not one this server gave"))?),
        };
        let limit = if r.limit == 0 { SEARCH_PAGE } else { r.limit.min(SEARCH_PAGE_MAX) };
        let (rows, next) = search::search(&self.pool, &filter, after, i64::from(limit)).await.map_err(Status::from)?;
        Ok(Response::new(SearchCasesResponse {
            cases: rows.iter().map(|c| c.to_proto()).collect(),
            next_cursor: next.map(|c| c.encode()).unwrap_or_default(),
        }))
    }

    async fn get_thread(&self, req: Request<CaseRef>) -> Result<Response<Thread>, Status> {
        let op = self.authorize(&req).await?;
        let case = cases::visible(&self.pool, &op, &req.get_ref().docket).await?;
        let entries = crate::store::thread::entries(&self.pool, &case).await.map_err(StoreError::from)?;
        Ok(Response::new(Thread { case: Some(case.to_proto()), entries }))
    }

    async fn claim(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.act(req, Action::Claim).await
    }

    async fn reply(&self, req: Request<ReplyRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let text = r.text.trim();
        if text.is_empty() {
            return Err(Status::invalid_argument("reply text is empty"));
        }
        let case = cases::visible(&self.pool, &op, &r.docket).await?;
        let post = case.to_proto().post.unwrap_or_default();
        // A case a direct message opened is answered the same way, always.
        let private = r.private || post.private;
        if private && !crate::outbound::dm_capable(&post.platform) {
            return Err(Status::invalid_argument(format!("{} has no direct messages; reply publicly", post.platform)));
        }
        if private && post.author.as_ref().is_none_or(|a| a.id.is_empty()) {
            return Err(Status::failed_precondition("the platform did not name the author's id; reply publicly"));
        }
        let limit = crate::library::guard::reply_limit(&post.platform, self.max_reply_chars);
        let classification = case.to_proto().classification.unwrap_or_default();
        let guard = if private { crate::library::guard::check_private } else { crate::library::guard::check };
        let refused = |e: crate::library::guard::GuardError| Status::invalid_argument(format!("reply refused: {e}"));
        guard(text, &post, &classification, limit).map_err(refused)?;
        if !private {
            // Nor what the author gave later, in a follow-up or a direct message.
            let later = crate::store::follow_ups::posts_of(&self.pool, case.id).await.map_err(StoreError::from)?;
            for (p, c) in &later {
                crate::library::guard::check(text, p, c, limit).map_err(refused)?;
            }
        }
        let send = self.senders.can_send(&post.platform, &post.account);
        let result = self.apply(&op, &r.docket, Action::Reply { text: text.into(), send, private }).await;
        if send {
            self.senders.wake();
        }
        result
    }

    async fn close(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.act(req, Action::Close).await
    }

    async fn acknowledge(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.act(req, Action::Acknowledge).await
    }

    async fn release(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.act(req, Action::Release).await
    }

    async fn reopen(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.act(req, Action::Reopen).await
    }

    async fn relabel(&self, req: Request<RelabelRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let category = match r.category() {
            Category::Unspecified => None,
            c => Some(c),
        };
        let urgency = match r.urgency() {
            Urgency::Unspecified => None,
            u => Some(u),
        };
        if category.is_none() && urgency.is_none() {
            return Err(Status::invalid_argument("give a category, an urgency or both"));
        }
        self.apply(&op, &r.docket, Action::Relabel { category, urgency }).await
    }

    async fn reassign(&self, req: Request<ReassignRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let to = operators::by_name(&self.pool, &r.operator)
            .await
            .map_err(StoreError::from)?
            .ok_or_else(|| Status::invalid_argument(format!("no active operator {:?}", r.operator)))?;
        self.oversee(&op, &r.docket, Supervision::Reassign { to }).await
    }

    async fn escalate(&self, req: Request<EscalateRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        // The next step of the unit's escalation ladder; past its top, the SP.
        let case = cases::get(&self.pool, &r.docket).await.map_err(Status::from)?;
        let steps = self.registry.sla(&case.unit).map(|p| p.ladder(&case.category).to_vec()).unwrap_or_default();
        let rung = steps.get(case.escalation_level.max(0) as usize).map_or("SP", |s| s.to.as_str());
        // A case handed to HQ climbs at HQ, as the SLA timer raises it
        // (`hq/<rung>`), and so stays in HQ's queue.
        let to = if cases::handed_to_hq(&case.unit, &case.escalated_to) && rung != cases::HQ {
            format!("hq/{rung}")
        } else {
            rung.to_owned()
        };
        self.oversee(&op, &r.docket, Supervision::Escalate { reason: r.reason, to }).await
    }

    async fn record_action(&self, req: Request<RecordActionRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let action = Supervision::RecordAction {
            legal_sections: r.legal_sections,
            takedown_requested: r.takedown_requested,
            note: r.note,
        };
        self.oversee(&op, &r.docket, action).await
    }

    async fn approve(&self, req: Request<ApproveRequest>) -> Result<Response<Case>, Status> {
        let op = self.authorize(&req).await?;
        let r = req.into_inner();
        let case = cases::get(&self.pool, &r.docket).await.map_err(Status::from)?;
        let post = case.to_proto().post.unwrap_or_default();
        let send = r.approve && self.senders.can_send(&post.platform, &post.account);
        let result =
            self.oversee(&op, &r.docket, Supervision::Approve { approve: r.approve, send, note: r.note }).await;
        if send {
            self.senders.wake();
        }
        result
    }

    async fn list_operators(
        &self,
        req: Request<ListOperatorsRequest>,
    ) -> Result<Response<ListOperatorsResponse>, Status> {
        let op = self.authorize(&req).await?;
        if !op.supervises() {
            return Err(Status::permission_denied(format!("{} is an operator; supervisors and HQ reassign", op.name)));
        }
        let unit = req.into_inner().unit;
        self.check_unit(&op, &unit)?;
        let found = operators::of_unit(&self.pool, &unit).await.map_err(StoreError::from)?;
        let operators = found.into_iter().map(|o| OperatorMsg { name: o.name, role: o.role, units: o.units }).collect();
        Ok(Response::new(ListOperatorsResponse { operators }))
    }

    async fn add_note(&self, req: Request<AddNoteRequest>) -> Result<Response<Case>, Status> {
        self.add_note_call(req).await
    }

    async fn get_handover(&self, req: Request<HandoverRequest>) -> Result<Response<Handover>, Status> {
        self.get_handover_call(req).await
    }

    async fn write_handover_note(&self, req: Request<HandoverNoteRequest>) -> Result<Response<HandoverNote>, Status> {
        self.write_handover_note_call(req).await
    }

    async fn acknowledge_handover_note(&self, req: Request<HandoverNoteRef>) -> Result<Response<HandoverNote>, Status> {
        self.acknowledge_handover_note_call(req).await
    }

    async fn forward(&self, req: Request<CaseRef>) -> Result<Response<Case>, Status> {
        self.forward_call(req).await
    }

    async fn who_am_i(&self, req: Request<WhoAmIRequest>) -> Result<Response<OperatorMsg>, Status> {
        let op = self.authorize(&req).await?;
        Ok(Response::new(OperatorMsg { name: op.name, role: op.role, units: op.units }))
    }
}
