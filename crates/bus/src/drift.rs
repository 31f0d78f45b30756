//! How a declared stream differs from the one on the server, field by
//! field, and which of those differences the server can apply in place.

use async_nats::jetstream::{consumer, stream};

/// One declared setting that differs from the server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
    /// What became of it: applied, refused by the server, or one no
    /// existing stream can take (the operator must recreate the stream).
    pub outcome: ChangeOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    Applied,
    /// The server refused the update (e.g. replicas > 1 on a lone server);
    /// the stream runs on with its old settings.
    Refused,
    /// Storage type and retention policy are fixed when a stream is made.
    NeedsRecreate,
}

/// Fields JetStream fixes at creation: an update that changes them fails
/// (retention can change only between some policies, and not on 2.9).
const FIXED: &[&str] = &["storage", "retention"];

/// Every declared field of `wanted` whose value differs from `server`'s,
/// in a stable order. Fields we do not declare (limits an operator set by
/// hand) are not compared, so they are left alone.
pub(crate) fn stream_differences(server: &stream::Config, wanted: &stream::Config) -> Vec<SettingChange> {
    let mut changes = Vec::new();
    let mut check = |field: &'static str, old: String, new: String| {
        if old != new {
            let outcome = if FIXED.contains(&field) { ChangeOutcome::NeedsRecreate } else { ChangeOutcome::Applied };
            changes.push(SettingChange { field, old, new, outcome });
        }
    };
    let mut old_subjects = server.subjects.clone();
    let mut new_subjects = wanted.subjects.clone();
    old_subjects.sort();
    new_subjects.sort();
    check("subjects", old_subjects.join(","), new_subjects.join(","));
    check("storage", format!("{:?}", server.storage), format!("{:?}", wanted.storage));
    check("retention", format!("{:?}", server.retention), format!("{:?}", wanted.retention));
    check("replicas", server.num_replicas.to_string(), wanted.num_replicas.to_string());
    check("max_age", format!("{:?}", server.max_age), format!("{:?}", wanted.max_age));
    check("duplicate_window", format!("{:?}", server.duplicate_window), format!("{:?}", wanted.duplicate_window));
    check("discard", format!("{:?}", server.discard), format!("{:?}", wanted.discard));
    changes
}

/// Every declared field of a pull consumer that differs from the server's.
/// The caller replaces such a consumer from its ack floor, which works on
/// every server version (2.9 cannot update a filter in place).
pub(crate) fn consumer_differences(server: &consumer::Config, wanted: &consumer::pull::Config) -> Vec<SettingChange> {
    let mut changes = Vec::new();
    let mut check = |field: &'static str, old: String, new: String| {
        if old != new {
            changes.push(SettingChange { field, old, new, outcome: ChangeOutcome::Applied });
        }
    };
    check("filter_subject", server.filter_subject.clone(), wanted.filter_subject.clone());
    check("ack_policy", format!("{:?}", server.ack_policy), format!("{:?}", wanted.ack_policy));
    check("ack_wait", format!("{:?}", server.ack_wait), format!("{:?}", wanted.ack_wait));
    check("max_deliver", server.max_deliver.to_string(), wanted.max_deliver.to_string());
    check("max_ack_pending", server.max_ack_pending.to_string(), wanted.max_ack_pending.to_string());
    changes
}

/// The server's config with every changeable declared field set to the
/// wanted value; fixed fields and undeclared limits keep the server's.
pub(crate) fn updated_config(server: &stream::Config, wanted: &stream::Config) -> stream::Config {
    stream::Config {
        subjects: wanted.subjects.clone(),
        num_replicas: wanted.num_replicas,
        max_age: wanted.max_age,
        duplicate_window: wanted.duplicate_window,
        discard: wanted.discard,
        ..server.clone()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use async_nats::jetstream::stream::{Config, StorageType};

    use super::*;

    fn declared() -> Config {
        Config {
            name: "T_INGESTED".into(),
            subjects: vec!["t.post.ingested.>".into()],
            max_age: Duration::from_secs(3600),
            duplicate_window: Duration::from_secs(120),
            num_replicas: 1,
            ..Default::default()
        }
    }

    #[test]
    fn the_same_declaration_is_no_change() {
        let mut server = declared();
        // Limits the server fills in or an operator set are not ours to compare.
        server.max_bytes = 1 << 30;
        assert!(stream_differences(&server, &declared()).is_empty());
    }

    #[test]
    fn each_changed_field_is_named_with_its_old_and_new_value() {
        let server = declared();
        let wanted = Config {
            max_age: Duration::from_secs(7200),
            storage: StorageType::Memory,
            subjects: vec!["t.post.ingested.>".into(), "t.post.replayed.>".into()],
            ..declared()
        };
        let changes = stream_differences(&server, &wanted);
        let fields: Vec<_> = changes.iter().map(|c| (c.field, c.outcome)).collect();
        assert_eq!(
            fields,
            [
                ("subjects", ChangeOutcome::Applied),
                ("storage", ChangeOutcome::NeedsRecreate),
                ("max_age", ChangeOutcome::Applied)
            ]
        );
        assert_eq!((changes[2].old.as_str(), changes[2].new.as_str()), ("3600s", "7200s"));
        let update = updated_config(&server, &wanted);
        assert_eq!(update.storage, server.storage, "a fixed field keeps the server's value");
        assert_eq!(update.max_age, Duration::from_secs(7200));
    }
}
