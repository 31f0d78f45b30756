//! TLS on the links a district uses: tvarit-desk verifies the servers with
//! HQ's CA and is refused without it; under mutual TLS only a client
//! certificate from HQ's CA gets in; the console serves HTTPS and reaches
//! reply over TLS; grpcurl 1.8.6 (reflection v1alpha) lists the services and
//! calls Leaderboard with a token over TLS.

use std::path::Path;
use std::process::Output;

use tvarit_e2e::{Certs, Running, Service, TestEnv, grpcurl};

/// `tvarit-desk --server https://reply --metrics-server https://metrics ARGS`.
fn desk(env: &TestEnv, reply: &Running, metrics: &Running, args: &[&str]) -> Output {
    env.command("tvarit-desk")
        .args(["--server", &format!("https://{}", reply.grpc_addr)])
        .args(["--metrics-server", &format!("https://{}", metrics.grpc_addr)])
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, why: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{why}: the call went through: {}", String::from_utf8_lossy(&out.stdout));
    err
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// HQ's CA and another, and reply and metrics serving TLS with HQ's.
struct Stack {
    env: TestEnv,
    hq: Certs,
    other: Certs,
    reply: Running,
    metrics: Running,
}

async fn stack(mutual: bool) -> Stack {
    let env = TestEnv::new().await;
    let hq = Certs::make(&env.dir.path().join("hq"));
    let other = Certs::make(&env.dir.path().join("other"));
    env.serve_tls(&hq, mutual);
    let reply = env.start(Service::Reply).await;
    let metrics = env.start(Service::Metrics).await;
    Stack { env, hq, other, reply, metrics }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_over_tls_works_with_the_hq_ca_and_is_refused_without_it() {
    let Stack { env, hq, other, reply, metrics } = stack(false).await;
    let token = env.operator("meena", "hq", "*");
    let ca = hq.ca();

    let who = ok(&desk(&env, &reply, &metrics, &["--ca", path(&ca), "--token", &token, "--json", "whoami"]));
    assert!(who.contains("\"meena\""), "{who}");
    let board = &["--ca", path(&ca), "--token", &token, "--json", "leaderboard", "--month", "2026-11"];
    ok(&desk(&env, &reply, &metrics, board));

    let err = refused(&desk(&env, &reply, &metrics, &["--token", &token, "whoami"]), "https without a CA");
    assert!(err.contains("--ca"), "the desk says what is missing: {err}");
    let plain = env.desk_cli(&reply, &token).arg("whoami").output().unwrap();
    refused(&plain, "plain text to a TLS server");
    let err = refused(
        &desk(&env, &reply, &metrics, &["--ca", path(&other.ca()), "--token", &token, "whoami"]),
        "a server certificate from another CA",
    );
    assert!(err.contains("over TLS"), "{err}");

    // The console: HTTPS for the browser, TLS with the CA towards reply
    // (signing in asks reply who the token is).
    env.set_env("TVARIT_TLS_CA_FILE", path(&ca));
    let console = env.start_console(&reply, &metrics).await;
    let url = format!("https://localhost:{}", console.http_addr.port());
    let signin = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--cacert", path(&ca)])
        .args(["-H", &format!("Origin: {url}"), "--data-urlencode", &format!("token={token}")])
        .arg(format!("{url}/signin"))
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&signin.stdout);
    assert!(answer.starts_with("303 ") && answer.ends_with("/queue"), "signing in over HTTPS: {answer}");
    let untrusted = std::process::Command::new("curl")
        .args(["-sf", "--cacert", path(&other.ca())])
        .arg(format!("{url}/healthz"))
        .status()
        .unwrap();
    assert!(!untrusted.success(), "curl trusting another CA must refuse the console");

    env.cleanup(vec![reply, metrics, console]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_refuses_a_client_certificate_from_another_ca() {
    let Stack { env, hq, other, reply, metrics } = stack(true).await;
    let token = env.operator("bhanu", "operator", "balotra");
    let ca = hq.ca();
    let whoami = |cert: Option<(std::path::PathBuf, std::path::PathBuf)>| {
        let mut args = vec!["--ca".to_owned(), path(&ca).to_owned(), "--token".into(), token.clone()];
        if let Some((crt, key)) = cert {
            args.extend(["--cert".into(), path(&crt).into(), "--key".into(), path(&key).into()]);
        }
        args.push("whoami".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        desk(&env, &reply, &metrics, &args)
    };

    assert!(ok(&whoami(Some(hq.client("balotra")))).contains("bhanu"));
    refused(&whoami(None), "no client certificate under mutual TLS");
    refused(&whoami(Some(other.client("balotra"))), "a client certificate from another CA");

    env.cleanup(vec![reply, metrics]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpcurl_lists_the_services_and_calls_the_leaderboard_over_tls() {
    let env = TestEnv::new().await;
    let hq = Certs::make(&env.dir.path().join("hq"));
    env.serve_tls(&hq, false);
    let metrics = env.start(Service::Metrics).await;
    let token = env.operator("meena", "hq", "*");
    let ca = hq.ca();
    let addr = format!("localhost:{}", metrics.grpc_addr.port());

    let list = grpcurl().args(["-cacert", path(&ca), &addr, "list"]).output().unwrap();
    let services = ok(&list);
    for service in ["tvarit.v1.Metrics", "grpc.reflection.v1alpha.ServerReflection"] {
        assert!(services.lines().any(|l| l == service), "{service} is not listed:\n{services}");
    }

    let call = |headers: &[&str]| {
        let mut cmd = grpcurl();
        cmd.args(["-cacert", path(&ca)]);
        for h in headers {
            cmd.args(["-H", h]);
        }
        cmd.args(["-d", r#"{"month": "2026-11"}"#, &addr, "tvarit.v1.Metrics/Leaderboard"]).output().unwrap()
    };
    let board: serde_json::Value = serde_json::from_str(&ok(&call(&[&format!("authorization: Bearer {token}")])))
        .expect("grpcurl prints the answer as JSON");
    assert_eq!(board["month"], "2026-11", "{board}");
    let err = refused(&call(&[]), "Leaderboard without a token");
    assert!(err.contains("Unauthenticated"), "{err}");

    env.cleanup(vec![metrics]).await;
}
