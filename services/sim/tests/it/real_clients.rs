//! Real client libraries against the sim binary: tweepy, twarc2 and
//! google-api-python-client (pinned in `clients/requirements.txt`) run
//! `clients/real_clients.py`, one printed line per check, against every
//! endpoint the sim serves. The venv is built once per requirements file
//! under target/tmp and reused. Without it the test fails, saying why: a
//! sim no real client has checked is what this test exists to prevent.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/clients");
/// The script's own checks take a few seconds; pip is not run in this time.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// The flags real_clients.py's docstring asks for.
const SIM_FLAGS: &[&str] = &[
    "--listen",
    "127.0.0.1:0",
    "--rate",
    "0",
    "--keepalive-secs",
    "1",
    "--x-app-token",
    "app-token",
    "--x-oauth-client",
    "confidential-app:app-secret",
    "--x-oauth-client",
    "public-app",
    // tweepy's OAuth 1.0a client (check_x_write.py): its signatures are checked.
    "--x-oauth1",
    "ck:cs:42-token:ts",
    "--youtube-daily-quota",
    "200",
];

/// The sim binary, killed when dropped; its log goes to a file.
struct SimProcess {
    child: Child,
    addr: String,
    log: PathBuf,
}

impl SimProcess {
    fn start() -> SimProcess {
        let log = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sim-real-clients.log");
        let mut child = Command::new(env!("CARGO_BIN_EXE_tvarit-sim"))
            .args(SIM_FLAGS)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("the sim's log file"))
            .spawn()
            .expect("tvarit-sim starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("the ready line");
        let ready: serde_json::Value = serde_json::from_str(&first).expect("the ready line is JSON");
        let addr = ready["http_addr"].as_str().expect("http_addr").to_owned();
        SimProcess { child, addr, log }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn run(cmd: &mut Command, what: &str, hint: &str) -> Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what} could not start ({e}). {hint}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}). {hint}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status,
            tail(&String::from_utf8_lossy(&out.stdout), 20),
            tail(&String::from_utf8_lossy(&out.stderr), 30),
        );
    }
    out
}

/// The venv's python, built if this requirements file has none yet.
fn venv() -> PathBuf {
    let requirements = Path::new(CLIENTS).join("requirements.txt");
    let pins = std::fs::read(&requirements).expect("clients/requirements.txt");
    let key = hex::encode(&Sha256::digest(&pins)[..6]);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sim-real-clients-venv-{key}"));
    let python = dir.join("bin").join("python");
    // Written last: a venv whose install was interrupted is never reused.
    let done = dir.join(".installed");
    if done.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&dir);
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&dir),
        "python3 -m venv",
        "The test needs python3 with its venv module.",
    );
    run(
        Command::new(&python)
            .args(["-m", "pip", "install", "--disable-pip-version-check", "--retries", "2", "--timeout", "30", "-r"])
            .arg(&requirements),
        &format!("pip install -r {}", requirements.display()),
        "Is the package index reachable (network, proxy, PIP_INDEX_URL)? The test needs the real clients \
         and fails rather than skip without them.",
    );
    std::fs::write(&done, &pins).expect("marking the venv complete");
    python
}

/// Waits for the script, killing it after `SCRIPT_TIMEOUT`; its output is
/// drained as it comes so a full pipe cannot stall it.
fn finish(mut child: Child) -> (std::process::ExitStatus, String, String) {
    fn drain(r: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    }
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the script") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().expect("the killed script");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (status, out.join().unwrap_or_default(), err.join().unwrap_or_default())
}

#[test]
fn real_clients_agree_with_the_sim() {
    let started = Instant::now();
    let python = venv();
    let venv_took = started.elapsed();
    let sim = SimProcess::start();
    let checks = Instant::now();
    let child = Command::new(&python)
        .arg(Path::new(CLIENTS).join("real_clients.py"))
        .arg(format!("http://{}", sim.addr))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the venv's python starts");
    let (status, out, err) = finish(child);
    // Shown with --nocapture: one line per check, and the times.
    println!("{out}");
    eprintln!("venv ready in {venv_took:.1?}; real clients ran in {:.1?}", checks.elapsed());
    if !status.success() {
        let log = std::fs::read_to_string(&sim.log).unwrap_or_default();
        panic!(
            "real clients disagree with the sim ({status}):\n{out}\n--- script stderr ---\n{}\n--- sim log ---\n{}",
            tail(&err, 40),
            tail(&log, 40),
        );
    }
    assert!(out.contains(" checks agree with the sim"), "the script did not finish: {out}");
}
