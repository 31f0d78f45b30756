//! Replays a fuzz target's committed inputs (`fuzz/corpus/<target>/` and the
//! crashes kept in `fuzz/regressions/<target>/`) through its check, on
//! stable, naming every input that fails. Included with `#[path]` by the
//! owning crates' `tests/fuzz_corpus.rs`.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    // CARGO_MANIFEST_DIR of the crate running the test: crates/x or services/x.
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Runs `check` on every committed input of `target`; fails naming each
/// input that panicked. The corpus must not be empty.
pub fn replay(target: &str, check: fn(&[u8])) {
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        files.extend(entries.map(|e| e.expect("reading the corpus").path()));
    }
    files.sort();
    assert!(!files.is_empty(), "no corpus for {target} under {}", fuzz_dir().display());
    let failed: Vec<String> = files
        .iter()
        .filter(|f| {
            let data = std::fs::read(f).expect("reading a corpus file");
            std::panic::catch_unwind(|| check(&data)).is_err()
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: {} of {} inputs failed: {failed:#?}", failed.len(), files.len());
}
