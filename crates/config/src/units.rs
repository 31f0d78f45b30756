//! `TVARIT_UNITS`: which units' subjects a classify or reply instance takes
//! (docs/operations.md §8). Empty (the default) is every unit; `a,b` is only
//! those; `-a,-b` is every unit but those, so the main instance can leave a
//! hot district to its own instance without listing the other forty.

use tvarit_registry::Registry;

use crate::ConfigError;

/// The units an instance serves, checked against the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSelection {
    /// The registry's slugs this instance serves, in registry order.
    slugs: Vec<String>,
    /// Every unit (no `TVARIT_UNITS`): also whatever unit a case carries
    /// that an older registry knew, so nothing falls between instances.
    every: bool,
}

impl UnitSelection {
    /// Parses `spec` (the `units` key); an unknown slug, a mix of included
    /// and excluded slugs, or a selection of no unit at all is an error.
    pub fn parse(spec: &str, registry: &Registry) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { key: "units", message };
        let entries: Vec<&str> = spec.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        if entries.is_empty() {
            let slugs = registry.units().iter().map(|u| u.slug.clone()).collect();
            return Ok(Self { slugs, every: true });
        }
        let excluding = entries[0].starts_with('-');
        let mut named = Vec::with_capacity(entries.len());
        for entry in &entries {
            if entry.starts_with('-') != excluding {
                return Err(invalid(format!(
                    "{spec:?} mixes units to take and units to leave out (`-slug`); use one or the other"
                )));
            }
            let slug = entry.trim_start_matches('-');
            if registry.unit(slug).is_none() {
                let known: Vec<&str> = registry.units().iter().map(|u| u.slug.as_str()).collect();
                return Err(invalid(format!(
                    "{slug:?} is not a unit of the registry; known units: {}",
                    known.join(", ")
                )));
            }
            named.push(slug);
        }
        let slugs: Vec<String> = registry
            .units()
            .iter()
            .map(|u| u.slug.as_str())
            .filter(|slug| named.contains(slug) != excluding)
            .map(str::to_owned)
            .collect();
        if slugs.is_empty() {
            return Err(invalid(format!("{spec:?} leaves no unit to serve")));
        }
        Ok(Self { slugs, every: false })
    }

    pub fn slugs(&self) -> &[String] {
        &self.slugs
    }

    /// True when no `TVARIT_UNITS` narrowed the instance.
    pub fn is_every_unit(&self) -> bool {
        self.every
    }

    pub fn contains(&self, unit: &str) -> bool {
        self.every || self.slugs.iter().any(|s| s == unit)
    }
}

/// For the start-up log: `every unit`, or the slugs.
impl std::fmt::Display for UnitSelection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.every { f.write_str("every unit") } else { f.write_str(&self.slugs.join(",")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(spec: &str) -> Result<UnitSelection, String> {
        UnitSelection::parse(spec, &Registry::rajasthan()).map_err(|e| e.to_string())
    }

    #[test]
    fn default_is_every_unit_of_the_registry() {
        let all = parse("").unwrap();
        assert!(all.is_every_unit());
        assert_eq!(all.slugs().len(), Registry::rajasthan().units().len());
        assert!(all.contains("balotra") && all.contains("unit-of-an-older-registry"));
    }

    #[test]
    fn a_list_takes_only_those_and_minus_leaves_them_out() {
        let two = parse("balotra, jodhpur").unwrap();
        assert_eq!(two.slugs().len(), 2);
        assert!(two.contains("jodhpur") && !two.contains("hq") && !two.is_every_unit());
        let rest = parse("-balotra").unwrap();
        assert_eq!(rest.slugs().len(), Registry::rajasthan().units().len() - 1);
        assert!(!rest.contains("balotra") && rest.contains("hq") && !rest.contains("unit-of-an-older-registry"));
    }

    #[test]
    fn unknown_mixed_or_empty_selections_are_refused_naming_the_key() {
        let unknown = parse("balotra,jodhpr").unwrap_err();
        assert!(unknown.contains("`units`") && unknown.contains("\"jodhpr\" is not a unit"), "{unknown}");
        assert!(unknown.contains("jodhpur"), "lists the known units: {unknown}");
        assert!(parse("balotra,-jodhpur").unwrap_err().contains("mixes"));
        let everything: Vec<String> = Registry::rajasthan().units().iter().map(|u| format!("-{}", u.slug)).collect();
        assert!(parse(&everything.join(",")).unwrap_err().contains("leaves no unit"));
    }
}
