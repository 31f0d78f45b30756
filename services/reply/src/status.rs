//! How reply's errors reach a gRPC caller (`Desk`, `Library`, `Publishing`),
//! in one place: a case outside the caller's units is "not found" (so a
//! docket tells nothing about another unit), a rule that says no is
//! `failed_precondition` or `permission_denied` in its own words, and a
//! database error is logged here and answered `unavailable` (the caller
//! retries), never with the database's words.

use tonic::Status;

use crate::publish::rules::Refusal;
use crate::publish::workflow::Failure;
use crate::store::StoreError;

/// A store that could not answer: logged, and "try again" for the caller.
pub fn unavailable(store: &str, e: sqlx::Error) -> Status {
    tracing::error!(error = %e, store, "database error in a gRPC call");
    Status::unavailable(format!("{store} unavailable; try again"))
}

impl From<StoreError> for Status {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NoSuchCase(d) => Status::not_found(format!("no case {d} in your units")),
            StoreError::Conflict(m) => Status::failed_precondition(m),
            StoreError::Forbidden(m) => Status::permission_denied(m),
            StoreError::Database(e) => unavailable("case store", e),
        }
    }
}

impl From<Refusal> for Status {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(m) => Status::invalid_argument(m),
            Refusal::Denied(m) => Status::permission_denied(m),
            Refusal::Precondition(m) => Status::failed_precondition(m),
        }
    }
}

impl From<Failure> for Status {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Refused(r) => r.into(),
            Failure::NotFound(id) => Status::not_found(format!("no publication pub-{id} in your units")),
            Failure::Db(e) => unavailable("publication store", e),
        }
    }
}
