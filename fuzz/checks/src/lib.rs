//! The properties the fuzz targets check, one module per owning crate. Each
//! module is also compiled (with `#[path]`) into that crate's
//! `tests/fuzz_corpus.rs`, which replays `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/` on stable in `cargo test`.

pub mod classify;
pub mod ingest;
pub mod platforms;
