//! Harness for cross-service tests: every test gets its own namespace (so
//! its own subjects, streams and schemas) and its own database on the real
//! NATS and PostgreSQL servers, and starts the real binaries on port 0.

mod alerts;
mod browser;
mod desk;
mod http;
mod otlp;
mod process;
mod registry;
mod servers;
mod sim;
mod tls;
mod tools;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rand::Rng;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tonic::Request;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tvarit_config::with_database;
use tvarit_proto::v1::desk_client::DeskClient;

pub use alerts::{AlertReceiver, ReceivedAlert};
pub use browser::{Browser, KEY_CONTROL, KEY_ENTER, artefacts_dir};
pub use http::{HttpResponse, get_redirect, http_client, post_raw, sign, try_post_raw};
pub use otlp::{OtlpReceiver, ReceivedSpan};
pub use process::{Running, Service};
pub use registry::{account_toml, registry_with_sla};
pub use servers::{LocalPostgres, NatsCluster};
pub use sim::{SETTLE, Sim, free_port};
pub use tls::{AuthedMetrics, Certs, metrics_client};
pub use tools::grpcurl;

/// The four services, in pipeline order.
pub const SERVICES: [Service; 4] = [Service::Ingest, Service::Classify, Service::Reply, Service::Metrics];

pub struct TestEnv {
    pub ns: String,
    pub database: String,
    pub database_url: String,
    pub nats_url: String,
    pub webhook_secret: String,
    admin_url: String,
    pub dir: tempfile::TempDir,
    /// Extra environment for every binary this test starts.
    extra_env: std::sync::Mutex<Vec<(String, String)>>,
}

/// The shared NATS server (`TVARIT_TEST_NATS_URL`).
pub fn nats_url() -> String {
    std::env::var("TVARIT_TEST_NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

/// The shared PostgreSQL's admin URL (`TVARIT_TEST_DATABASE_URL`).
pub fn admin_url() -> String {
    std::env::var("TVARIT_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// The test's folder (logs, files it writes). Under `TVARIT_TEST_LOG_DIR`
/// when set, and then kept, so a failing run's service logs can be read.
fn test_dir() -> tempfile::TempDir {
    match std::env::var_os("TVARIT_TEST_LOG_DIR") {
        Some(root) => {
            std::fs::create_dir_all(&root).unwrap();
            let mut dir = tempfile::Builder::new().prefix("e2e-").tempdir_in(root).unwrap();
            dir.disable_cleanup(true);
            dir
        }
        None => tempfile::tempdir().unwrap(),
    }
}

/// Where cargo put the workspace's binaries (next to this test's `deps/`).
pub fn bin_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(|deps| deps.parent()).expect("target dir");
    let path = dir.join(name);
    assert!(path.exists(), "{} is missing: run `cargo build --workspace --bins` first", path.display());
    path
}

impl TestEnv {
    pub async fn new() -> Self {
        Self::on(nats_url(), admin_url()).await
    }

    /// A test environment on servers of the test's own (a NATS cluster, a
    /// PostgreSQL it restarts) instead of the machine's shared ones.
    pub async fn on(nats_url: String, admin_url: String) -> Self {
        let tag: String = format!("{:08x}", rand::rng().random::<u32>());
        let ns = format!("t_{tag}");
        let database = format!("tvarit_test_{tag}");
        let admin = PgPoolOptions::new().max_connections(1).connect(&admin_url).await.expect(
            "PostgreSQL must be reachable at TVARIT_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)",
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&admin).await.unwrap();
        admin.close().await;
        let env = Self {
            database_url: with_database(&admin_url, &database),
            nats_url,
            webhook_secret: format!("secret-{tag}"),
            ns,
            database,
            admin_url,
            dir: test_dir(),
            extra_env: std::sync::Mutex::new(Vec::new()),
        };
        // Districts staffed round the clock unless a test says otherwise, so
        // that no test's events depend on the hour it runs at.
        env.use_registry(&registry::test_registry_toml());
        for service in SERVICES {
            let out = env.command(service.binary()).arg("migrate").output().unwrap();
            assert!(
                out.status.success(),
                "{} migrate failed: {}",
                service.binary(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        env
    }

    /// A command for one of the binaries with this test's environment.
    pub fn command(&self, binary: &str) -> Command {
        let mut cmd = Command::new(bin_path(binary));
        cmd.env("TVARIT_NAMESPACE", &self.ns)
            .env("TVARIT_DATABASE_URL", &self.database_url)
            .env("TVARIT_NATS_URL", &self.nats_url)
            .env("TVARIT_INGEST_WEBHOOK_SECRET", &self.webhook_secret)
            .env_remove("TVARIT_CONFIG")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env("RUST_LOG", "info");
        for (k, v) in self.extra_env.lock().unwrap().iter() {
            cmd.env(k, v);
        }
        for key in [
            "INGEST_HTTP",
            "INGEST_GRPC",
            "CLASSIFY_HTTP",
            "CLASSIFY_GRPC",
            "REPLY_HTTP",
            "REPLY_GRPC",
            "METRICS_HTTP",
            "METRICS_GRPC",
            "CONSOLE_HTTP",
        ] {
            let var = format!("TVARIT_{key}_LISTEN");
            if !self.extra_env.lock().unwrap().iter().any(|(k, _)| *k == var) {
                cmd.env(var, "127.0.0.1:0");
            }
        }
        // Recent-search watching polls every district; only tests of it want
        // those calls (and their checkpoints) against the sim.
        let watch_search = "TVARIT_INGEST_X_WATCH_SEARCH";
        if !self.extra_env.lock().unwrap().iter().any(|(k, _)| k == watch_search) {
            cmd.env(watch_search, "false");
        }
        cmd
    }

    /// Sets an environment variable for every binary started from now on.
    pub fn set_env(&self, key: &str, value: impl Into<String>) {
        self.extra_env.lock().unwrap().push((key.into(), value.into()));
    }

    /// Uses the test registry's units with these `[[accounts]]` instead of
    /// the compiled-in ones.
    pub fn use_accounts(&self, accounts_toml: &str) {
        let toml = registry::test_registry_toml();
        let units = toml.split("[[accounts]]").next().unwrap();
        self.use_registry(&format!("{units}\n{accounts_toml}"));
    }

    pub async fn start(&self, service: Service) -> Running {
        Running::start(self, service, &[]).await
    }

    /// Starts one instance with environment of its own on top of the
    /// test's (e.g. `TVARIT_UNITS` for one of several reply instances).
    pub async fn start_with(&self, service: Service, vars: &[(&str, &str)]) -> Running {
        Running::start(self, service, vars).await
    }

    pub async fn start_all(&self) -> Vec<Running> {
        let mut all = Vec::new();
        for s in SERVICES {
            all.push(self.start(s).await);
        }
        all
    }

    /// Starts the web console against running reply and metrics services.
    pub async fn start_console(&self, reply: &Running, metrics: &Running) -> Running {
        self.set_env("TVARIT_CONSOLE_REPLY_URL", format!("http://{}", reply.grpc_addr));
        self.set_env("TVARIT_CONSOLE_METRICS_URL", format!("http://{}", metrics.grpc_addr));
        self.start(Service::Console).await
    }

    /// Writes `lines` to a file in the test's folder and returns its path.
    pub fn write_file(&self, name: &str, lines: &[String]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    }

    /// `tvarit-ingest replay FILE`, run to completion.
    pub fn replay(&self, file: &std::path::Path) -> Output {
        self.command("tvarit-ingest").arg("replay").arg(file).output().unwrap()
    }

    /// Adds an operator and returns their token.
    pub fn operator(&self, name: &str, role: &str, units: &str) -> String {
        let out = self
            .command("tvarit-reply")
            .args(["operators", "add", name, "--role", role, "--units", units])
            .output()
            .unwrap();
        assert!(out.status.success(), "operators add: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// A pool on one service's schema, for assertions.
    pub async fn schema_pool(&self, service: &str) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(
                self.database_url
                    .parse::<sqlx::postgres::PgConnectOptions>()
                    .unwrap()
                    .options([("search_path", format!("{}_{service}", self.ns))]),
            )
            .await
            .unwrap()
    }

    pub async fn jetstream(&self) -> async_nats::jetstream::Context {
        let servers = tvarit_bus::server_addrs(&self.nats_url).unwrap();
        async_nats::jetstream::new(async_nats::connect(servers).await.unwrap())
    }

    /// Messages currently in one of this test's streams (`INGESTED`, ...).
    pub async fn stream_messages(&self, kind: &str) -> u64 {
        let js = self.jetstream().await;
        let mut stream = js.get_stream(format!("{}_{kind}", self.ns.to_uppercase())).await.unwrap();
        stream.info().await.unwrap().state.messages
    }

    /// Stops the services with SIGTERM (asserting a clean exit) and drops the
    /// test's streams and database. Call at the end of a test.
    pub async fn cleanup(self, running: Vec<Running>) {
        // SIGTERM must end every service cleanly (exit status 0).
        for r in running {
            let name = r.service.binary();
            let status = r.terminate();
            assert!(status.success(), "{name} did not shut down cleanly on SIGTERM: {status}");
        }
        let js = self.jetstream().await;
        for kind in ["INGESTED", "CLASSIFIED", "CASES"] {
            let _ = js.delete_stream(format!("{}_{kind}", self.ns.to_uppercase())).await;
        }
        let admin = PgPoolOptions::new().max_connections(1).connect(&self.admin_url).await.unwrap();
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)))
            .execute(&admin)
            .await;
    }
}

/// A Desk client for `token` at a running reply service.
pub async fn desk_client(reply: &Running) -> DeskClient<Channel> {
    DeskClient::connect(format!("http://{}", reply.grpc_addr)).await.unwrap()
}

/// Wraps `msg` with `authorization: Bearer <token>`.
pub fn authed<T>(token: &str, msg: T) -> Request<T> {
    let mut req = Request::new(msg);
    let v: MetadataValue<_> = format!("Bearer {token}").parse().unwrap();
    req.metadata_mut().insert("authorization", v);
    req
}

/// Polls `check` every 100 ms until it returns `Some`, or panics after
/// `limit` with `what` (bounded: a stuck pipeline fails the test).
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One replay line.
pub fn post_line(id: &str, text: &str, mentions: &[&str], created_at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    let mut v = serde_json::json!({ "id": id, "text": text, "mentions": mentions, "platform": "x" });
    if let Some(t) = created_at {
        v["created_at"] = serde_json::json!(t.to_rfc3339());
    }
    v.to_string()
}
