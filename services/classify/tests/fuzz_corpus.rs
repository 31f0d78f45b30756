//! The fuzz corpus and every crash the fuzzers found, replayed on stable
//! through the same checks the fuzz targets run
//! (`fuzz/checks/src/classify.rs`, docs/fuzzing.md): the classifier, model
//! files, registry files and the NATS payloads the consumers decode.

#[allow(dead_code)]
#[path = "../../../fuzz/checks/src/classify.rs"]
mod checks;
#[path = "../../../fuzz/checks/src/replay.rs"]
mod replay;

use replay::replay;

#[test]
fn classifier() {
    replay("fuzz_classifier", checks::classifier);
}

#[test]
fn model_file() {
    replay("fuzz_model_file", checks::model_file);
}

#[test]
fn registry_toml() {
    replay("fuzz_registry_toml", checks::registry_toml);
}

#[test]
fn bus_decode() {
    replay("fuzz_bus_decode", checks::bus_decode);
}

/// Found by `fuzz_bus_decode`: a `CaseEvent` whose `at` holds seconds near
/// i64::MAX made `tvarit_proto::time::to_millis` overflow (a panic in debug
/// builds, a wrapped time in release) in every consumer that reads event
/// times (classify's label feedback, metrics, reply). It now saturates.
#[test]
fn timestamps_off_the_wire_do_not_overflow() {
    use tvarit_proto::time::{Timestamp, to_millis};
    assert_eq!(to_millis(&Timestamp { seconds: i64::MAX, nanos: 999_999_999 }), i64::MAX);
    assert_eq!(to_millis(&Timestamp { seconds: i64::MIN, nanos: -999_999_999 }), i64::MIN);
    assert_eq!(to_millis(&Timestamp { seconds: 1_790_000_000, nanos: 5_000_000 }), 1_790_000_000_005);
}
