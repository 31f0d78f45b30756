//! Who may do what with a publication, and which accounts it reaches.
//!
//! - An operator targets only accounts of their units; a state-wide post
//!   (every account) needs an author whose units are `*`.
//! - Every post is approved by someone other than its author: a supervisor
//!   who holds every targeted unit, or HQ; a state-wide post only by HQ.
//! - HQ may fast-track a fact-check or an alert (its own too) straight from
//!   draft; the approval is recorded as fast-tracked.

use tvarit_proto::v1::Audience;
use tvarit_registry::Registry;

use crate::store::operators::Operator;

/// Why a request is refused, mapped to a gRPC code by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Invalid(String),
    Denied(String),
    Precondition(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The handle as registered.
    pub account: String,
    pub platform: String,
    pub unit: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub scope: &'static str,
    /// Every unit a target belongs to, sorted.
    pub units: Vec<String>,
    /// Sorted by handle.
    pub targets: Vec<Target>,
}

/// The accounts an audience names, if `op` may post to every one of them.
pub fn resolve(registry: &Registry, op: &Operator, audience: &Audience) -> Result<Resolved, Refusal> {
    let chosen = [!audience.accounts.is_empty(), !audience.units.is_empty(), audience.all];
    if chosen.iter().filter(|c| **c).count() != 1 {
        return Err(Refusal::Invalid("name the audience: accounts, units, or all (exactly one)".into()));
    }
    let (scope, accounts): (&'static str, Vec<_>) = if audience.all {
        if !op.units.iter().any(|u| u == "*") {
            return Err(Refusal::Denied(format!(
                "{} may post to {} only; a state-wide post needs every unit",
                op.name,
                op.units.join(", ")
            )));
        }
        ("state", registry.accounts().collect())
    } else if !audience.units.is_empty() {
        for unit in &audience.units {
            if registry.unit(unit).is_none() {
                return Err(Refusal::Invalid(format!("unknown unit {unit:?}")));
            }
            if !op.may_see(unit) {
                return Err(Refusal::Denied(format!("{} may not post for {unit}", op.name)));
            }
        }
        ("units", registry.accounts().filter(|a| audience.units.contains(&a.unit)).collect())
    } else {
        let mut found = Vec::new();
        for handle in &audience.accounts {
            let account =
                registry.account(handle).ok_or_else(|| Refusal::Invalid(format!("unknown account {handle:?}")))?;
            if !op.may_see(&account.unit) {
                return Err(Refusal::Denied(format!(
                    "{} belongs to {}; {} may post only for {}",
                    account.handle,
                    account.unit,
                    op.name,
                    op.units.join(", ")
                )));
            }
            found.push(account);
        }
        ("accounts", found)
    };
    let mut targets: Vec<Target> = accounts
        .into_iter()
        .map(|a| Target { account: a.handle.clone(), platform: a.platform.clone(), unit: a.unit.clone() })
        .collect();
    targets.sort_by_key(|t| t.account.to_lowercase());
    targets.dedup_by(|a, b| a.account.eq_ignore_ascii_case(&b.account));
    if targets.is_empty() {
        return Err(Refusal::Invalid("the audience has no registered accounts".into()));
    }
    let mut units: Vec<String> = targets.iter().map(|t| t.unit.clone()).collect();
    units.sort();
    units.dedup();
    Ok(Resolved { scope, units, targets })
}

/// What approval needs to know about a publication.
pub struct ForApproval<'a> {
    pub author: &'a str,
    pub state: &'a str,
    pub kind: &'a str,
    pub scope: &'a str,
    pub units: &'a [String],
}

/// Whether `op` may approve `p` (with `fast_track`: HQ's urgent path).
pub fn may_approve(op: &Operator, p: &ForApproval<'_>, fast_track: bool) -> Result<(), Refusal> {
    if fast_track {
        if op.role != "hq" {
            return Err(Refusal::Denied(format!("{} is {}; only HQ fast-tracks", op.name, op.role)));
        }
        if !matches!(p.kind, "fact_check" | "alert") {
            return Err(Refusal::Invalid(format!("only fact-checks and alerts are fast-tracked, not {}", p.kind)));
        }
        if !matches!(p.state, "draft" | "pending_approval") {
            return Err(Refusal::Precondition(format!("the post is {}", p.state)));
        }
        return Ok(());
    }
    if p.state != "pending_approval" {
        return Err(Refusal::Precondition(format!("the post is {}, not pending_approval", p.state)));
    }
    if op.name == p.author {
        return Err(Refusal::Denied("a post is approved by someone other than its author".into()));
    }
    if p.scope == "state" && op.role != "hq" {
        return Err(Refusal::Denied(format!("{} is {}; a state-wide post is approved by HQ", op.name, op.role)));
    }
    if !op.supervises() {
        return Err(Refusal::Denied(format!("{} is {}; approval needs a supervisor or HQ", op.name, op.role)));
    }
    if let Some(unit) = p.units.iter().find(|u| !op.may_see(u)) {
        return Err(Refusal::Denied(format!("{} does not supervise {unit}", op.name)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, role: &str, units: &[&str]) -> Operator {
        Operator { name: name.into(), role: role.into(), units: units.iter().map(|u| (*u).into()).collect() }
    }

    fn registry() -> Registry {
        Registry::rajasthan()
    }

    #[test]
    fn operators_reach_only_their_units_accounts() {
        let r = registry();
        let balotra = op("ramesh", "operator", &["balotra"]);
        let own = Audience { accounts: vec!["@sp_balotra".into()], ..Default::default() };
        let done = resolve(&r, &balotra, &own).unwrap();
        assert_eq!(done.scope, "accounts");
        assert_eq!(done.targets[0].account, "@SP_Balotra");
        let other = Audience { accounts: vec!["@jaipur_police".into()], ..Default::default() };
        assert!(matches!(resolve(&r, &balotra, &other), Err(Refusal::Denied(m)) if m.contains("jaipur")));
        let units = Audience { units: vec!["jaipur".into()], ..Default::default() };
        assert!(matches!(resolve(&r, &balotra, &units), Err(Refusal::Denied(_))));
        let all = Audience { all: true, ..Default::default() };
        assert!(matches!(resolve(&r, &balotra, &all), Err(Refusal::Denied(_))));
        let hq = op("dgp-cell", "hq", &["*"]);
        let state = resolve(&r, &hq, &all).unwrap();
        assert_eq!((state.scope, state.targets.len()), ("state", r.accounts().count()));
        let none = Audience::default();
        assert!(matches!(resolve(&r, &hq, &none), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn approval_needs_a_second_person_with_the_units() {
        let units = vec!["balotra".to_owned()];
        let p = |author, state, kind, scope| ForApproval { author, state, kind, scope, units: &units };
        let sup = op("sunita", "supervisor", &["balotra"]);
        let other_sup = op("vikram", "supervisor", &["jaipur"]);
        let hq = op("hq-desk", "hq", &["*"]);
        let ramesh = op("ramesh", "operator", &["balotra"]);
        assert!(may_approve(&sup, &p("ramesh", "pending_approval", "awareness", "units"), false).is_ok());
        assert!(may_approve(&other_sup, &p("ramesh", "pending_approval", "awareness", "units"), false).is_err());
        assert!(may_approve(&ramesh, &p("sunita", "pending_approval", "awareness", "units"), false).is_err());
        assert!(may_approve(&sup, &p("sunita", "pending_approval", "awareness", "units"), false).is_err());
        assert!(may_approve(&sup, &p("ramesh", "draft", "awareness", "units"), false).is_err());
        assert!(may_approve(&sup, &p("hq-desk", "pending_approval", "awareness", "state"), false).is_err());
        assert!(may_approve(&hq, &p("ramesh", "pending_approval", "awareness", "state"), false).is_ok());
        // Fast track: HQ only, fact-checks and alerts only, own drafts too.
        assert!(may_approve(&hq, &p("hq-desk", "draft", "fact_check", "state"), true).is_ok());
        assert!(may_approve(&hq, &p("hq-desk", "draft", "awareness", "state"), true).is_err());
        assert!(may_approve(&sup, &p("ramesh", "draft", "alert", "units"), true).is_err());
    }
}
