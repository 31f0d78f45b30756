//! Servers a fault test owns outright, on loopback: NATS (one node or a
//! 3-node cluster) whose nodes it can kill and restart, and a PostgreSQL it can restart, without
//! touching the machine's shared servers other tests run against.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::free_port;

/// `nats-server` processes with JetStream: one node, or several routed
/// into a cluster. Nodes can be killed and started again on their ports.
pub struct NatsCluster {
    nodes: Vec<Option<Child>>,
    client_ports: Vec<u16>,
    monitor_ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

/// The pinned release (deploy/nats/nats-server.sh, the one compose and the
/// shared test server run), installed by ensure-services.sh; `TVARIT_TEST_NATS_SERVER`
/// names another binary; the OS package's server is the last resort.
fn nats_server() -> PathBuf {
    if let Ok(path) = std::env::var("TVARIT_TEST_NATS_SERVER") {
        return path.into();
    }
    let pinned = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/nats/nats-server.sh"))
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|version| PathBuf::from(format!("/opt/tvarit/nats-server-{}/nats-server", version.trim())));
    pinned
        .into_iter()
        .chain(["/usr/sbin/nats-server", "/usr/local/bin/nats-server", "/usr/bin/nats-server"].map(PathBuf::from))
        .find(|p| p.exists())
        .unwrap_or_else(|| "nats-server".into())
}

impl NatsCluster {
    pub async fn start(size: usize) -> NatsCluster {
        Self::start_with(size, "").await
    }

    /// `jetstream_extra` goes inside each node's `jetstream { }` block, e.g.
    /// `max_file_store: 4MB` for a disk that fills up.
    pub async fn start_with(size: usize, jetstream_extra: &str) -> NatsCluster {
        let dir = tempfile::tempdir().unwrap();
        let client_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let route_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let monitor_ports: Vec<u16> = (0..size).map(|_| free_port()).collect();
        let routes =
            route_ports.iter().map(|p| format!("\"nats-route://127.0.0.1:{p}\"")).collect::<Vec<_>>().join(", ");
        for i in 0..size {
            let store = dir.path().join(format!("n{i}"));
            let cluster = if size > 1 {
                format!("cluster {{ name: tvarit-test, listen: 127.0.0.1:{}, routes: [{routes}] }}\n", route_ports[i])
            } else {
                String::new()
            };
            std::fs::write(
                dir.path().join(format!("n{i}.conf")),
                format!(
                    "server_name: n{i}\nlisten: 127.0.0.1:{}\nhttp: 127.0.0.1:{}\n\
                     jetstream {{ store_dir: \"{}\"\n{jetstream_extra}\n}}\n{cluster}",
                    client_ports[i],
                    monitor_ports[i],
                    store.display(),
                ),
            )
            .unwrap();
        }
        let mut cluster =
            NatsCluster { nodes: (0..size).map(|_| None).collect(), client_ports, monitor_ports, _dir: dir };
        for i in 0..size {
            cluster.spawn(i);
        }
        cluster.wait_for_jetstream().await;
        cluster
    }

    fn spawn(&mut self, node: usize) {
        let dir = self._dir.path();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join(format!("n{node}.log"))).unwrap();
        let child = Command::new(nats_server())
            .arg("-c")
            .arg(dir.join(format!("n{node}.conf")))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server must be installed (deploy/local/ensure-services.sh installs it)");
        self.nodes[node] = Some(child);
    }

    /// Restarts a node with `from` replaced by `to` in its configuration
    /// (e.g. a larger `max_file_store`, as an operator fixes a full disk).
    pub async fn restart_with(&mut self, node: usize, from: &str, to: &str) {
        let path = self._dir.path().join(format!("n{node}.conf"));
        let conf = std::fs::read_to_string(&path).unwrap();
        assert!(conf.contains(from), "{from} is not in node {node}'s configuration:\n{conf}");
        std::fs::write(&path, conf.replace(from, to)).unwrap();
        self.restart(node).await;
    }

    /// Starts a killed node again, on its ports and with its store.
    pub async fn restart(&mut self, node: usize) {
        self.kill(node);
        self.spawn(node);
        self.wait_for_jetstream().await;
    }

    /// Every node's client URL, comma-separated, as `TVARIT_NATS_URL` takes it.
    pub fn url(&self) -> String {
        self.client_ports.iter().map(|p| format!("nats://127.0.0.1:{p}")).collect::<Vec<_>>().join(",")
    }

    /// Waits until the cluster has elected a JetStream meta leader.
    async fn wait_for_jetstream(&self) {
        let url = self.url();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while std::time::Instant::now() < deadline {
            match self.jetstream_ready(&url).await {
                Ok(()) => return,
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the NATS cluster's JetStream is not ready: {last}\n{}", self.logs());
    }

    /// Every node's log, for a failing test's message.
    pub fn logs(&self) -> String {
        (0..self.nodes.len())
            .map(|i| std::fs::read_to_string(self._dir.path().join(format!("n{i}.log"))).unwrap_or_default())
            .collect()
    }

    async fn jetstream_ready(&self, url: &str) -> Result<(), String> {
        let servers = tvarit_bus::server_addrs(url).map_err(|e| e.to_string())?;
        let client = async_nats::connect(servers).await.map_err(|e| e.to_string())?;
        let js = async_nats::jetstream::new(client);
        // A replicated stream can be placed only once the meta leader is
        // elected and all three peers are known. (`query_account` is no
        // test: async-nats cannot parse 2.9's account info.)
        let config = async_nats::jetstream::stream::Config {
            name: "READY_PROBE".into(),
            subjects: vec!["ready.probe".into()],
            num_replicas: self.nodes.iter().filter(|n| n.is_some()).count(),
            ..Default::default()
        };
        js.get_or_create_stream(config).await.map_err(|e| e.to_string())?;
        js.delete_stream("READY_PROBE").await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// The node serving the most client connections (clients pick a random
    /// node of the list), from each node's `/connz`, leaving out `except`.
    pub async fn busiest_node(&self, except: Option<usize>) -> usize {
        let mut best = (usize::from(except == Some(0)), 0);
        for (i, port) in self.monitor_ports.iter().enumerate() {
            if Some(i) == except {
                continue;
            }
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], *port));
            let connz = crate::http::get_json(addr, "/connz").await;
            let n = connz["num_connections"].as_u64().unwrap_or(0);
            if n > best.1 {
                best = (i, n);
            }
        }
        best.0
    }

    /// The node leading a stream's replicas (nodes are named `n0`, `n1`, …).
    pub async fn stream_leader(&self, js: &async_nats::jetstream::Context, stream: &str) -> Option<usize> {
        let info = js.get_stream(stream).await.ok()?.info().await.ok()?.clone();
        info.cluster?.leader?.strip_prefix('n')?.parse().ok()
    }

    /// SIGKILL of one node: it leaves the cluster without a goodbye.
    pub fn kill(&mut self, node: usize) {
        if let Some(mut child) = self.nodes[node].take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }
}

impl Drop for NatsCluster {
    fn drop(&mut self) {
        for child in self.nodes.iter_mut().flatten() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A PostgreSQL cluster of its own in a temporary folder, on a free port,
/// with trust authentication for `postgres`.
pub struct LocalPostgres {
    pub port: u16,
    data: PathBuf,
    bin: PathBuf,
    _dir: tempfile::TempDir,
}

fn postgres_bin() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    versions.sort();
    versions.pop().expect("PostgreSQL server binaries under /usr/lib/postgresql")
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb
/// and the server refuse to run as root).
fn pg_tool(bin: &Path, tool: &str) -> Command {
    let path = bin.join(tool);
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    if root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(path);
        cmd
    } else {
        Command::new(path)
    }
}

fn run(mut cmd: Command, what: &str) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl LocalPostgres {
    pub async fn start() -> LocalPostgres {
        let dir = tempfile::tempdir().unwrap();
        // The server's user must own its folder and reach it.
        let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        let _ = Command::new("chown").args(["postgres:postgres"]).arg(dir.path()).status();
        let data = dir.path().join("data");
        let bin = postgres_bin();
        let mut initdb = pg_tool(&bin, "initdb");
        initdb.args(["-A", "trust", "-U", "postgres", "--no-sync", "-D"]).arg(&data);
        run(initdb, "initdb");
        let pg = LocalPostgres { port: free_port(), data, bin, _dir: dir };
        pg.ctl(&["start", "-w"]);
        pg
    }

    fn ctl(&self, args: &[&str]) {
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories={} -c fsync=off",
            self.port,
            self.data.display()
        );
        let mut cmd = pg_tool(&self.bin, "pg_ctl");
        cmd.arg("-D").arg(&self.data).args(["-o", &opts, "-l"]).arg(self.data.join("server.log")).args(args);
        run(cmd, &format!("pg_ctl {args:?}"));
    }

    /// The admin URL the test harness creates its database through.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Fast shutdown (every connection cut), then start again.
    pub fn restart(&self) {
        self.ctl(&["restart", "-w", "-m", "fast"]);
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        let mut cmd = pg_tool(&self.bin, "pg_ctl");
        cmd.arg("-D").arg(&self.data).args(["stop", "-m", "immediate"]);
        let _ = cmd.output();
    }
}
