//! A bad configuration or registry file stops a service at start with an
//! error that names the file and the problem, instead of running on
//! defaults an operator did not choose.

use std::time::Duration;

use tvarit_e2e::{SERVICES, TestEnv};

/// Runs `binary serve` and returns (exit success, stderr); it must exit.
async fn serve_fails(env: &TestEnv, binary: &'static str) -> (bool, String) {
    let mut cmd = env.command(binary);
    cmd.arg("serve").env("RUST_BACKTRACE", "0");
    let child = tokio::process::Command::from(cmd).kill_on_drop(true).output();
    let out = tokio::time::timeout(Duration::from_secs(30), child).await.expect("exits at start").unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_configuration_files_stop_each_service_with_a_clear_error() {
    let env = TestEnv::new().await;
    let cases = [
        ("broken.toml", "nats_url = [\"nats://a:4222\"\n", "TVARIT_CONFIG", "expected"),
        ("wrong-type.toml", "stream_replicas = \"three\"\n", "TVARIT_CONFIG", "invalid type"),
        ("registry.toml", "[[units]]\nname = \"no slug\"\n", "TVARIT_REGISTRY_FILE", "missing field `slug`"),
    ];
    for (file, text, var, says) in cases {
        let path = env.dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let bad = TestEnv::on(env.nats_url.clone(), tvarit_e2e::admin_url()).await;
        bad.set_env(var, path.to_string_lossy());
        for service in SERVICES {
            let (ok, stderr) = serve_fails(&bad, service.binary()).await;
            assert!(!ok, "{} started with a bad {file}", service.binary());
            assert!(stderr.contains(says), "{} on a bad {file} said:\n{stderr}", service.binary());
        }
        bad.cleanup(Vec::new()).await;
    }
    env.cleanup(Vec::new()).await;
}
