//! Where a poll of a channel resumes. YouTube has no `since_id`, and
//! `publishedAt` has whole seconds, so the checkpoint is the newest time
//! stored plus the ids of the comments published at that second. It is kept
//! in the `checkpoints` table shared with the X pollers, in its text columns.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::sources::checkpoints::Checkpoint;

/// Where polling resumes: the newest `publishedAt` stored, and the ids of
/// the comments published at that second.
#[derive(Debug, Clone, PartialEq)]
pub struct YtCheckpoint {
    pub since: DateTime<Utc>,
    pub ids_at_since: Vec<String>,
}

impl YtCheckpoint {
    /// Before any comment: everything is newer.
    pub fn origin() -> Self {
        YtCheckpoint { since: DateTime::UNIX_EPOCH, ids_at_since: Vec::new() }
    }

    /// Stored in the shared table's text columns: `since_id` holds the
    /// time (RFC 3339), `overlap_since_id` the ids, comma-separated.
    pub fn to_row(&self, now: DateTime<Utc>) -> Checkpoint {
        Checkpoint {
            since_id: self.since.to_rfc3339_opts(SecondsFormat::Secs, true),
            overlap_since_id: self.ids_at_since.join(","),
            next_overlap_id: String::new(),
            overlap_set_at: now,
        }
    }

    pub fn from_row(row: &Checkpoint) -> Option<Self> {
        let since = DateTime::parse_from_rfc3339(&row.since_id).ok()?.with_timezone(&Utc);
        let ids = row.overlap_since_id.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        Some(YtCheckpoint { since, ids_at_since: ids })
    }

    /// Whether a comment published at `at` with `id` is past the checkpoint.
    pub fn is_new(&self, at: DateTime<Utc>, id: &str) -> bool {
        at > self.since || (at == self.since && !self.ids_at_since.iter().any(|i| i == id))
    }

    /// The checkpoint after storing `seen` (time, id) comments.
    pub fn advance<'a>(&self, seen: impl IntoIterator<Item = (DateTime<Utc>, &'a str)>) -> YtCheckpoint {
        let mut next = self.clone();
        for (at, id) in seen {
            if at > next.since {
                next = YtCheckpoint { since: at, ids_at_since: vec![id.to_owned()] };
            } else if at == next.since && !next.ids_at_since.iter().any(|i| i == id) {
                next.ids_at_since.push(id.to_owned());
            }
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_checkpoint_round_trips_through_the_shared_table() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:15:42Z"), ids_at_since: vec!["UgzA".into(), "UgzB".into()] };
        let row = cp.to_row(Utc::now());
        assert_eq!(row.since_id, "2026-11-03T10:15:42Z");
        assert_eq!(row.overlap_since_id, "UgzA,UgzB");
        assert_eq!(YtCheckpoint::from_row(&row), Some(cp));
        let origin = YtCheckpoint::origin();
        assert_eq!(YtCheckpoint::from_row(&origin.to_row(Utc::now())), Some(origin));
        let x_row = Checkpoint::start("1860000000000000000", Utc::now());
        assert_eq!(YtCheckpoint::from_row(&x_row), None);
    }

    #[test]
    fn comments_in_the_checkpoints_second_are_told_apart_by_id() {
        let cp = YtCheckpoint { since: t("2026-11-03T10:15:42Z"), ids_at_since: vec!["a".into()] };
        assert!(!cp.is_new(t("2026-11-03T10:15:42Z"), "a"));
        assert!(cp.is_new(t("2026-11-03T10:15:42Z"), "b"));
        assert!(cp.is_new(t("2026-11-03T10:15:43Z"), "a"));
        assert!(!cp.is_new(t("2026-11-03T10:15:41Z"), "c"));
        let next = cp.advance([(t("2026-11-03T10:15:42Z"), "b")]);
        assert_eq!(next.ids_at_since, ["a", "b"]);
        let later = next.advance([(t("2026-11-03T10:16:00Z"), "d"), (t("2026-11-03T10:16:00Z"), "e")]);
        assert_eq!(
            (later.since, later.ids_at_since.clone()),
            (t("2026-11-03T10:16:00Z"), vec!["d".into(), "e".into()])
        );
        // An older comment never moves it back.
        assert_eq!(later.advance([(t("2026-11-03T09:00:00Z"), "z")]), later);
    }
}
