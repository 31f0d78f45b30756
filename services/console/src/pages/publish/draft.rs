//! The compose form's values: read from a posted form (checkboxes repeat
//! their key, so the body is read as pairs), from a saved publication, and
//! turned into the `Publishing` API's content and audience. The console
//! checks the audience against the person's units before the service does.

use tvarit_proto::v1::{Audience, FactCheck, PostContent, Publication};
use tvarit_registry::Registry;

use super::view;
use crate::session::Session;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// A saved draft being edited; 0 for a new post.
    pub id: u64,
    pub kind: String,
    pub text_hi: String,
    pub text_en: String,
    /// One URL a line.
    pub links: String,
    pub media: String,
    pub claim: String,
    pub verdict: String,
    pub variants: String,
    /// Kept when a fact-check is edited, so its rebuttal gets a new version.
    pub claim_id: String,
    /// `accounts`, `units` or `all`.
    pub audience: String,
    pub accounts: Vec<String>,
    pub units: Vec<String>,
    /// `now` or `at` (then `at`, a `datetime-local` value in the deployment's zone).
    pub when: String,
    pub at: String,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            id: 0,
            kind: "awareness".into(),
            text_hi: String::new(),
            text_en: String::new(),
            links: String::new(),
            media: String::new(),
            claim: String::new(),
            verdict: "false".into(),
            variants: String::new(),
            claim_id: String::new(),
            audience: "accounts".into(),
            accounts: Vec::new(),
            units: Vec::new(),
            when: "now".into(),
            at: String::new(),
        }
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

impl Draft {
    /// The form's fields and the button pressed (`action`).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> (Draft, String) {
        let mut d = Draft::default();
        let mut action = String::new();
        for (k, v) in pairs {
            match k.as_str() {
                "id" => d.id = v.trim().parse().unwrap_or(0),
                "kind" => d.kind = v,
                "text_hi" => d.text_hi = v,
                "text_en" => d.text_en = v,
                "links" => d.links = v,
                "media" => d.media = v,
                "claim" => d.claim = v,
                "verdict" => d.verdict = v,
                "variants" => d.variants = v,
                "claim_id" => d.claim_id = v,
                "audience" => d.audience = v,
                "account" => d.accounts.push(v),
                "unit" => d.units.push(v),
                "when" => d.when = v,
                "at" => d.at = v,
                "action" => action = v,
                _ => {}
            }
        }
        (d, action)
    }

    /// A saved post as the form shows it. `keep_id`: edit it in place (the
    /// author's draft or rejected post); else compose a new one from it.
    pub fn from_publication(p: &Publication, keep_id: bool, zone: chrono_tz::Tz) -> Draft {
        let c = p.content.clone().unwrap_or_default();
        let f = c.fact_check.clone().unwrap_or_default();
        let audience = match p.scope.as_str() {
            "state" => "all",
            "units" => "units",
            _ => "accounts",
        };
        Draft {
            id: if keep_id { p.id } else { 0 },
            kind: c.kind,
            text_hi: c.text_hi,
            text_en: c.text_en,
            links: c.links.join("\n"),
            media: c.media.join("\n"),
            claim: f.claim,
            verdict: if f.verdict.is_empty() { "false".into() } else { f.verdict },
            variants: f.variants.join("\n"),
            claim_id: if keep_id { f.claim_id } else { String::new() },
            audience: audience.into(),
            accounts: if audience == "accounts" {
                p.targets.iter().map(|t| t.account.clone()).collect()
            } else {
                vec![]
            },
            units: if audience == "units" { p.units.clone() } else { vec![] },
            when: if keep_id && p.scheduled_at.is_some() { "at".into() } else { "now".into() },
            at: if keep_id { view::local_input(zone, &p.scheduled_at) } else { String::new() },
        }
    }

    pub fn content(&self) -> PostContent {
        let fact_check = (self.kind == "fact_check").then(|| FactCheck {
            claim: self.claim.trim().to_owned(),
            verdict: self.verdict.clone(),
            variants: lines(&self.variants),
            claim_id: self.claim_id.clone(),
        });
        PostContent {
            kind: self.kind.clone(),
            text_hi: self.text_hi.trim().to_owned(),
            text_en: self.text_en.trim().to_owned(),
            links: lines(&self.links),
            media: lines(&self.media),
            fact_check,
        }
    }

    /// Only the group the person chose is sent, so a stray checkbox of the
    /// other group never widens the audience.
    pub fn audience(&self) -> Audience {
        match self.audience.as_str() {
            "all" => Audience { all: true, ..Default::default() },
            "units" => Audience { units: self.units.clone(), ..Default::default() },
            _ => Audience { accounts: self.accounts.clone(), ..Default::default() },
        }
    }

    /// `Ok(None)`: as soon as approved. `Err`: a time that cannot be read.
    pub fn scheduled_at(&self, zone: chrono_tz::Tz) -> Result<Option<prost_types::Timestamp>, ()> {
        if self.when != "at" {
            return Ok(None);
        }
        view::parse_local(zone, &self.at).map(Some).ok_or(())
    }
}

/// Whether the person holds every unit this audience reaches: a state-wide
/// post needs every unit (`*`); an account or unit of someone else's is
/// refused here before the service sees it. Unknown names are left to the
/// service, which says what is wrong with them.
pub fn audience_allowed(registry: &Registry, session: &Session, audience: &Audience) -> bool {
    if audience.all {
        return all_units(session);
    }
    let units_ok = audience.units.iter().all(|u| registry.unit(u).is_none() || session.may_see(u));
    let accounts_ok = audience.accounts.iter().all(|h| registry.account(h).is_none_or(|a| session.may_see(&a.unit)));
    units_ok && accounts_ok
}

/// HQ's reach: every unit.
pub fn all_units(session: &Session) -> bool {
    session.operator.units.iter().any(|u| u == "*")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tvarit_proto::v1::Operator;

    use super::*;
    use crate::session::Sessions;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn reads_repeated_checkboxes_and_sends_only_the_chosen_group() {
        let (d, action) = Draft::from_pairs(pairs(&[
            ("kind", "fact_check"),
            ("claim", " Petrol pumps closed "),
            ("verdict", "false"),
            ("text_en", "False."),
            ("links", "https://a.example\n\n https://b.example "),
            ("audience", "units"),
            ("unit", "balotra"),
            ("unit", "jaipur"),
            ("account", "@SP_Balotra"),
            ("action", "preview"),
        ]));
        assert_eq!(action, "preview");
        assert_eq!(d.audience().units, ["balotra", "jaipur"]);
        assert!(d.audience().accounts.is_empty() && !d.audience().all);
        let c = d.content();
        assert_eq!(c.links, ["https://a.example", "https://b.example"]);
        assert_eq!(c.fact_check.unwrap().claim, "Petrol pumps closed");
        assert_eq!(d.scheduled_at(chrono_tz::Asia::Kolkata), Ok(None));
        let (at, _) = Draft::from_pairs(pairs(&[("when", "at"), ("at", "soon")]));
        assert!(at.scheduled_at(chrono_tz::Asia::Kolkata).is_err());
    }

    #[test]
    fn an_operator_reaches_only_their_units() {
        let registry = Registry::rajasthan();
        let sessions = Sessions::new(Duration::from_secs(60));
        let op = Operator { name: "ramesh".into(), role: "operator".into(), units: vec!["balotra".into()] };
        let s = sessions.get(&sessions.create("t".into(), op)).unwrap();
        let other = registry.accounts().find(|a| a.unit != "balotra").unwrap().handle.clone();
        let own = registry.accounts().find(|a| a.unit == "balotra").unwrap().handle.clone();
        let ok = |a: Audience| audience_allowed(&registry, &s, &a);
        assert!(ok(Audience { accounts: vec![own], ..Default::default() }));
        assert!(!ok(Audience { accounts: vec![other], ..Default::default() }));
        assert!(!ok(Audience { units: vec!["jaipur".into()], ..Default::default() }));
        assert!(!ok(Audience { all: true, ..Default::default() }));
        assert!(ok(Audience { units: vec!["balotra".into()], ..Default::default() }));
    }
}
