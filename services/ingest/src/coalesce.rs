//! Posts that arrive one per request (the signed webhook) are archived and
//! published together: each request waits for the batch it joined, and its
//! answer is that batch's outcome for its post. A request that arrives while
//! batches are being written joins the next one, so a quiet minute adds no
//! wait and a busy one costs one archive insert, one round of publish acks
//! and one update per batch rather than per post (a commit each, and an fsync
//! each, on PostgreSQL). A post is still acknowledged only once it is
//! archived and JetStream has it.

use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};
use tvarit_proto::v1::Post;

use crate::accept::{AcceptError, Acceptor, Outcome};

/// Posts per batch: beyond this a batch's statements stop getting cheaper
/// per row, and a request would wait behind too many others.
const MAX_BATCH: usize = 256;
/// Batches written at once: one fills while another is in PostgreSQL or
/// waiting for JetStream's acks.
const IN_FLIGHT: usize = 2;

struct Job {
    post: Post,
    done: oneshot::Sender<Result<Outcome, String>>,
}

#[derive(Clone)]
pub struct Coalescer {
    jobs: mpsc::Sender<Job>,
}

impl Coalescer {
    /// Starts the batching task; it ends when the last `Coalescer` is dropped.
    pub fn start(acceptor: Acceptor) -> Self {
        let (jobs, rx) = mpsc::channel(MAX_BATCH * 8);
        tokio::spawn(run(acceptor, rx));
        Self { jobs }
    }

    /// Archives and publishes `post` with whatever else is waiting.
    pub async fn accept(&self, post: Post) -> Result<Outcome, AcceptError> {
        let (done, answer) = oneshot::channel();
        let stopped = || AcceptError::Publish("ingest is shutting down".into());
        self.jobs.send(Job { post, done }).await.map_err(|_| stopped())?;
        // A batch's failure is one error for all its posts; each sender retries.
        answer.await.map_err(|_| stopped())?.map_err(AcceptError::Batch)
    }
}

async fn run(acceptor: Acceptor, mut rx: mpsc::Receiver<Job>) {
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    while let Some(first) = rx.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        // Everything that queued while the slots were busy goes in this batch.
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let (posts, answers): (Vec<Post>, Vec<_>) = jobs.into_iter().map(|j| (j.post, j.done)).unzip();
            metrics::histogram!("tvarit_ingest_webhook_batch_posts").record(posts.len() as f64);
            match acceptor.accept(&posts).await {
                Ok(outcomes) => {
                    for (answer, outcome) in answers.into_iter().zip(outcomes) {
                        let _ = answer.send(Ok(outcome));
                    }
                }
                Err(e) => {
                    let e = e.to_string();
                    for answer in answers {
                        let _ = answer.send(Err(e.clone()));
                    }
                }
            }
            drop(slot);
        });
    }
}
