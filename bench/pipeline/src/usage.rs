//! Resident memory and CPU of the services, read from /proc by pid (the
//! same numbers their `/metrics` export as process_resident_memory_bytes and
//! process_cpu_seconds_total, without waiting for the exporter's refresh).

use std::time::Instant;

use serde::Serialize;

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Resident set size in MB.
pub fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The bench's `tvarit-ingest replay` processes, metered as the CPU of the
/// bench's children that have ended (each replay ends before its run is
/// read), so that the replay path's ingest is counted too.
pub const REPLAY_CHILDREN: &str = "ingest (replay processes)";

/// User + system CPU seconds so far: of `pid`, or with `children` of the
/// children it has waited for.
fn cpu_seconds(pid: u32, ticks: f64, children: bool) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are 14
    // and 15, cutime and cstime 16 and 17.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let t = |i: usize| f.get(i - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(f64::NAN);
    if children { (t(16) + t(17)) / ticks } else { (t(14) + t(15)) / ticks }
}

/// Busy and total jiffies of the whole machine.
fn machine() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let v: Vec<f64> =
        stat.lines().next().unwrap_or("").split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: f64 = v.iter().sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

/// The servers the services share, by process name: every PostgreSQL
/// backend counts towards `postgres`; of the nats-servers, only the one
/// listening on `nats_port` (another on the machine is not the bench's).
pub fn server_pids(nats_port: u16) -> Vec<(String, u32)> {
    let mut out = Vec::new();
    let mut nats = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        match comm.trim() {
            "nats-server" => nats.push(pid),
            "postgres" => out.push(("postgres (all processes)".to_owned(), pid)),
            _ => {}
        }
    }
    // The port is on the command line (`-p PORT`) or in its config file;
    // when no command line names it, every nats-server is counted.
    let port = nats_port.to_string();
    let named: Vec<u32> = nats
        .iter()
        .copied()
        .filter(|pid| {
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            cmd.split(|b| *b == 0).any(|arg| arg == port.as_bytes() || arg.ends_with(format!(":{port}").as_bytes()))
        })
        .collect();
    let chosen = if named.is_empty() { nats } else { named };
    out.extend(chosen.into_iter().map(|pid| ("nats-server".to_owned(), pid)));
    out
}

/// A CPU meter over a window: started, then read at the end.
pub struct Meter {
    pids: Vec<(String, u32)>,
    ticks: f64,
    start: Instant,
    cpu0: Vec<f64>,
    machine0: (f64, f64),
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceUsage {
    pub service: String,
    pub rss_mb: f64,
    /// Share of one core over the window (1.0 = a whole core).
    pub cores: f64,
    /// CPU-seconds (user + system) spent over the window.
    pub cpu_s: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Usage {
    pub services: Vec<ServiceUsage>,
    /// The whole machine's busy share (1.0 = every core busy).
    pub machine_busy: f64,
    /// The window's length.
    pub seconds: f64,
}

impl Usage {
    /// CPU-seconds of every metered process together.
    pub fn cpu_s(&self) -> f64 {
        self.services.iter().map(|s| s.cpu_s).sum()
    }
}

impl Meter {
    pub fn start(pids: Vec<(String, u32)>) -> Self {
        let ticks = clock_ticks();
        let cpu0 = pids.iter().map(|(n, p)| cpu_seconds(*p, ticks, n == REPLAY_CHILDREN)).collect();
        Self { pids, ticks, start: Instant::now(), cpu0, machine0: machine() }
    }

    pub fn read(&self) -> Usage {
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        // Processes of one name (PostgreSQL's backends) are summed; one that
        // ended during the window counts nothing.
        let mut services: Vec<ServiceUsage> = Vec::new();
        for ((name, pid), c0) in self.pids.iter().zip(&self.cpu0) {
            let children = name == REPLAY_CHILDREN;
            let rss = if children { 0.0 } else { rss_mb(*pid) };
            let cpu = cpu_seconds(*pid, self.ticks, children) - c0;
            let (rss, cpu_s) = if rss.is_nan() || cpu.is_nan() { (0.0, 0.0) } else { (rss, cpu) };
            match services.iter_mut().find(|s| &s.service == name) {
                Some(s) => {
                    s.rss_mb += rss;
                    s.cores += cpu_s / secs;
                    s.cpu_s += cpu_s;
                }
                None => services.push(ServiceUsage { service: name.clone(), rss_mb: rss, cores: cpu_s / secs, cpu_s }),
            }
        }
        let (busy, total) = machine();
        let machine_busy = (busy - self.machine0.0) / (total - self.machine0.1).max(1.0);
        Usage { services, machine_busy, seconds: secs }
    }
}
