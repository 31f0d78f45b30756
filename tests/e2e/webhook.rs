use tvarit_e2e::{Service, TestEnv, post_line, post_raw, sign};

/// What is sent, with which signature (`None`: a correct one), and what must come back.
struct BadInput {
    what: &'static str,
    body: Vec<u8>,
    signature: Option<String>,
    status: u16,
    reason: &'static str,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_error_and_publishes_nothing() {
    let env = TestEnv::new().await;
    let ingest = env.start(Service::Ingest).await;
    let addr = ingest.http_addr;
    let secret = env.webhook_secret.clone();
    let signed = |body: &[u8]| sign(&secret, body);

    let wrong_key = post_line("b2", "chori", &["@jaipur_police"], None);
    let cases = [
        BadInput {
            what: "malformed JSON",
            body: b"{\"id\": \"1\", ".to_vec(),
            signature: None,
            status: 400,
            reason: "malformed",
        },
        BadInput {
            what: "invalid UTF-8",
            body: b"{\"id\":\"1\",\"text\":\"\xff\xfe\",\"platform\":\"x\"}".to_vec(),
            signature: None,
            status: 400,
            reason: "invalid_utf8",
        },
        BadInput {
            what: "unknown account",
            body: post_line("u1", "hello", &["@someone_else"], None).into_bytes(),
            signature: None,
            status: 422,
            reason: "invalid",
        },
        BadInput {
            what: "bad signature",
            body: post_line("b1", "chori", &["@jaipur_police"], None).into_bytes(),
            signature: Some("sha256=00".into()),
            status: 401,
            reason: "bad_signature",
        },
        BadInput {
            what: "signature by another secret",
            signature: Some(sign("not-the-secret", wrong_key.as_bytes())),
            body: wrong_key.into_bytes(),
            status: 401,
            reason: "bad_signature",
        },
    ];
    for case in cases {
        let sig = case.signature.unwrap_or_else(|| signed(&case.body));
        let resp = post_raw(addr, "/v1/posts", &[("X-Tvarit-Signature", &sig)], &case.body).await;
        assert_eq!(resp.status, case.status, "{}: {}", case.what, resp.body);
        assert!(resp.body.contains(case.reason), "{}: {}", case.what, resp.body);
    }
    let unsigned =
        post_raw(addr, "/v1/posts", &[], post_line("n1", "chori", &["@jaipur_police"], None).as_bytes()).await;
    assert_eq!(unsigned.status, 401);

    // Oversized: 78 KB against the 64 KiB limit.
    let huge = post_line("h1", &"चोरी ".repeat(6_000), &["@jaipur_police"], None).into_bytes();
    let resp = post_raw(addr, "/v1/posts", &[("X-Tvarit-Signature", &signed(&huge))], &huge).await;
    assert_eq!(resp.status, 413);

    assert_eq!(env.stream_messages("INGESTED").await, 0, "nothing bad was published");

    // Still serving: a good post goes through.
    let good = post_line("g1", "@jaipur_police mera purse chori ho gaya", &["@jaipur_police"], None).into_bytes();
    let resp = post_raw(addr, "/v1/posts", &[("X-Tvarit-Signature", &signed(&good))], &good).await;
    assert_eq!(resp.status, 202, "{}", resp.body);
    assert!(resp.body.contains("\"unit\":\"jaipur\""), "{}", resp.body);
    assert_eq!(env.stream_messages("INGESTED").await, 1);
    env.cleanup(vec![ingest]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_reports_bad_lines_and_keeps_going() {
    let env = TestEnv::new().await;
    let lines = vec![
        post_line("a", "@SP_Balotra meri gaadi chori", &["@SP_Balotra"], None),
        "{not json".to_string(),
        r#"{"id":"c","text":"x","mentions":["@SP_Balotra"],"platform":"x","created_at":"last tuesday"}"#.to_string(),
        post_line("d", "@SP_Balotra thanks", &["@SP_Balotra"], None),
    ];
    let mut file = env.write_file("mixed.jsonl", &lines);
    // And a line that is not UTF-8 at all.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b"{\"id\":\"e\",\"text\":\"\xc3\x28\"}\n");
    file.set_file_name("mixed2.jsonl");
    std::fs::write(&file, bytes).unwrap();
    let out = env.replay(&file);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "new=2 duplicates=0 rejected=3");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in ["line 2: not valid JSON", "line 3: field `created_at`", "line 5: not valid UTF-8"] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    env.cleanup(Vec::new()).await;
}
