//! The provisioned Grafana dashboards against the real system: every file
//! parses, every SQL panel query runs against the migrated metrics schema,
//! and a real Prometheus (the Debian package; deploy/local/check-deploy.sh
//! installs it) scraping the four running services returns data for every
//! PromQL expression.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tvarit_e2e::{TestEnv, authed, desk_client, eventually, free_port, post_line, post_raw, sign};
use tvarit_proto::v1::{ListQueueRequest, ReplyRequest};

use crate::metrics_http::{encode, get};

fn dashboards() -> Vec<(PathBuf, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/dashboards");
    let mut out: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let v = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every panel target's `rawSql` and `expr` across the dashboards.
fn queries(all: &[(PathBuf, Value)]) -> (Vec<String>, Vec<String>) {
    let (mut sql, mut promql) = (Vec::new(), Vec::new());
    for (path, d) in all {
        assert!(d["uid"].is_string() && d["title"].is_string(), "{}: uid and title", path.display());
        for panel in d["panels"].as_array().unwrap() {
            for t in panel["targets"].as_array().unwrap() {
                let uid = t["datasource"]["uid"].as_str().unwrap_or_default();
                match (t["rawSql"].as_str(), t["expr"].as_str()) {
                    (Some(q), _) => {
                        assert_eq!(uid, "tvarit-postgres", "{}", path.display());
                        sql.push(q.to_owned())
                    }
                    (_, Some(e)) => {
                        assert_eq!(uid, "tvarit-prometheus", "{}", path.display());
                        promql.push(e.to_owned())
                    }
                    _ => panic!("{}: panel {:?} has a target with no query", path.display(), panel["title"]),
                }
            }
        }
    }
    (sql, promql)
}

/// Grafana's macros and variables as literals, the schema as the test's.
fn substitute(q: &str, ns: &str, month: &str) -> String {
    let (from, to) =
        ((Utc::now() - chrono::Duration::days(1)).to_rfc3339(), (Utc::now() + chrono::Duration::hours(1)).to_rfc3339());
    let mut q =
        q.replace("tvarit_metrics.", &format!("{ns}_metrics.")).replace("$unit", "balotra").replace("$month", month);
    while let Some(i) = q.find("$__timeFilter(") {
        let end = i + q[i..].find(')').unwrap();
        let col = q[i + "$__timeFilter(".len()..end].to_owned();
        q.replace_range(i..=end, &format!("{col} BETWEEN '{from}' AND '{to}'"));
    }
    q.replace("$__timeFrom()", &format!("'{from}'")).replace("$__timeTo()", &format!("'{to}'"))
}

struct Prometheus(Child);

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_prometheus(env: &TestEnv, targets: &[(&str, SocketAddr)]) -> (Prometheus, SocketAddr) {
    let status = Command::new("sh").args(["-c", "command -v prometheus"]).output().unwrap();
    assert!(
        status.status.success(),
        "the `prometheus` binary is missing: run deploy/local/check-deploy.sh (it installs the Debian package)"
    );
    // The same job as deploy/prometheus/prometheus.yml, at the test's ports.
    let mut config =
        String::from("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: tvarit\n    static_configs:\n");
    for (service, addr) in targets {
        config.push_str(&format!("      - targets: [\"{addr}\"]\n        labels: {{ service: {service} }}\n"));
    }
    let dir = env.dir.path().join("prometheus");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("prometheus.yml"), config).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let log = std::fs::File::create(dir.join("prometheus.log")).unwrap();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", dir.join("prometheus.yml").display()))
        .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    (Prometheus(child), addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_dashboards_query_real_data() {
    let all = dashboards();
    assert_eq!(all.len(), 5, "HQ overview, district live, leaderboard, pipeline health, services");
    let (sql, promql) = queries(&all);
    assert!(!sql.is_empty() && !promql.is_empty());

    let env = TestEnv::new().await;
    let running = env.start_all().await;
    let names = ["ingest", "classify", "reply", "metrics"];
    let targets: Vec<(&str, SocketAddr)> = names.iter().zip(&running).map(|(n, r)| (*n, r.http_addr)).collect();
    let (_prometheus, prom) = start_prometheus(&env, &targets);

    // In balotra through the real pipeline: one case answered, one waiting.
    let posted = Some(Utc::now() - chrono::Duration::seconds(40));
    let lines = [
        post_line("d1", "@SP_Balotra bike chori ho gayi", &["@SP_Balotra"], posted),
        post_line("d2", "@SP_Balotra mobile stolen at the bus stand", &["@SP_Balotra"], posted),
    ];
    // Through the running ingest's signed webhook, so its own counters move.
    for line in &lines {
        let sig = sign(&env.webhook_secret, line.as_bytes());
        let resp = post_raw(running[0].http_addr, "/v1/posts", &[("X-Tvarit-Signature", &sig)], line.as_bytes()).await;
        assert!(resp.status < 300, "{}: {}", resp.status, resp.body);
    }
    let token = env.operator("hq-desk", "hq", "*");
    let mut desk = desk_client(&running[2]).await;
    let docket = eventually(Duration::from_secs(30), "both cases queued", || {
        let (mut desk, token) = (desk.clone(), token.clone());
        async move {
            let req = authed(&token, ListQueueRequest { unit: "balotra".into(), all: true, limit: 0 });
            let cases = desk.list_queue(req).await.ok()?.into_inner().cases;
            let d1 = cases.iter().find(|c| c.post.as_ref().is_some_and(|p| p.post_id == "d1"));
            (cases.len() == 2).then_some(d1?.docket.clone())
        }
    })
    .await;
    desk.reply(authed(&token, ReplyRequest { docket, text: "Action is being taken.".into(), private: false }))
        .await
        .unwrap();

    let month = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(19800).unwrap()).format("%Y-%m").to_string();
    let pool = env.schema_pool("metrics").await;
    eventually(Duration::from_secs(30), "the reply in the rollup", || {
        let pool = pool.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT coalesce(sum(answered), 0)::bigint FROM unit_month_rollup")
                .fetch_one(&pool)
                .await
                .ok()?;
            (n == 1).then_some(())
        }
    })
    .await;
    for q in &sql {
        let q = substitute(q, &env.ns, &month);
        let rows = sqlx::query(sqlx::AssertSqlSafe(q.clone())).fetch_all(&pool).await;
        let rows = rows.unwrap_or_else(|e| panic!("SQL panel query failed: {e}\n{q}"));
        assert!(!rows.is_empty(), "SQL panel query returned no rows for a unit with an answered case:\n{q}");
    }

    // Every PromQL expression returns at least one series.
    for expr in &promql {
        let expr = expr.replace("$unit", "balotra").replace("$service", ".*");
        let path = format!("/api/v1/query?query={}", encode(&expr));
        eventually(Duration::from_secs(60), &format!("data for {expr}"), || {
            let path = path.clone();
            async move {
                let (status, body) = get(prom, &path).await;
                let v: Value = serde_json::from_str(&body).ok()?;
                (status == 200 && v["data"]["result"].as_array().is_some_and(|r| !r.is_empty())).then_some(())
            }
        })
        .await;
    }
    env.cleanup(running).await;
}
