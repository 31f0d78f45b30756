//! The deployment's time zone, from the same registry the services read
//! (`TVARIT_REGISTRY_FILE`, else the compiled-in one): times are shown in it,
//! and dates typed without a time mean its midnight. Read once at start
//! ([`init`]), before the arguments are parsed, as their parsers use it.

use std::sync::OnceLock;

use anyhow::Context;
use chrono_tz::Tz;

static ZONE: OnceLock<Tz> = OnceLock::new();

/// Reads the registry's `time_zone`; a bad file is an error that names it.
pub fn init() -> anyhow::Result<()> {
    let file = std::env::var_os("TVARIT_REGISTRY_FILE").filter(|f| !f.is_empty());
    let registry = tvarit_registry::Registry::load(file.as_ref().map(std::path::Path::new))
        .with_context(|| format!("reading the registry {:?} (TVARIT_REGISTRY_FILE)", file.unwrap_or_default()))?;
    let _ = ZONE.set(registry.time_zone());
    Ok(())
}

/// The zone [`init`] read; the compiled-in registry's before that (tests).
pub fn zone() -> Tz {
    *ZONE.get_or_init(|| tvarit_registry::Registry::rajasthan().time_zone())
}
