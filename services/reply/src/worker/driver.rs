//! The loop: recover, claim into free slots, call concurrently, record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Backoff, Failure, Job, Recovery, Retry};

/// How long calls in flight at shutdown may take to finish and be recorded;
/// after that they are dropped, and recovery resolves them.
const DRAIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
pub struct Settings {
    /// Calls in flight at once, across accounts.
    pub pool: usize,
    /// How often due work is looked for when nothing wakes the worker.
    pub tick: Duration,
    /// An item in flight longer than this was cut off by a crash (longer
    /// than any call may take). Recovery runs every quarter of it.
    pub in_flight_timeout: Duration,
    pub backoff: Backoff,
    /// How long an item held by Tvarit itself waits before it is tried again.
    pub held_wait: Duration,
}

impl Settings {
    /// A social platform's deliveries (replies, publications): 8 calls at
    /// once across accounts; 2 s, 4 s … at most five minutes after a
    /// failure; 15 s for what Tvarit itself holds (an account to reconnect,
    /// the database away), which `accounts connect` releases sooner.
    pub fn platform(tick: Duration, in_flight_timeout: Duration) -> Self {
        Self {
            pool: 8,
            tick,
            in_flight_timeout,
            backoff: Backoff::new(Duration::from_secs(2), Duration::from_secs(300)),
            held_wait: Duration::from_secs(15),
        }
    }
}

pub struct Worker<J: Job> {
    job: J,
    settings: Settings,
    /// Lowercase account → until when a 429 told it to wait.
    blocked: Mutex<HashMap<String, Instant>>,
}

impl<J: Job> Worker<J> {
    pub fn new(job: J, settings: Settings) -> Self {
        Self { job, settings, blocked: Mutex::default() }
    }

    pub async fn run(self, shutdown: CancellationToken) {
        let me = Arc::new(self);
        let every = (me.settings.in_flight_timeout / 4).max(Duration::from_secs(1));
        let mut last_recovery: Option<Instant> = None;
        let mut calls = JoinSet::new();
        loop {
            while calls.try_join_next().is_some() {}
            if J::RECOVERY == Recovery::LookFirst && last_recovery.is_none_or(|t| t.elapsed() >= every) {
                if let Err(e) = me.recover().await {
                    tracing::warn!(worker = J::NAME, error = %e, "recovering interrupted deliveries");
                }
                last_recovery = Some(Instant::now());
            }
            let free = me.settings.pool.saturating_sub(calls.len());
            if free > 0 {
                match me.job.claim(free, &me.blocked_now()).await {
                    Ok(items) => {
                        for item in items {
                            calls.spawn(Arc::clone(&me).deliver(item));
                        }
                    }
                    Err(e) => tracing::warn!(worker = J::NAME, error = %e, "claiming due deliveries"),
                }
            }
            // A finished call frees a slot: claim again at once.
            let slot_freed = async {
                if calls.join_next().await.is_none() {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = me.job.woken() => {}
                _ = slot_freed => {}
                _ = tokio::time::sleep(me.settings.tick) => {}
            }
        }
        // Let calls in flight finish and be recorded; a hard stop is what
        // recovery is for.
        let _ = tokio::time::timeout(DRAIN, async { while calls.join_next().await.is_some() {} }).await;
    }

    fn blocked_now(&self) -> Vec<String> {
        let now = Instant::now();
        let mut b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        b.retain(|_, until| *until > now);
        b.keys().cloned().collect()
    }

    fn block(&self, key: &str, until: Instant) {
        let mut b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        let at = b.entry(key.to_lowercase()).or_insert(until);
        *at = (*at).max(until);
    }

    fn is_blocked(&self, key: &str) -> bool {
        let b = self.blocked.lock().unwrap_or_else(|e| e.into_inner());
        b.get(&key.to_lowercase()).is_some_and(|until| *until > Instant::now())
    }

    async fn deliver(self: Arc<Self>, item: J::Item) {
        let outcome = self.job.call(&item).await;
        if let Err(e) = self.settle(&item, outcome).await {
            // Left in flight: recovery resolves it.
            tracing::warn!(worker = J::NAME, id = J::id(&item), error = %e, "recording an outcome");
        }
    }

    async fn settle(&self, item: &J::Item, outcome: Result<J::Done, Failure>) -> anyhow::Result<()> {
        let (id, key, attempts) = (J::id(item), J::key(item), J::attempts(item));
        match outcome {
            Ok(done) => self.job.record_sent(item, done).await,
            Err(Failure::Retry { detail, retry_after, status }) => {
                let wait = retry_after.unwrap_or_default().max(self.settings.backoff.delay(attempts));
                if retry_after.is_some() {
                    self.block(key, Instant::now() + wait);
                }
                tracing::info!(worker = J::NAME, id, account = key, attempts, %detail, wait_s = wait.as_secs_f64(), "retrying later");
                self.job.record_retry(item, &Retry { detail, status, wait, counted: true }).await
            }
            Err(Failure::Held { detail }) => {
                let wait = self.settings.held_wait;
                tracing::info!(worker = J::NAME, id, account = key, %detail, wait_s = wait.as_secs_f64(), "held by tvarit; attempt not counted");
                self.job.record_retry(item, &Retry { detail, status: None, wait, counted: false }).await
            }
            Err(Failure::Refused { detail }) => {
                tracing::warn!(worker = J::NAME, id, account = key, attempts, %detail, "refused");
                self.job.record_failed(item, &detail).await
            }
        }
    }

    /// Resolves items a stopped process left in flight by looking on the
    /// platform; never sends unseen (see [`Recovery::LookFirst`]).
    async fn recover(&self) -> anyhow::Result<()> {
        for item in self.job.interrupted(self.settings.in_flight_timeout).await? {
            let (id, key) = (J::id(&item), J::key(&item));
            // A 429 told the account to wait: looking would be refused too.
            if self.is_blocked(key) {
                continue;
            }
            match self.job.look(&item).await {
                Ok(Some(done)) => {
                    tracing::info!(
                        worker = J::NAME,
                        id,
                        account = key,
                        "interrupted delivery went through; recording it"
                    );
                    self.job.record_sent(&item, done).await?;
                }
                Ok(None) => {
                    tracing::info!(
                        worker = J::NAME,
                        id,
                        account = key,
                        "interrupted delivery did not go through; sending again"
                    );
                    self.job.requeue(&item).await?;
                }
                Err(Failure::Refused { detail }) => {
                    tracing::warn!(worker = J::NAME, id, account = key, %detail, "cannot look for an interrupted delivery; left for a person");
                    self.job.needs_check(&item, &detail).await?;
                }
                Err(Failure::Retry { detail, retry_after, .. }) => {
                    if let Some(wait) = retry_after {
                        self.block(key, Instant::now() + wait);
                    }
                    tracing::info!(worker = J::NAME, id, account = key, %detail, "cannot look for an interrupted delivery yet");
                    self.job.unresolved(&item, &detail).await?;
                }
                Err(Failure::Held { detail }) => {
                    tracing::info!(worker = J::NAME, id, account = key, %detail, "cannot look for an interrupted delivery yet");
                    self.job.unresolved(&item, &detail).await?;
                }
            }
        }
        Ok(())
    }
}
