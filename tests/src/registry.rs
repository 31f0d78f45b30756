//! Registry files for tests that need their own SLA policy: the Rajasthan
//! units and accounts, with `[units.sla]` tables added to some units.

use crate::TestEnv;

/// The compiled-in registry with `[units.sla]` (`body`: its keys, e.g.
/// `goal_seconds = 2`) added to each named unit.
pub fn registry_with_sla(overrides: &[(&str, &str)]) -> String {
    let mut toml = tvarit_registry::RAJASTHAN_TOML.to_owned();
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
