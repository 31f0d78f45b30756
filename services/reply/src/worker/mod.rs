//! One at-most-once delivery worker: the loop that operators' replies,
//! publication targets and control-room alerts each used to repeat.
//!
//! - **Claim, then call.** A job claims due items (marking them in flight,
//!   attempt counted) and commits that before the outside call: two
//!   replicas never take the same item, and a crash leaves a trace.
//! - **A bounded pool.** Claims only as many as there are free slots and
//!   calls them concurrently, so one slow or failing account never holds
//!   the others.
//! - **Record each outcome**: sent; retry after [`Backoff`] (or the
//!   platform's `retry_after`, which also blocks that account from claims
//!   until then); Tvarit's own hold (no call was made: the attempt does not
//!   count, it waits [`Settings::held_wait`]); refused for good.
//! - **Recovery** of items a stopped process left in flight, by the job's
//!   [`Recovery`] policy: look on the platform before sending again, or
//!   (alerts, whose receiver dedups) send the same body again.
//! - **Wake-ups** from the job (a `Notify`, `LISTEN`), else a tick.

mod driver;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::time::Duration;

use tvarit_platforms::PlatformError;

pub use driver::{Settings, Worker};
/// The one back-off, shared with ingest (`crates/backoff`).
pub use tvarit_backoff::Backoff;

/// Why a call (or a look on the platform) did not deliver.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Try again later: a 429 (`retry_after` is the platform's reset), a
    /// 5xx, a network error. `status` is the HTTP status, if one came.
    Retry { detail: String, retry_after: Option<Duration>, status: Option<u16> },
    /// Tvarit's own hold (the account needs reconnecting, its token could
    /// not be renewed yet, the database is away): no call was made.
    Held { detail: String },
    /// Retrying cannot help; `detail` is the other side's own words.
    Refused { detail: String },
}

impl From<PlatformError> for Failure {
    /// `platform: "tvarit"` on a retryable error says no platform call was
    /// made (see `accounts::CredentialError`).
    fn from(e: PlatformError) -> Self {
        match e {
            PlatformError::Retryable { platform: "tvarit", detail, .. } => Failure::Held { detail },
            PlatformError::Retryable { detail, retry_after, .. } => {
                Failure::Retry { detail, retry_after, status: None }
            }
            PlatformError::Terminal { detail, .. } => Failure::Refused { detail },
        }
    }
}

/// X refuses the same text twice from one account: on a retry (the item's
/// attempt 2 or later) that means an earlier attempt was posted.
pub fn duplicate_on_retry(e: &PlatformError, attempts: i32) -> bool {
    matches!(e, PlatformError::Terminal { detail, .. } if attempts > 1 && detail.contains("duplicate content"))
}

/// A retry as the driver decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    pub detail: String,
    pub status: Option<u16>,
    /// When the item comes due again, from now.
    pub wait: Duration,
    /// False for Tvarit's own hold: the job takes the attempt back.
    pub counted: bool,
}

/// What recovery does with an item a stopped process left in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// At most once (public replies, publications): look on the platform;
    /// record it if there, send again only if not. When the platform cannot
    /// be asked, the one rule: a passing reason (5xx, 429, Tvarit's own
    /// hold) leaves the item in flight with the reason recorded and it is
    /// looked for again next round; a refusal to let Tvarit look
    /// ([`Failure::Refused`]) hands it to a person ([`Job::needs_check`]).
    /// Never sent again unseen.
    LookFirst,
    /// At least once (alerts): the claim is a lease; when it lapses the
    /// item is due again and the same body is sent again. The receiver
    /// drops repeats by the item's id.
    Resend,
}

/// One kind of delivery. Methods returning `anyhow::Result` touch the
/// database; an error leaves the item as it was (in flight: recovery).
pub trait Job: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    /// What the other side confirmed.
    type Done: Send + 'static;

    /// Names the worker in logs.
    const NAME: &'static str;
    const RECOVERY: Recovery;

    fn id(item: &Self::Item) -> i64;
    /// The account the platform rate-limits (lowercased by the driver).
    fn key(item: &Self::Item) -> &str;
    /// The item's attempts, this one included.
    fn attempts(item: &Self::Item) -> i32;

    /// Claims up to `limit` due items whose key is not in `blocked`,
    /// committing them as in flight before returning.
    fn claim(&self, limit: usize, blocked: &[String]) -> impl Future<Output = anyhow::Result<Vec<Self::Item>>> + Send;
    /// The outside call.
    fn call(&self, item: &Self::Item) -> impl Future<Output = Result<Self::Done, Failure>> + Send;
    fn record_sent(&self, item: &Self::Item, done: Self::Done) -> impl Future<Output = anyhow::Result<()>> + Send;
    fn record_retry(&self, item: &Self::Item, retry: &Retry) -> impl Future<Output = anyhow::Result<()>> + Send;
    fn record_failed(&self, item: &Self::Item, detail: &str) -> impl Future<Output = anyhow::Result<()>> + Send;
    /// Resolves when something may have come due (new work, an account
    /// reconnected); the driver also ticks.
    fn woken(&self) -> impl Future<Output = ()> + Send;

    // Recovery by looking (`Recovery::LookFirst`); a `Resend` job keeps
    // these defaults, which the driver never calls.

    /// Items in flight since before `older_than` ago.
    fn interrupted(&self, older_than: Duration) -> impl Future<Output = anyhow::Result<Vec<Self::Item>>> + Send {
        let _ = older_than;
        async { Ok(Vec::new()) }
    }
    /// Looks on the platform for what the interrupted call may have done.
    fn look(&self, item: &Self::Item) -> impl Future<Output = Result<Option<Self::Done>, Failure>> + Send {
        let _ = item;
        async { Ok(None) }
    }
    /// Not on the platform: due again now.
    fn requeue(&self, item: &Self::Item) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = item;
        async { Ok(()) }
    }
    /// Cannot look yet: stays in flight; records why.
    fn unresolved(&self, item: &Self::Item, detail: &str) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = (item, detail);
        async { Ok(()) }
    }
    /// The platform will not let Tvarit look: a person decides.
    fn needs_check(&self, item: &Self::Item, detail: &str) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = (item, detail);
        async { Ok(()) }
    }
}
