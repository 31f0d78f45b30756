//! A power cut between NATS's syncs, replayed on a private nats-server of
//! the pinned release: the consumer's state reached the disk (acked up to
//! sequence 5) but the stream's last two messages did not. The producers
//! then publish those two again (their sync window's records), and the
//! consumer must deliver them, not skip their reused sequence numbers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use async_nats::jetstream::{self, consumer::PullConsumer};
use futures::StreamExt;
use tvarit_bus::{Namespace, StreamKind, StreamSettings, ensure_consumer, ensure_stream};

/// The pinned nats-server (deploy/nats/nats-server.sh installs it).
fn nats_server_binary() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/nats/nats-server.sh");
    let out = Command::new("bash").arg(script).output().expect("running deploy/nats/nats-server.sh");
    assert!(out.status.success(), "nats-server.sh: {}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

struct Server {
    child: Child,
    url: String,
}

impl Server {
    async fn start(binary: &Path, store: &Path, port: u16) -> Server {
        let child = Command::new(binary)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(store)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starting nats-server");
        // Dropped on a failed assertion, it kills the server.
        let server = Server { child, url: format!("nats://127.0.0.1:{port}") };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("nats-server did not listen on {port}");
    }

    async fn js(&self) -> jetstream::Context {
        jetstream::new(async_nats::connect(&self.url).await.unwrap())
    }

    /// A clean stop: SIGTERM, so the server writes its state out.
    fn stop(self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // After `stop`'s SIGTERM this waits for the clean exit; otherwise
        // (a failed test) it kills the server first.
        if !matches!(self.child.try_wait(), Ok(Some(_))) && std::thread::panicking() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

async fn publish(js: &jetstream::Context, subject: &str, ids: std::ops::RangeInclusive<u32>) {
    for i in ids {
        let headers = tvarit_bus::publish_headers(&format!("post-{i}"));
        js.publish_with_headers(subject.to_owned(), headers, format!("{i}").into()).await.unwrap().await.unwrap();
    }
}

async fn take(consumer: &PullConsumer, n: usize) -> Vec<String> {
    let mut got = Vec::new();
    let mut messages = consumer.fetch().max_messages(n).expires(Duration::from_secs(3)).messages().await.unwrap();
    while let Some(Ok(m)) = messages.next().await {
        got.push(String::from_utf8_lossy(&m.payload).into_owned());
        m.ack().await.unwrap();
    }
    got
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_published_again_after_a_lost_stream_tail_are_delivered() {
    let binary = nats_server_binary();
    let store = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ns = Namespace::new("powercut");
    let subject = ns.post_ingested("balotra");
    let stream_name = ns.stream_name("ingested");

    // Three posts synced to disk; the stream's messages saved as they are.
    let server = Server::start(&binary, store.path(), port).await;
    let js = server.js().await;
    ensure_stream(&js, &ns, StreamKind::Ingested, StreamSettings::default()).await.unwrap();
    publish(&js, &subject, 1..=3).await;
    server.stop();
    let msgs = store.path().join("jetstream/$G/streams").join(&stream_name).join("msgs");
    let synced = store.path().join("synced-msgs");
    copy_dir(&msgs, &synced);

    // Two more, consumed and acked: the consumer's state says 5.
    let server = Server::start(&binary, store.path(), port).await;
    let js = server.js().await;
    let stream = ensure_stream(&js, &ns, StreamKind::Ingested, StreamSettings::default()).await.unwrap();
    publish(&js, &subject, 4..=5).await;
    let consumer = ensure_consumer(&stream, "classify", subject.clone(), Duration::from_secs(30)).await.unwrap();
    assert_eq!(take(&consumer, 10).await, ["1", "2", "3", "4", "5"]);
    server.stop();

    // The power cut: the stream's last two messages never reached the disk.
    std::fs::remove_dir_all(&msgs).unwrap();
    copy_dir(&synced, &msgs);

    let server = Server::start(&binary, store.path(), port).await;
    let js = server.js().await;
    let mut stream = ensure_stream(&js, &ns, StreamKind::Ingested, StreamSettings::default()).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.last_sequence, 3, "the stream came back without its tail");
    // NATS 2.15 brings the consumer's stream position back to the stream's
    // end (delivered 3, not 5), so the reused sequences are not skipped.
    // The producers' sync-window records: posts 4 and 5 published again.
    publish(&js, &subject, 4..=5).await;
    let consumer = ensure_consumer(&stream, "classify", subject.clone(), Duration::from_secs(30)).await.unwrap();
    assert_eq!(take(&consumer, 10).await, ["4", "5"], "the republished posts reach the consumer");
    server.stop();
}
