//! The consumer runner settles each message by its handler's verdict: acked
//! once, retried after the delay, acked after a later stage, NAKed when left
//! without a verdict, and terminated when undecodable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tvarit_bus::{
    Delivery, Runner, StreamKind, StreamSettings, Verdict, Verdicts, declare_stream, ensure_consumer, stream_config,
};

use crate::setup;

fn text(payload: &[u8]) -> Result<String, String> {
    std::str::from_utf8(payload).map(str::to_owned).map_err(|e| e.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_settled_by_its_verdict() {
    let (js, ns) = setup("runner").await;
    let (stream, _) =
        declare_stream(&js, stream_config(&ns, StreamKind::Ingested, StreamSettings::default())).await.unwrap();
    let subject = ns.post_ingested("balotra");
    // The ack wait is far beyond the test: anything redelivered was NAKed.
    let consumer = ensure_consumer(&stream, "test-runner", subject.clone(), Duration::from_secs(60)).await.unwrap();
    for payload in [&b"ack"[..], b"retry", b"later", b"forget", &[0xff, 0xfe]] {
        js.publish(subject.clone(), payload.to_vec().into()).await.unwrap().await.unwrap();
    }

    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let (stage_tx, mut stage_rx) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
    let shutdown = CancellationToken::new();
    let runner = Runner { name: "test-runner", max_batch: 16, decode: text };
    let handler_seen = seen.clone();
    let running = tokio::spawn(runner.run(vec![consumer], shutdown.clone(), move |batch: Vec<Delivery<String>>| {
        let mut verdicts = Vec::new();
        for d in batch {
            let mut seen = handler_seen.lock().unwrap();
            let count = seen.entry(d.value.clone()).or_default();
            *count += 1;
            if *count > 1 {
                verdicts.push(Verdict::Ack);
                continue;
            }
            match d.value.as_str() {
                "ack" => verdicts.push(Verdict::Ack),
                "retry" => verdicts.push(Verdict::Retry(Duration::from_millis(100))),
                "later" => {
                    let (tx, rx) = oneshot::channel();
                    stage_tx.send(tx).unwrap();
                    verdicts.push(Verdict::AckWhen(rx));
                }
                // No verdict for this one (nor anything after it).
                _ => break,
            }
        }
        async move { Verdicts::Each(verdicts) }
    }));

    let later = tokio::time::timeout(Duration::from_secs(10), stage_rx.recv()).await.unwrap().unwrap();
    let counts = |want: &[(&str, usize)]| {
        let seen = seen.lock().unwrap();
        want.iter().all(|(k, n)| seen.get(*k) == Some(n))
    };
    wait_for(|| counts(&[("ack", 1), ("retry", 2), ("forget", 2)])).await;
    let pending = stream.consumer_info("test-runner").await.unwrap();
    assert_eq!(pending.num_ack_pending, 1, "`later` waits for its stage, unacknowledged");
    later.send(()).unwrap();
    let mut acked = false;
    for _ in 0..50 {
        let info = stream.consumer_info("test-runner").await.unwrap();
        if info.num_ack_pending == 0 && info.num_pending == 0 {
            acked = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(acked, "every message settled, the undecodable one terminated");
    assert_eq!(seen.lock().unwrap().len(), 4, "the undecodable message never reached the handler: {seen:?}");
    assert_eq!(seen.lock().unwrap()["later"], 1, "acked after its stage, not redelivered");
    assert_eq!(seen.lock().unwrap()["ack"], 1);

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("the runner stops at shutdown").unwrap();
    js.delete_stream(&stream.cached_info().config.name).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_ack_goes_out_only_after_the_sync_window() {
    let (js, ns) = setup("runner_hold").await;
    let (stream, _) =
        declare_stream(&js, stream_config(&ns, StreamKind::Ingested, StreamSettings::default())).await.unwrap();
    let subject = ns.post_ingested("balotra");
    let consumer = ensure_consumer(&stream, "test-hold", subject.clone(), Duration::from_secs(60)).await.unwrap();
    js.publish(subject.clone(), "ack".into()).await.unwrap().await.unwrap();

    let handled = Arc::new(Mutex::new(0usize));
    let shutdown = CancellationToken::new();
    let runner = Runner { name: "test-hold", max_batch: 16, decode: text };
    let hold = Duration::from_secs(2);
    let counter = handled.clone();
    let running = tokio::spawn(runner.run_holding_acks(hold, vec![consumer], shutdown.clone(), move |batch| {
        *counter.lock().unwrap() += batch.len();
        async { Verdicts::All(Verdict::Ack) }
    }));
    wait_for(|| *handled.lock().unwrap() == 1).await;
    let handled_at = std::time::Instant::now();
    let info = stream.consumer_info("test-hold").await.unwrap();
    assert_eq!(info.num_ack_pending, 1, "handled, but its ack waits for the sync window");
    let mut acked_after = None;
    for _ in 0..100 {
        if stream.consumer_info("test-hold").await.unwrap().num_ack_pending == 0 {
            acked_after = Some(handled_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let acked_after = acked_after.expect("acked within 5 s");
    assert!(acked_after >= hold - Duration::from_millis(300), "acked {acked_after:?} after handling, before the hold");
    assert_eq!(*handled.lock().unwrap(), 1, "acked once, not redelivered");

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), running).await.expect("the runner stops at shutdown").unwrap();
    js.delete_stream(&stream.cached_info().config.name).await.unwrap();
}

async fn wait_for(mut done: impl FnMut() -> bool) {
    for _ in 0..100 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not settled in 5 s");
}
