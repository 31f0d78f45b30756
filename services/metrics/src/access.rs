//! Who may see which figures. Every `Metrics` call is verified with the same
//! operator tokens and roles as tvarit-reply (`tvarit-auth`, against reply's
//! operators table): an operator sees figures and case timelines of their
//! own units and the leaderboard of all units (HQ publishes it); figures by
//! operator are for supervisors and HQ.

use tonic::Status;
use tvarit_auth::Operator;
use tvarit_proto::v1::StatsGroup;

/// Which rows of a `Stats` answer the caller may keep.
#[derive(Debug, PartialEq, Eq)]
pub enum StatsScope {
    /// Every row: one unit of theirs, or every unit for HQ.
    All,
    /// Only rows keyed by a unit they may see (`unit` empty, grouped by unit,
    /// for someone with some units).
    TheirUnits,
}

pub fn stats(op: &Operator, unit: &str, group: StatsGroup) -> Result<StatsScope, Status> {
    if group == StatsGroup::Operator && !op.supervises() {
        return Err(Status::permission_denied("figures by operator are for supervisors and HQ"));
    }
    if !unit.is_empty() {
        return match op.may_see(unit) {
            true => Ok(StatsScope::All),
            false => Err(Status::permission_denied(format!("{unit:?} is not one of your units"))),
        };
    }
    match (op.sees_all(), group) {
        (true, _) => Ok(StatsScope::All),
        (false, StatsGroup::Unit | StatsGroup::Unspecified) => Ok(StatsScope::TheirUnits),
        (false, _) => Err(Status::permission_denied(format!(
            "name one of your units ({}): figures across every unit are for HQ",
            op.units.join(", ")
        ))),
    }
}

/// A case's timeline names who did what: only for the people of its unit.
pub fn timeline(op: &Operator, unit: &str) -> Result<(), Status> {
    match op.may_see(unit) {
        true => Ok(()),
        false => Err(Status::permission_denied("this case is not in one of your units")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(role: &str, units: &[&str]) -> Operator {
        Operator { name: "x".into(), role: role.into(), units: units.iter().map(|u| (*u).into()).collect() }
    }

    #[test]
    fn figures_by_operator_are_for_supervisors_and_hq() {
        let code = |o: &Operator| stats(o, "balotra", StatsGroup::Operator).map_err(|s| s.code());
        assert_eq!(code(&op("operator", &["balotra"])), Err(tonic::Code::PermissionDenied));
        assert_eq!(code(&op("supervisor", &["balotra"])), Ok(StatsScope::All));
        assert_eq!(code(&op("supervisor", &["jodhpur"])), Err(tonic::Code::PermissionDenied));
    }

    #[test]
    fn all_units_means_the_callers_units_unless_hq() {
        let district = op("operator", &["balotra"]);
        assert_eq!(stats(&district, "", StatsGroup::Unit).unwrap(), StatsScope::TheirUnits);
        assert_eq!(stats(&district, "", StatsGroup::Category).unwrap_err().code(), tonic::Code::PermissionDenied);
        assert_eq!(stats(&op("hq", &["*"]), "", StatsGroup::Category).unwrap(), StatsScope::All);
        assert!(timeline(&district, "balotra").is_ok());
        assert_eq!(timeline(&district, "jodhpur").unwrap_err().code(), tonic::Code::PermissionDenied);
    }
}
