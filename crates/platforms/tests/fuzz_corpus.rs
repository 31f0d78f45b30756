//! The fuzz corpus and every crash the fuzzers found, replayed on stable
//! through the same checks the fuzz target runs
//! (`fuzz/checks/src/platforms.rs`, docs/fuzzing.md): X, Meta and YouTube
//! response and error bodies, rate-limit headers and signatures.

#[path = "../../../fuzz/checks/src/platforms.rs"]
mod checks;
#[path = "../../../fuzz/checks/src/replay.rs"]
mod replay;

#[test]
fn platform_responses() {
    replay::replay("fuzz_platform_responses", checks::platform_responses);
}
