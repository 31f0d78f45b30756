//! The account registry: which units exist (the state desk and its
//! districts) and which official accounts each owns. Loaded from a TOML file;
//! Rajasthan's is compiled in as the default, so another state is a new file,
//! not new code.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// Rajasthan: HQ, the 41 districts, and the confirmed official X accounts.
pub const RAJASTHAN_TOML: &str = include_str!("../rajasthan.toml");

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("cannot read registry file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("registry is not valid TOML: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("registry is invalid: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitKind {
    State,
    District,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Unit {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub name_hi: String,
    /// Docket prefix, e.g. `BLT` in `BLT-2611-00042`.
    pub code: String,
    pub kind: UnitKind,
    /// Other spellings of the unit's name people write (Latin or Devanagari).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Towns and places (either script) whose posts about the police the
    /// unit wants to see even when nobody tags it; its names are always watched.
    #[serde(default)]
    pub watch_terms: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub platform: String,
    pub handle: String,
    pub unit: String,
    /// The platform's own id for the account (X user id, Meta Page id);
    /// an X poller resolves it from the handle when absent.
    #[serde(default)]
    pub platform_id: Option<String>,
    /// How ingest hears this account: `poll` (X mentions), `webhook` (X
    /// Activity, Meta). Empty: only the replay file and the generic webhook.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Account {
    pub fn has_source(&self, source: &str) -> bool {
        self.sources.iter().any(|s| s == source)
    }
}

#[derive(Debug, Deserialize)]
struct RegistryFile {
    #[serde(default = "default_time_zone")]
    time_zone: String,
    units: Vec<Unit>,
    #[serde(default)]
    accounts: Vec<Account>,
}

fn default_time_zone() -> String {
    "Asia/Kolkata".into()
}

#[derive(Debug, Clone)]
pub struct Registry {
    time_zone: chrono_tz::Tz,
    units: Vec<Unit>,
    unit_index: HashMap<String, usize>,
    /// Keyed by lowercase handle without `@`: handles are case-insensitive.
    accounts: HashMap<String, Account>,
}

impl Registry {
    /// The compiled-in Rajasthan registry.
    pub fn rajasthan() -> Self {
        Self::from_toml(RAJASTHAN_TOML).expect("the compiled-in registry is valid")
    }

    /// The file at `path`, or the compiled-in default when `None`.
    pub fn load(path: Option<&Path>) -> Result<Self, RegistryError> {
        match path {
            None => Ok(Self::rajasthan()),
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|source| RegistryError::Read { path: p.display().to_string(), source })?;
                Self::from_toml(&text)
            }
        }
    }

    pub fn from_toml(text: &str) -> Result<Self, RegistryError> {
        let file: RegistryFile = toml::from_str(text)?;
        let time_zone: chrono_tz::Tz = file
            .time_zone
            .parse()
            .map_err(|_| RegistryError::Invalid(format!("unknown time_zone {:?}", file.time_zone)))?;
        let mut unit_index = HashMap::new();
        let mut codes = HashMap::new();
        for (i, unit) in file.units.iter().enumerate() {
            if !is_slug(&unit.slug) {
                return Err(RegistryError::Invalid(format!(
                    "unit slug {:?} must be lowercase letters, digits and hyphens",
                    unit.slug
                )));
            }
            if unit_index.insert(unit.slug.clone(), i).is_some() {
                return Err(RegistryError::Invalid(format!("unit {:?} is listed twice", unit.slug)));
            }
            if unit.code.is_empty() || !unit.code.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(RegistryError::Invalid(format!(
                    "unit {:?}: code {:?} must be uppercase letters",
                    unit.slug, unit.code
                )));
            }
            if let Some(other) = codes.insert(unit.code.clone(), unit.slug.clone()) {
                return Err(RegistryError::Invalid(format!(
                    "units {other:?} and {:?} share the docket code {:?}",
                    unit.slug, unit.code
                )));
            }
        }
        if !unit_index.contains_key("hq") {
            return Err(RegistryError::Invalid("a unit with slug \"hq\" (the state desk) is required".into()));
        }
        let mut accounts = HashMap::new();
        for account in file.accounts {
            if !unit_index.contains_key(&account.unit) {
                return Err(RegistryError::Invalid(format!(
                    "account {:?} belongs to unknown unit {:?}",
                    account.handle, account.unit
                )));
            }
            let key = handle_key(&account.handle);
            if accounts.insert(key, account.clone()).is_some() {
                return Err(RegistryError::Invalid(format!("account {:?} is listed twice", account.handle)));
            }
        }
        Ok(Self { time_zone, units: file.units, unit_index, accounts })
    }

    pub fn time_zone(&self) -> chrono_tz::Tz {
        self.time_zone
    }

    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn unit(&self, slug: &str) -> Option<&Unit> {
        self.unit_index.get(slug).map(|&i| &self.units[i])
    }

    pub fn account(&self, handle: &str) -> Option<&Account> {
        self.accounts.get(&handle_key(handle))
    }

    pub fn accounts(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// The account with this platform id (a webhook names accounts by id).
    pub fn account_by_platform_id(&self, platform: &str, id: &str) -> Option<&Account> {
        self.accounts.values().find(|a| a.platform == platform && a.platform_id.as_deref() == Some(id))
    }

    /// The account a post is addressed to: a district account wins over a
    /// state account (the district answers), else the first state account.
    pub fn addressed_account<'a>(&self, mentions: impl IntoIterator<Item = &'a str>) -> Option<&Account> {
        let mut state = None;
        for handle in mentions {
            if let Some(account) = self.account(handle) {
                match self.unit(&account.unit).map(|u| u.kind) {
                    Some(UnitKind::District) => return Some(account),
                    _ => state = state.or(Some(account)),
                }
            }
        }
        state
    }
}

fn handle_key(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rajasthan_has_hq_and_41_districts() {
        let r = Registry::rajasthan();
        let districts = r.units().iter().filter(|u| u.kind == UnitKind::District).count();
        assert_eq!(districts, 41);
        assert_eq!(r.unit("balotra").unwrap().code, "BLT");
        assert!(r.unit("sri-ganganagar").is_some());
        assert!(r.unit("didwana-kuchaman").is_some());
    }

    #[test]
    fn handles_match_case_insensitively_and_district_wins() {
        let r = Registry::rajasthan();
        assert_eq!(r.account("@sp_balotra").unwrap().unit, "balotra");
        let a = r.addressed_account(["@PoliceRajasthan", "@SP_Balotra"]).unwrap();
        assert_eq!(a.unit, "balotra");
        assert_eq!(r.addressed_account(["@RajPoliceHelp"]).unwrap().unit, "hq");
        assert!(r.addressed_account(["@someone"]).is_none());
    }

    #[test]
    fn rejects_account_of_unknown_unit() {
        let err = Registry::from_toml(
            r#"
            [[units]]
            slug = "hq"
            name = "HQ"
            code = "HQ"
            kind = "state"
            [[accounts]]
            platform = "x"
            handle = "@x"
            unit = "nowhere"
            "#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown unit \"nowhere\""), "{err}");
    }
}
