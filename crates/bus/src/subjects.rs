//! Every subject, stream and consumer name in one place. The namespace
//! (`tvarit` by default) comes first, the unit last, so one district's
//! traffic can be consumed, scaled or replayed on its own.

/// A validated namespace token, e.g. `tvarit` or `t_3f9a` in a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

impl Namespace {
    /// The caller validates the token (see `tvarit_config::Common::validate`).
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<ns>.post.ingested.<unit>`: a post accepted by ingest.
    pub fn post_ingested(&self, unit: &str) -> String {
        format!("{}.post.ingested.{unit}", self.0)
    }

    /// `<ns>.post.classified.<unit>`: a post with its classification.
    pub fn post_classified(&self, unit: &str) -> String {
        format!("{}.post.classified.{unit}", self.0)
    }

    /// `<ns>.case.<event>.<unit>`: a case event (`opened`, `claimed`, ...).
    pub fn case_event(&self, event: &str, unit: &str) -> String {
        format!("{}.case.{event}.{unit}", self.0)
    }

    /// Every case event of one unit (`*` for all units).
    pub fn case_events_of(&self, unit: &str) -> String {
        format!("{}.case.*.{unit}", self.0)
    }

    /// JetStream stream names cannot hold dots; they are upper-case by habit.
    pub fn stream_name(&self, kind: &str) -> String {
        format!("{}_{}", self.0.to_uppercase(), kind.to_uppercase())
    }

    /// The PostgreSQL schema a service owns.
    pub fn schema(&self, service: &str) -> String {
        format!("{}_{service}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_the_last_token() {
        let ns = Namespace::new("tvarit");
        assert_eq!(ns.post_ingested("balotra"), "tvarit.post.ingested.balotra");
        assert_eq!(ns.post_classified("sri-ganganagar"), "tvarit.post.classified.sri-ganganagar");
        assert_eq!(ns.case_event("opened", "hq"), "tvarit.case.opened.hq");
        assert_eq!(ns.case_events_of("*"), "tvarit.case.*.*");
        assert_eq!(Namespace::new("t_ab12").stream_name("cases"), "T_AB12_CASES");
        assert_eq!(Namespace::new("t_ab12").schema("reply"), "t_ab12_reply");
    }
}
