//! Registry files for tests that need their own SLA policy: the Rajasthan
//! units and accounts, with `[units.sla]` tables added to some units.

use crate::TestEnv;

/// One `[[accounts]]` table: an official account, its unit, and the routes
/// its posts come in by (`sources`; none given: the registry's default).
pub fn account_toml(platform: &str, handle: &str, unit: &str, platform_id: &str, sources: &[&str]) -> String {
    let mut table = format!(
        "[[accounts]]\nplatform = \"{platform}\"\nhandle = \"{handle}\"\nunit = \"{unit}\"\nplatform_id = \"{platform_id}\"\n"
    );
    if !sources.is_empty() {
        let quoted: Vec<String> = sources.iter().map(|s| format!("\"{s}\"")).collect();
        table.push_str(&format!("sources = [{}]\n", quoted.join(", ")));
    }
    table.push('\n');
    table
}

/// The registry every test starts with: the compiled-in Rajasthan units and
/// accounts, but with districts staffed round the clock. The real default
/// (`district_shift = "08:00-22:00"` IST) hands a district's cases to HQ at
/// night, which would make a test's events depend on when it runs; a test
/// of shifts sets its unit's `shift` itself ([`registry_with_sla`]).
pub fn test_registry_toml() -> String {
    const DAY_SHIFT: &str = "district_shift = \"08:00-22:00\"";
    let toml = tvarit_registry::RAJASTHAN_TOML;
    assert!(toml.contains(DAY_SHIFT), "the compiled-in registry's district shift moved");
    toml.replacen(DAY_SHIFT, "district_shift = \"24x7\"", 1)
}

/// The test registry with `[units.sla]` (`body`: its keys, e.g.
/// `goal_seconds = 2`) added to each named unit.
pub fn registry_with_sla(overrides: &[(&str, &str)]) -> String {
    let mut toml = test_registry_toml();
    for (unit, body) in overrides {
        let slug = format!("slug = \"{unit}\"");
        let at = toml.find(&slug).unwrap_or_else(|| panic!("no unit {unit} in the registry"));
        // The unit's table ends where the next table starts.
        let end = toml[at..].find("\n[").map_or(toml.len(), |i| at + i);
        toml.insert_str(end, &format!("\n[units.sla]\n{body}\n"));
    }
    toml
}

impl TestEnv {
    /// Uses this registry file for every binary started from now on.
    pub fn use_registry(&self, toml: &str) {
        tvarit_registry::Registry::from_toml(toml).expect("a valid registry");
        let path = self.dir.path().join("registry.toml");
        std::fs::write(&path, toml).unwrap();
        self.set_env("TVARIT_REGISTRY_FILE", path.to_string_lossy());
    }
}
