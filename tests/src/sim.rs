//! `tvarit-sim` as a test's platform: started on port 0, driven through its
//! `/sim/*` endpoints.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::bin_path;
use crate::http::{get_json, post_json};

pub struct Sim {
    child: Child,
    pub addr: SocketAddr,
}

impl Sim {
    pub async fn start(args: &[&str]) -> Sim {
        // TVARIT_TEST_SIM_LOG=info (a RUST_LOG filter) shows the sim's log on stderr.
        let log = std::env::var("TVARIT_TEST_SIM_LOG").ok();
        let mut child = std::process::Command::new(bin_path("tvarit-sim"))
            .args(["--listen", "127.0.0.1:0", "--rate", "0"])
            .args(args)
            .env("RUST_LOG", log.as_deref().unwrap_or("warn"))
            .stdout(Stdio::piped())
            .stderr(if log.is_some() { Stdio::inherit() } else { Stdio::null() })
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let addr = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let first = lines.next()?.ok()?;
            // Keep draining so the sim never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            let v: Value = serde_json::from_str(&first).ok()?;
            v["http_addr"].as_str()?.parse::<SocketAddr>().ok()
        })
        .await
        .unwrap()
        .expect("tvarit-sim printed no ready line");
        Sim { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Publishes one post now (corpus format); returns the sim's record.
    pub async fn post(&self, post: Value) -> Value {
        let (status, body) = post_json(self.addr, "/sim/posts", &post).await;
        assert_eq!(status, 201, "sim rejected the post: {body}");
        serde_json::from_str(&body).unwrap()
    }

    pub async fn replies(&self) -> Vec<Value> {
        get_json(self.addr, "/sim/replies").await.as_array().cloned().unwrap_or_default()
    }

    /// Our accounts' own posts (publishing), created ones; `?all=true` adds refused.
    pub async fn published(&self, all: bool) -> Vec<Value> {
        let path = if all { "/sim/published?all=true" } else { "/sim/published" };
        get_json(self.addr, path).await.as_array().cloned().unwrap_or_default()
    }

    pub async fn faults(&self, patch: Value) {
        let (status, body) = post_json(self.addr, "/sim/faults", &patch).await;
        assert!((200..300).contains(&status), "sim faults: {body}");
    }

    pub async fn get(&self, path: &str) -> Value {
        get_json(self.addr, path).await
    }

    pub async fn post_path(&self, path: &str, body: Value) -> (u16, String) {
        post_json(self.addr, path, &body).await
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free loopback port, for a service whose address another process must
/// know before it starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Waits long enough for background work that must NOT happen (a second
/// post) to have had its chance.
pub const SETTLE: Duration = Duration::from_millis(1500);
