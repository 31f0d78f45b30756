//! One deployment under test: its own namespace, a fresh database, a
//! registry file, and the four release services started on port 0 (as the
//! cross-service tests start them), each logging to a file in the work dir.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use sqlx::Connection;
use tokio::process::{Child, Command};
use tvarit_config::with_database;

use crate::registry_file::{self, BenchUnit};

pub const SERVICES: [&str; 4] = ["ingest", "classify", "reply", "metrics"];

pub struct Env {
    pub bins: PathBuf,
    pub nats_url: String,
    pub admin_url: String,
    pub work: PathBuf,
}

pub struct Service {
    pub name: &'static str,
    pub child: Child,
    pub pid: u32,
    pub http: SocketAddr,
    pub grpc: SocketAddr,
}

pub struct Deployment {
    pub ns: String,
    pub database: String,
    pub database_url: String,
    pub webhook_secret: String,
    pub units: Vec<BenchUnit>,
    pub services: Vec<Service>,
    pub token: String,
    /// The hot district's index in `units`: it gets 80 % of the posts.
    pub hot: Option<usize>,
    dir: PathBuf,
    registry: PathBuf,
    bins: PathBuf,
    nats_url: String,
    admin_url: String,
}

impl Deployment {
    /// Creates the namespace's database and registry, migrates, starts the
    /// services and adds an HQ operator (who may watch every unit).
    pub async fn start(env: &Env, tag: &str, districts: usize) -> anyhow::Result<Self> {
        Self::start_split(env, tag, districts, None).await
    }

    /// As [`Deployment::start`]; with `own_reply` (a unit slug) the reply
    /// service takes every other unit (`TVARIT_UNITS=-<slug>`) and a second
    /// reply instance takes that unit alone.
    pub async fn start_split(env: &Env, tag: &str, districts: usize, own_reply: Option<&str>) -> anyhow::Result<Self> {
        let stamp = chrono::Utc::now().format("%H%M%S");
        let ns = format!("bench_{tag}_{stamp}");
        let database = format!("tvarit_{ns}");
        let mut admin = sqlx::PgConnection::connect(&env.admin_url).await.context("connecting to PostgreSQL")?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&mut admin).await?;
        admin.close().await?;
        let dir = env.work.join(&ns);
        std::fs::create_dir_all(&dir)?;
        let (toml, units) = registry_file::build(districts);
        let registry = dir.join("registry.toml");
        std::fs::write(&registry, toml)?;
        let mut d = Self {
            database_url: with_database(&env.admin_url, &database),
            webhook_secret: format!("bench-webhook-{stamp}"),
            ns,
            database,
            units,
            services: Vec::new(),
            token: String::new(),
            hot: None,
            dir,
            registry,
            bins: env.bins.clone(),
            nats_url: env.nats_url.clone(),
            admin_url: env.admin_url.clone(),
        };
        for name in SERVICES {
            let out = d.command(&format!("tvarit-{name}")).arg("migrate").output().await?;
            if !out.status.success() {
                bail!("tvarit-{name} migrate: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
        for name in SERVICES {
            let units = match (name, own_reply) {
                ("reply", Some(unit)) => format!("-{unit}"),
                _ => String::new(),
            };
            let service = d.spawn(name, name, &units).await?;
            d.services.push(service);
        }
        if let Some(unit) = own_reply {
            let service = d.spawn("reply", "reply-district", unit).await?;
            d.services.push(service);
        }
        let out = d
            .command("tvarit-reply")
            .args(["operators", "add", "bench", "--role", "hq", "--units", "*"])
            .output()
            .await?;
        if !out.status.success() {
            bail!("operators add: {}", String::from_utf8_lossy(&out.stderr));
        }
        d.token = String::from_utf8(out.stdout)?.trim().to_owned();
        Ok(d)
    }

    pub fn command(&self, binary: &str) -> Command {
        let mut cmd = Command::new(self.bins.join(binary));
        cmd.env("TVARIT_NAMESPACE", &self.ns)
            .env("TVARIT_DATABASE_URL", &self.database_url)
            .env("TVARIT_NATS_URL", &self.nats_url)
            .env("TVARIT_REGISTRY_FILE", &self.registry)
            .env("TVARIT_INGEST_WEBHOOK_SECRET", &self.webhook_secret)
            .env_remove("TVARIT_CONFIG")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env("RUST_LOG", "info")
            .kill_on_drop(true);
        for s in SERVICES {
            for kind in ["HTTP", "GRPC"] {
                cmd.env(format!("TVARIT_{}_{kind}_LISTEN", s.to_uppercase()), "127.0.0.1:0");
            }
        }
        cmd
    }

    /// Starts `tvarit-<name> serve` taking `units` (`TVARIT_UNITS`), logging
    /// to `<log_name>.log`; ready when the log has the `ready` line with the
    /// bound addresses.
    async fn spawn(&self, name: &'static str, log_name: &str, units: &str) -> anyhow::Result<Service> {
        let log = self.dir.join(format!("{log_name}.log"));
        let child = self
            .command(&format!("tvarit-{name}"))
            .env("TVARIT_UNITS", units)
            .arg("serve")
            .stdout(Stdio::from(std::fs::File::create(&log)?))
            .stderr(Stdio::from(std::fs::File::create(log.with_extension("stderr"))?))
            .spawn()?;
        let pid = child.id().context("service pid")?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some((http, grpc)) = ready_line(&log) {
                return Ok(Service { name, child, pid, http, grpc });
            }
            if Instant::now() > deadline {
                bail!("tvarit-{name} did not log `ready` within 60 s; see {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn service(&self, name: &str) -> &Service {
        self.services.iter().find(|s| s.name == name).expect("a started service")
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// SIGTERM to each service (by its pid), then drops the streams and the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        for s in &self.services {
            let _ = std::process::Command::new("kill").args(["-TERM", &s.pid.to_string()]).status();
        }
        for s in &mut self.services {
            if tokio::time::timeout(Duration::from_secs(20), s.child.wait()).await.is_err() {
                eprintln!("tvarit-{} did not stop in 20 s: killing it", s.name);
                let _ = s.child.kill().await;
            }
        }
        let js = async_nats::jetstream::new(async_nats::connect(&self.nats_url).await?);
        for kind in ["INGESTED", "CLASSIFIED", "CASES"] {
            let _ = js.delete_stream(format!("{}_{kind}", self.ns.to_uppercase())).await;
        }
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database)))
            .execute(&mut admin)
            .await?;
        Ok(())
    }
}

fn ready_line(log: &Path) -> Option<(SocketAddr, SocketAddr)> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().find_map(|line| {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        let fields = if v["message"] == "ready" { &v } else { &v["fields"] };
        if fields["message"] != "ready" {
            return None;
        }
        let addr = |k: &str| fields[k].as_str().and_then(|s| s.parse().ok());
        Some((addr("http_addr")?, addr("grpc_addr")?))
    })
}
