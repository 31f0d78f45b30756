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
    /// This unit's own SLA settings; anything left out comes from the
    /// top-level `[sla]` (see [`SlaPolicy`]).
    #[serde(default)]
    pub sla: SlaOverrides,
    /// The unit's control room: where reply POSTs its signed alerts
    /// (DESIGN.md "Alerts"); `TVARIT_ALERT_WEBHOOK_URL` when absent.
    #[serde(default)]
    pub alert_webhook_url: Option<String>,
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
    #[serde(default)]
    sla: SlaDefaults,
    units: Vec<Unit>,
    #[serde(default)]
    accounts: Vec<Account>,
}

fn default_time_zone() -> String {
    "Asia/Kolkata".into()
}

/// One rung of the escalation ladder: `after_seconds` from the post's
/// platform time, an unanswered case is raised `to` this role or person.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    pub after_seconds: u32,
    pub to: String,
}

/// When a unit's desk is staffed, in the registry's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// Staffed round the clock (`"24x7"`).
    Always,
    /// Staffed from `start` to `end`, in minutes after local midnight
    /// (`"08:00-22:00"`); `end < start` is a night shift across midnight.
    Hours { start: u32, end: u32 },
}

impl Shift {
    /// Parses `"24x7"` or `"HH:MM-HH:MM"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("24x7") {
            return Ok(Shift::Always);
        }
        let minutes = |t: &str| -> Option<u32> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
            // 24:00 is the end of the day.
            ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
        };
        let bad = || format!("shift {s:?} must be \"24x7\" or \"HH:MM-HH:MM\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (start, end) = (minutes(a).ok_or_else(bad)?, minutes(b).ok_or_else(bad)?);
        if start == end || start == 24 * 60 {
            return Err(format!("shift {s:?} is empty; write \"24x7\" for round the clock"));
        }
        Ok(Shift::Hours { start, end })
    }
}

/// A unit's service-level policy, resolved: its own `[units.sla]` over the
/// top-level `[sla]` over the built-in defaults (goal 120 s, breach 300 s,
/// 90 s → shift supervisor, 240 s → nodal officer; an emergency 60 s →
/// shift supervisor, 120 s → nodal officer, 180 s → hq; districts staffed
/// 08:00–22:00, state units 24×7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub goal_seconds: u32,
    pub breach_seconds: u32,
    /// Ascending by `after_seconds`; step `i` is escalation level `i + 1`.
    pub escalation: Vec<EscalationStep>,
    /// The ladder an emergency climbs instead: shorter, and up to HQ.
    pub emergency_escalation: Vec<EscalationStep>,
    pub shift: Shift,
}

impl SlaPolicy {
    /// The escalation ladder of a case of `category` (a category slug).
    pub fn ladder(&self, category: &str) -> &[EscalationStep] {
        if category == "emergency" { &self.emergency_escalation } else { &self.escalation }
    }
}

/// `[units.sla]`: every field optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaOverrides {
    pub goal_seconds: Option<u32>,
    pub breach_seconds: Option<u32>,
    pub escalation: Option<Vec<EscalationStep>>,
    pub emergency_escalation: Option<Vec<EscalationStep>>,
    /// `"24x7"` or `"HH:MM-HH:MM"`.
    pub shift: Option<String>,
}

/// The top-level `[sla]`: defaults for every unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlaDefaults {
    #[serde(default = "default_goal")]
    goal_seconds: u32,
    #[serde(default = "default_breach")]
    breach_seconds: u32,
    #[serde(default = "default_escalation")]
    escalation: Vec<EscalationStep>,
    #[serde(default = "default_emergency_escalation")]
    emergency_escalation: Vec<EscalationStep>,
    #[serde(default = "default_district_shift")]
    district_shift: String,
    #[serde(default = "default_state_shift")]
    state_shift: String,
}

impl Default for SlaDefaults {
    fn default() -> Self {
        Self {
            goal_seconds: default_goal(),
            breach_seconds: default_breach(),
            escalation: default_escalation(),
            emergency_escalation: default_emergency_escalation(),
            district_shift: default_district_shift(),
            state_shift: default_state_shift(),
        }
    }
}

/// Goal and breach, in seconds after the post, when no `[sla]` says
/// otherwise (docs/sla.md). The one place these numbers are written in
/// Rust: reply's intake and, through the `'*'` row of `sla_policies`, its
/// insert trigger take a unit's deadlines from the registry, never from
/// literals of their own.
pub const DEFAULT_GOAL_SECONDS: u32 = 120;
pub const DEFAULT_BREACH_SECONDS: u32 = 300;

fn default_goal() -> u32 {
    DEFAULT_GOAL_SECONDS
}
fn default_breach() -> u32 {
    DEFAULT_BREACH_SECONDS
}
fn default_escalation() -> Vec<EscalationStep> {
    vec![
        EscalationStep { after_seconds: 90, to: "shift supervisor".into() },
        EscalationStep { after_seconds: 240, to: "nodal officer".into() },
    ]
}
/// An unclaimed emergency cannot wait 90 s for the first rung: every minute
/// it climbs, and after three HQ's desk and control room hear of it.
fn default_emergency_escalation() -> Vec<EscalationStep> {
    vec![
        EscalationStep { after_seconds: 60, to: "shift supervisor".into() },
        EscalationStep { after_seconds: 120, to: "nodal officer".into() },
        EscalationStep { after_seconds: 180, to: "hq".into() },
    ]
}
fn default_district_shift() -> String {
    "08:00-22:00".into()
}
fn default_state_shift() -> String {
    "24x7".into()
}

fn resolve_sla(defaults: &SlaDefaults, unit: &Unit) -> Result<SlaPolicy, RegistryError> {
    let o = &unit.sla;
    let invalid = |what: String| RegistryError::Invalid(format!("unit {:?}: sla {what}", unit.slug));
    let shift = o.shift.clone().unwrap_or_else(|| match unit.kind {
        UnitKind::District => defaults.district_shift.clone(),
        UnitKind::State => defaults.state_shift.clone(),
    });
    let policy = SlaPolicy {
        goal_seconds: o.goal_seconds.unwrap_or(defaults.goal_seconds),
        breach_seconds: o.breach_seconds.unwrap_or(defaults.breach_seconds),
        escalation: o.escalation.clone().unwrap_or_else(|| defaults.escalation.clone()),
        emergency_escalation: o.emergency_escalation.clone().unwrap_or_else(|| defaults.emergency_escalation.clone()),
        shift: Shift::parse(&shift).map_err(invalid)?,
    };
    if policy.goal_seconds == 0 || policy.breach_seconds < policy.goal_seconds {
        return Err(invalid(format!(
            "needs 0 < goal_seconds ({}) <= breach_seconds ({})",
            policy.goal_seconds, policy.breach_seconds
        )));
    }
    for ladder in [&policy.escalation, &policy.emergency_escalation] {
        if ladder.windows(2).any(|w| w[0].after_seconds >= w[1].after_seconds) {
            return Err(invalid("escalation steps must be in ascending after_seconds".into()));
        }
        if ladder.iter().any(|s| s.to.trim().is_empty()) {
            return Err(invalid("escalation step needs a `to`".into()));
        }
    }
    Ok(policy)
}

#[derive(Debug, Clone)]
pub struct Registry {
    time_zone: chrono_tz::Tz,
    units: Vec<Unit>,
    /// Resolved SLA policy per unit, in `units` order.
    sla: Vec<SlaPolicy>,
    /// The top-level `[sla]` goal and breach, for a unit the registry lacks.
    default_deadlines: (u32, u32),
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
            if let Some(url) = &unit.alert_webhook_url
                && !(url.starts_with("https://") || url.starts_with("http://"))
            {
                return Err(RegistryError::Invalid(format!(
                    "unit {:?}: alert_webhook_url {url:?} must be an http:// or https:// URL",
                    unit.slug
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
        let sla = file.units.iter().map(|u| resolve_sla(&file.sla, u)).collect::<Result<Vec<_>, _>>()?;
        let default_deadlines = (file.sla.goal_seconds, file.sla.breach_seconds);
        if default_deadlines.0 == 0 || default_deadlines.1 < default_deadlines.0 {
            return Err(RegistryError::Invalid(format!(
                "[sla] needs 0 < goal_seconds ({}) <= breach_seconds ({})",
                default_deadlines.0, default_deadlines.1
            )));
        }
        Ok(Self { time_zone, units: file.units, sla, default_deadlines, unit_index, accounts })
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

    /// The unit's SLA policy (`None` for a unit the registry lacks).
    pub fn sla(&self, slug: &str) -> Option<&SlaPolicy> {
        self.unit_index.get(slug).map(|&i| &self.sla[i])
    }

    /// Goal and breach seconds of a unit the registry lacks: the top-level
    /// `[sla]`'s, which default to [`DEFAULT_GOAL_SECONDS`] and
    /// [`DEFAULT_BREACH_SECONDS`].
    pub fn default_deadlines(&self) -> (u32, u32) {
        self.default_deadlines
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
    fn sla_defaults_districts_in_shift_hq_round_the_clock() {
        let r = Registry::rajasthan();
        let d = r.sla("balotra").unwrap();
        assert_eq!((d.goal_seconds, d.breach_seconds), (120, 300));
        assert_eq!(d.escalation, default_escalation());
        assert_eq!(d.shift, Shift::Hours { start: 8 * 60, end: 22 * 60 });
        assert_eq!(r.sla("hq").unwrap().shift, Shift::Always);
        assert!(r.sla("nowhere").is_none());
        assert_eq!(r.default_deadlines(), (DEFAULT_GOAL_SECONDS, DEFAULT_BREACH_SECONDS));
    }

    #[test]
    fn sla_unit_overrides_win_over_top_level() {
        let r = Registry::from_toml(
            r#"
            [sla]
            goal_seconds = 60
            district_shift = "22:00-06:00"
            [[units]]
            slug = "hq"
            name = "HQ"
            code = "HQ"
            kind = "state"
            [[units]]
            slug = "a"
            name = "A"
            code = "A"
            kind = "district"
            [[units]]
            slug = "b"
            name = "B"
            code = "B"
            kind = "district"
            [units.sla]
            goal_seconds = 2
            breach_seconds = 4
            escalation = [{ after_seconds = 3, to = "sho" }]
            shift = "24x7"
            "#,
        )
        .unwrap();
        let a = r.sla("a").unwrap();
        assert_eq!((a.goal_seconds, a.breach_seconds), (60, 300));
        assert_eq!(a.shift, Shift::Hours { start: 22 * 60, end: 6 * 60 });
        let b = r.sla("b").unwrap();
        assert_eq!((b.goal_seconds, b.breach_seconds, b.shift), (2, 4, Shift::Always));
        assert_eq!(b.escalation, vec![EscalationStep { after_seconds: 3, to: "sho".into() }]);
        assert_eq!(r.sla("hq").unwrap().goal_seconds, 60);
        assert_eq!(r.default_deadlines(), (60, 300), "a unit the registry lacks: the top-level [sla]");
    }

    #[test]
    fn sla_rejects_bad_policies() {
        let unit = |sla: &str| {
            format!("[[units]]\nslug = \"hq\"\nname = \"HQ\"\ncode = \"HQ\"\nkind = \"state\"\n[units.sla]\n{sla}\n")
        };
        for (sla, why) in [
            ("shift = \"8-22\"", "HH:MM"),
            ("shift = \"08:00-08:00\"", "empty"),
            ("goal_seconds = 300\nbreach_seconds = 120", "goal_seconds"),
            ("escalation = [{ after_seconds = 9, to = \"a\" }, { after_seconds = 3, to = \"b\" }]", "ascending"),
        ] {
            let err = Registry::from_toml(&unit(sla)).unwrap_err().to_string();
            assert!(err.contains(why), "{sla}: {err}");
        }
        assert_eq!(Shift::parse("00:00-24:00").unwrap(), Shift::Hours { start: 0, end: 1440 });
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
