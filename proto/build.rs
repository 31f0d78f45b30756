//! Compiles `tvarit/v1/*.proto` with protox (pure Rust), so a fresh machine
//! needs no protoc. protox prints no rerun-if-changed lines itself.
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let files = ["post.proto", "case.proto", "desk.proto", "metrics.proto", "library.proto", "publish.proto"]
        .map(|f| dir.join("tvarit/v1").join(f));
    println!("cargo:rerun-if-changed={}", dir.join("tvarit").display());
    let descriptors = protox::compile(&files, [&dir])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("tvarit_descriptor.bin"), prost::Message::encode_to_vec(&descriptors))?;
    tonic_prost_build::configure().compile_fds(descriptors)?;
    Ok(())
}
