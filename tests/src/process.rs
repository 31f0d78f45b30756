//! A running service binary: started on port 0, ready when it logs its
//! bound addresses, its log kept in the test's folder.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::time::Duration;

use crate::TestEnv;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Ingest,
    Classify,
    Reply,
    Metrics,
    /// The web console: HTTP only, so its `grpc_addr` is its HTTP address.
    Console,
}

impl Service {
    pub fn binary(self) -> &'static str {
        match self {
            Service::Ingest => "tvarit-ingest",
            Service::Classify => "tvarit-classify",
            Service::Reply => "tvarit-reply",
            Service::Metrics => "tvarit-metrics",
            Service::Console => "tvarit-console",
        }
    }
}

pub struct Running {
    pub service: Service,
    pub child: Child,
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub log: std::path::PathBuf,
}

impl Running {
    pub(crate) async fn start(env: &TestEnv, service: Service, vars: &[(&str, &str)]) -> Self {
        let log = env.dir.path().join(format!("{}-{}.log", service.binary(), rand::random::<u16>()));
        let mut command = env.command(service.binary());
        command.envs(vars.iter().copied());
        let mut child = command.arg("serve").stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let log_path = log.clone();
        // Copies the child's output to its log file; reports the ready line.
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(&log_path).unwrap();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = writeln!(file, "{line}");
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                    && v["message"] == "ready"
                {
                    let addr = |k: &str| v[k].as_str().and_then(|s| s.parse::<SocketAddr>().ok());
                    // A service without gRPC (the console) logs only its HTTP address.
                    if let Some(h) = addr("http_addr") {
                        let _ = ready_tx.send((h, addr("grpc_addr").unwrap_or(h)));
                    }
                }
            }
        });
        let err_path = log.with_extension("stderr");
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(err_path).unwrap();
            let _ = std::io::copy(&mut BufReader::new(stderr), &mut file);
        });
        let ready = tokio::task::spawn_blocking(move || ready_rx.recv_timeout(Duration::from_secs(60))).await.unwrap();
        let (http_addr, grpc_addr) = match ready {
            Ok(addrs) => addrs,
            Err(_) => panic!(
                "{} did not become ready; log:\n{}\nstderr:\n{}",
                service.binary(),
                std::fs::read_to_string(&log).unwrap_or_default(),
                std::fs::read_to_string(log.with_extension("stderr")).unwrap_or_default()
            ),
        };
        Self { service, child, http_addr, grpc_addr, log }
    }

    /// SIGKILL: no chance to finish or flush anything.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        // Drop finds it already reaped.
    }

    /// SIGTERM, then wait for the process to exit; returns its exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = std::process::Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        self.child.wait().unwrap()
    }
}

impl Drop for Running {
    /// A failing test must not leave services running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
