//! The driver against a fake job: an in-memory queue whose calls answer
//! from a script, with paused tokio time.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum State {
    Due,
    InFlight,
    Sent(&'static str),
    Waiting(Retry),
    Failed(String),
    Unresolved(String),
    NeedsCheck(String),
}

#[derive(Debug, Clone)]
struct Item {
    id: i64,
    account: &'static str,
    attempts: i32,
    /// When this process claimed it; `None`: a stopped process did.
    claimed_at: Option<tokio::time::Instant>,
}

#[derive(Default)]
struct Fake {
    items: Mutex<Vec<(Item, State)>>,
    /// Per item, the answers its calls get in turn; then `Ok("posted")`.
    script: Mutex<HashMap<i64, VecDeque<Result<&'static str, Failure>>>>,
    /// Per interrupted item, what looking on the platform finds.
    found: Mutex<HashMap<i64, Result<Option<&'static str>, Failure>>>,
    claims: Mutex<Vec<Vec<String>>>,
    calls: Mutex<Vec<i64>>,
    in_call: AtomicUsize,
    most_in_call: AtomicUsize,
    call_time: Duration,
    wake: Notify,
}

impl Fake {
    fn with(items: &[(i64, &'static str, State)]) -> Self {
        let items = items
            .iter()
            .map(|(id, account, s)| (Item { id: *id, account, attempts: 0, claimed_at: None }, s.clone()))
            .collect();
        Fake { items: Mutex::new(items), ..Fake::default() }
    }

    fn state(&self, id: i64) -> State {
        let items = self.items.lock().unwrap();
        items.iter().find(|(i, _)| i.id == id).map(|(_, s)| s.clone()).unwrap()
    }

    fn set(&self, id: i64, state: State) {
        let mut items = self.items.lock().unwrap();
        items.iter_mut().find(|(i, _)| i.id == id).unwrap().1 = state;
    }
}

/// The fake as a job: `Driven::<false>` recovers by looking first,
/// `Driven::<true>` by sending again ([`Recovery::Resend`]), so a recovery
/// round the driver should not run would show in the fake's state.
struct Driven<const RESEND: bool>(std::sync::Arc<Fake>);

impl<const RESEND: bool> std::ops::Deref for Driven<RESEND> {
    type Target = Fake;
    fn deref(&self) -> &Fake {
        &self.0
    }
}

impl<const RESEND: bool> Job for Driven<RESEND> {
    type Item = Item;
    type Done = &'static str;
    const NAME: &'static str = if RESEND { "fake-resend" } else { "fake" };
    const RECOVERY: Recovery = if RESEND { Recovery::Resend } else { Recovery::LookFirst };

    fn id(item: &Item) -> i64 {
        item.id
    }
    fn key(item: &Item) -> &str {
        item.account
    }
    fn attempts(item: &Item) -> i32 {
        item.attempts
    }

    async fn claim(&self, limit: usize, blocked: &[String]) -> anyhow::Result<Vec<Item>> {
        self.claims.lock().unwrap().push(blocked.to_vec());
        let mut items = self.items.lock().unwrap();
        let due = items.iter_mut().filter(|(i, s)| *s == State::Due && !blocked.iter().any(|b| b == i.account));
        Ok(due
            .take(limit)
            .map(|(i, s)| {
                i.attempts += 1;
                i.claimed_at = Some(tokio::time::Instant::now());
                *s = State::InFlight;
                i.clone()
            })
            .collect())
    }

    async fn call(&self, item: &Item) -> Result<&'static str, Failure> {
        let now = self.in_call.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_in_call.fetch_max(now, Ordering::SeqCst);
        self.calls.lock().unwrap().push(item.id);
        // Uneven, so calls finish one by one and slots free singly.
        tokio::time::sleep(self.call_time * (1 + item.id as u32 % 3)).await;
        self.in_call.fetch_sub(1, Ordering::SeqCst);
        let next = self.script.lock().unwrap().get_mut(&item.id).and_then(VecDeque::pop_front);
        next.unwrap_or(Ok("posted"))
    }

    async fn record_sent(&self, item: &Item, done: &'static str) -> anyhow::Result<()> {
        self.set(item.id, State::Sent(done));
        Ok(())
    }
    async fn record_retry(&self, item: &Item, retry: &Retry) -> anyhow::Result<()> {
        self.set(item.id, State::Waiting(retry.clone()));
        Ok(())
    }
    async fn record_failed(&self, item: &Item, detail: &str) -> anyhow::Result<()> {
        self.set(item.id, State::Failed(detail.into()));
        Ok(())
    }
    async fn woken(&self) {
        self.wake.notified().await
    }
    async fn interrupted(&self, older_than: Duration) -> anyhow::Result<Vec<Item>> {
        let items = self.items.lock().unwrap();
        let stale = |i: &Item| i.claimed_at.is_none_or(|t| t.elapsed() >= older_than);
        Ok(items.iter().filter(|(i, s)| *s == State::InFlight && stale(i)).map(|(i, _)| i.clone()).collect())
    }
    async fn look(&self, item: &Item) -> Result<Option<&'static str>, Failure> {
        self.found.lock().unwrap().remove(&item.id).unwrap_or(Ok(None))
    }
    async fn requeue(&self, item: &Item) -> anyhow::Result<()> {
        self.set(item.id, State::Due);
        Ok(())
    }
    async fn unresolved(&self, item: &Item, detail: &str) -> anyhow::Result<()> {
        self.set(item.id, State::Unresolved(detail.into()));
        Ok(())
    }
    async fn needs_check(&self, item: &Item, detail: &str) -> anyhow::Result<()> {
        self.set(item.id, State::NeedsCheck(detail.into()));
        Ok(())
    }
}

/// The platform jobs' settings, with a short in-flight time-out.
fn settings(pool: usize) -> Settings {
    Settings { pool, ..Settings::platform(Duration::from_millis(250), Duration::from_secs(4)) }
}

/// Runs the worker over `fake` for `for_` of (paused) time.
async fn run_for(fake: &std::sync::Arc<Fake>, pool: usize, for_: Duration) {
    let stop = CancellationToken::new();
    let worker = tokio::spawn(Worker::new(Driven::<false>(fake.clone()), settings(pool)).run(stop.clone()));
    tokio::time::sleep(for_).await;
    stop.cancel();
    worker.await.unwrap();
}

fn retry(detail: &str, retry_after: Option<u64>) -> Failure {
    Failure::Retry { detail: detail.into(), retry_after: retry_after.map(Duration::from_secs), status: None }
}

#[tokio::test(start_paused = true)]
async fn calls_run_concurrently_but_never_more_than_the_pool() {
    let items: Vec<_> = (1..=20).map(|id| (id, if id % 2 == 0 { "a" } else { "b" }, State::Due)).collect();
    let fake = std::sync::Arc::new(Fake { call_time: Duration::from_millis(100), ..Fake::with(&items) });
    run_for(&fake, 4, Duration::from_secs(3)).await;
    assert_eq!(fake.most_in_call.load(Ordering::SeqCst), 4);
    for id in 1..=20 {
        assert_eq!(fake.state(id), State::Sent("posted"), "item {id}");
    }
    assert_eq!(fake.calls.lock().unwrap().len(), 20, "each sent once");
}

#[tokio::test(start_paused = true)]
async fn a_429_blocks_its_account_for_the_platforms_reset_and_no_other() {
    let fake = std::sync::Arc::new(Fake::with(&[(1, "SP_Balotra", State::Due), (2, "SP_Jaipur", State::Due)]));
    fake.script.lock().unwrap().insert(1, VecDeque::from([Err(retry("429 too many requests", Some(40)))]));
    run_for(&fake, 8, Duration::from_secs(1)).await;
    let State::Waiting(r) = fake.state(1) else { panic!("{:?}", fake.state(1)) };
    assert_eq!((r.wait, r.counted), (Duration::from_secs(40), true), "the reset, not the shorter back-off");
    assert_eq!(fake.state(2), State::Sent("posted"), "the other account is not held");
    let claims = fake.claims.lock().unwrap();
    assert_eq!(claims.last().unwrap(), &vec!["sp_balotra".to_string()], "claims skip the blocked account");
}

#[tokio::test(start_paused = true)]
async fn a_5xx_backs_off_by_attempt_and_blocks_nobody() {
    let fake = std::sync::Arc::new(Fake::with(&[(1, "a", State::Due)]));
    fake.items.lock().unwrap()[0].0.attempts = 2;
    fake.script.lock().unwrap().insert(1, VecDeque::from([Err(retry("503", None))]));
    run_for(&fake, 8, Duration::from_secs(1)).await;
    let State::Waiting(r) = fake.state(1) else { panic!("{:?}", fake.state(1)) };
    assert_eq!(r.wait, Duration::from_secs(8), "third attempt: 2 s doubled twice");
    assert!(fake.claims.lock().unwrap().iter().all(Vec::is_empty));
}

#[tokio::test(start_paused = true)]
async fn tvarits_own_hold_waits_and_does_not_count() {
    let fake = std::sync::Arc::new(Fake::with(&[(1, "a", State::Due)]));
    let held = Failure::from(tvarit_platforms::PlatformError::Retryable {
        platform: "tvarit",
        detail: "reconnect @a".into(),
        retry_after: None,
    });
    fake.script.lock().unwrap().insert(1, VecDeque::from([Err(held)]));
    run_for(&fake, 8, Duration::from_secs(1)).await;
    let State::Waiting(r) = fake.state(1) else { panic!("{:?}", fake.state(1)) };
    assert_eq!((r.wait, r.counted, r.detail.as_str()), (Duration::from_secs(15), false, "reconnect @a"));
}

#[tokio::test(start_paused = true)]
async fn a_refusal_is_recorded_in_the_platforms_words() {
    let fake = std::sync::Arc::new(Fake::with(&[(1, "a", State::Due)]));
    fake.script
        .lock()
        .unwrap()
        .insert(1, VecDeque::from([Err(Failure::Refused { detail: "reply not allowed".into() })]));
    run_for(&fake, 8, Duration::from_secs(1)).await;
    assert_eq!(fake.state(1), State::Failed("reply not allowed".into()));
}

/// Items a stopped process left in flight are resolved by looking, and the
/// platform is not called for any of them unless the look found nothing.
#[tokio::test(start_paused = true)]
async fn recovery_looks_before_sending_again() {
    let fake = std::sync::Arc::new(Fake::with(&[
        (1, "a", State::InFlight),
        (2, "a", State::InFlight),
        (3, "b", State::InFlight),
        (4, "c", State::InFlight),
    ]));
    for (i, _) in fake.items.lock().unwrap().iter_mut() {
        i.attempts = 1;
    }
    fake.found.lock().unwrap().extend([
        (1, Ok(Some("found"))),
        (2, Ok(None)),
        (3, Err(retry("503", None))),
        (4, Err(Failure::Refused { detail: "no read access".into() })),
    ]);
    run_for(&fake, 8, Duration::from_millis(500)).await;
    assert_eq!(fake.state(1), State::Sent("found"));
    assert_eq!(fake.state(2), State::Sent("posted"), "not there: sent again");
    assert_eq!(fake.state(3), State::Unresolved("503".into()), "stays in flight, looked for again");
    assert_eq!(fake.state(4), State::NeedsCheck("no read access".into()));
    assert_eq!(*fake.calls.lock().unwrap(), vec![2], "only the one not found was sent");
}

#[tokio::test(start_paused = true)]
async fn a_wake_up_claims_before_the_tick() {
    let fake = std::sync::Arc::new(Fake::with(&[]));
    let stop = CancellationToken::new();
    let settings = Settings { tick: Duration::from_secs(3600), ..settings(8) };
    let worker = tokio::spawn(Worker::new(Driven::<false>(fake.clone()), settings).run(stop.clone()));
    tokio::time::sleep(Duration::from_millis(10)).await;
    fake.items.lock().unwrap().push((Item { id: 9, account: "a", attempts: 0, claimed_at: None }, State::Due));
    fake.wake.notify_one();
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(fake.state(9), State::Sent("posted"));
    stop.cancel();
    worker.await.unwrap();
}

/// An at-least-once job's interrupted items are its claim's business (a
/// lapsing lease), never looked for: the driver runs no recovery for it.
#[tokio::test(start_paused = true)]
async fn a_resend_job_is_never_looked_for() {
    let fake = std::sync::Arc::new(Fake::with(&[(1, "a", State::InFlight), (2, "a", State::Due)]));
    fake.items.lock().unwrap()[0].0.attempts = 1;
    fake.found.lock().unwrap().insert(1, Ok(Some("found")));
    let stop = CancellationToken::new();
    let worker = tokio::spawn(Worker::new(Driven::<true>(fake.clone()), settings(8)).run(stop.clone()));
    // The clock is paused: 10 s of virtual time are ten recovery rounds of a
    // LookFirst job (every in-flight time-out / 4), none of which may run.
    tokio::time::sleep(Duration::from_secs(10)).await;
    stop.cancel();
    worker.await.unwrap();
    assert_eq!(fake.state(1), State::InFlight, "left to its lease");
    assert!(fake.found.lock().unwrap().contains_key(&1), "never looked for");
    assert_eq!(fake.state(2), State::Sent("posted"));
}
