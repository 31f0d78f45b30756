//! The known false claims (`claims.jsonl`, compiled in): each with its
//! wording, the variants seen in Hindi, Hinglish and English, and the
//! English rebuttal. Classify links posts that repeat one (rumour
//! matching); reply seeds a rebuttal draft for each. One list, so a claim
//! added here is matched and answered at once.

use serde::Deserialize;

const CLAIMS: &str = include_str!("../claims.jsonl");

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Claim {
    /// `claim-0001`, stable: drafts and cases name it.
    pub id: String,
    pub claim: String,
    #[serde(default)]
    pub rebuttal: String,
    #[serde(default)]
    pub variants: Vec<String>,
}

/// Every claim, in the file's order.
pub fn all() -> Vec<Claim> {
    CLAIMS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("claims.jsonl is checked by the crate's test"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_line_is_a_claim_with_a_rebuttal_and_a_unique_id() {
        let claims = super::all();
        assert!(claims.len() >= 12, "{}", claims.len());
        let mut ids: Vec<&str> = claims.iter().map(|c| c.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), claims.len(), "ids are unique");
        assert!(claims.iter().all(|c| !c.claim.is_empty() && !c.rebuttal.is_empty()));
    }
}
