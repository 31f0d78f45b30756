//! The fuzz corpus and every crash the fuzzers found, replayed on stable
//! through the same checks the fuzz targets run (`fuzz/checks/src/ingest.rs`,
//! docs/fuzzing.md): webhooks, `POST /v1/posts`, replay lines, the X stream,
//! polled pages and the configuration file.

#[allow(dead_code)]
#[path = "../../../fuzz/checks/src/ingest.rs"]
mod checks;
#[path = "../../../fuzz/checks/src/replay.rs"]
mod replay;

use replay::replay;

#[test]
fn webhook_x() {
    replay("fuzz_webhook_x", checks::webhook_x);
}

#[test]
fn webhook_meta() {
    replay("fuzz_webhook_meta", checks::webhook_meta);
}

#[test]
fn post_json() {
    replay("fuzz_post_json", checks::post_json);
}

#[test]
fn jsonl_replay() {
    replay("fuzz_jsonl_replay", checks::jsonl_replay);
}

#[test]
fn stream_frames() {
    replay("fuzz_stream_frames", checks::stream_frames);
}

#[test]
fn poll_pages() {
    replay("fuzz_poll_pages", checks::poll_pages);
}

#[test]
fn config_toml() {
    replay("fuzz_config_toml", checks::config_toml);
}

/// Found by `fuzz_config_toml`: TOML allows `inf` and `nan`, and ingest
/// turned these seconds into durations at start with
/// `Duration::from_secs_f64(v.max(1.0))`, which panics on infinity and on
/// values past u64 seconds. `IngestConfig::validate` now refuses them.
#[test]
fn seconds_that_are_not_a_duration_are_refused_at_start() {
    use tvarit_config::Validate;
    use tvarit_ingest::config::IngestConfig;
    for bad in
        ["ingest_x_poll_seconds = inf", "ingest_x_stream_stall_seconds = 1e300", "ingest_youtube_poll_seconds = nan"]
    {
        let config: IngestConfig = tvarit_config::from_toml_str(bad).unwrap();
        let err = config.validate().unwrap_err().to_string();
        assert!(err.contains("seconds"), "{bad}: {err}");
    }
    let ok: IngestConfig = tvarit_config::from_toml_str("ingest_x_poll_seconds = 0.5").unwrap();
    ok.validate().unwrap();
}
