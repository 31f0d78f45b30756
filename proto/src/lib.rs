//! Tvarit's wire contracts: NATS payloads (`Post`, `ClassifiedPost`,
//! `CaseEvent`) and the gRPC services `Desk` and `Metrics`.

pub mod v1 {
    #![allow(clippy::all, clippy::pedantic)]
    tonic::include_proto!("tvarit.v1");
}

/// The encoded file descriptor set, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tvarit_descriptor.bin"));

pub use v1::{CaseState, Category, Urgency};

impl Category {
    /// Every category a post can be given, in the wire enum's order (the
    /// order classify's model and the console's lists use).
    pub const ALL: [Category; 7] = [
        Category::Emergency,
        Category::Complaint,
        Category::Misinformation,
        Category::Sensitive,
        Category::Query,
        Category::Appreciation,
        Category::Other,
    ];

    /// The categories a desk answers: all but `other` (the last), which
    /// gets no reply.
    pub const ANSWERED: [Category; 6] = {
        let mut answered = [Category::Other; 6];
        let mut i = 0;
        while i < answered.len() {
            answered[i] = Self::ALL[i];
            i += 1;
        }
        answered
    };

    /// Stable lowercase names used in JSON, the database and Prometheus labels.
    pub fn slug(self) -> &'static str {
        match self {
            Category::Unspecified => "unspecified",
            Category::Emergency => "emergency",
            Category::Complaint => "complaint",
            Category::Misinformation => "misinformation",
            Category::Sensitive => "sensitive",
            Category::Query => "query",
            Category::Appreciation => "appreciation",
            Category::Other => "other",
        }
    }

    /// The category whose [`Category::slug`] is `s` (never `Unspecified`).
    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.slug() == s)
    }
}

impl Urgency {
    pub fn slug(self) -> &'static str {
        match self {
            Urgency::Unspecified => "unspecified",
            Urgency::Critical => "critical",
            Urgency::High => "high",
            Urgency::Normal => "normal",
            Urgency::Low => "low",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Some(match s {
            "critical" => Urgency::Critical,
            "high" => Urgency::High,
            "normal" => Urgency::Normal,
            "low" => Urgency::Low,
            _ => return None,
        })
    }
}

impl CaseState {
    pub fn slug(self) -> &'static str {
        match self {
            CaseState::Unspecified => "unspecified",
            CaseState::Open => "open",
            CaseState::InProcess => "in_process",
            CaseState::Closed => "closed",
            CaseState::NotActionable => "not_actionable",
        }
    }

    pub fn from_slug(s: &str) -> Option<Self> {
        Some(match s {
            "open" => CaseState::Open,
            "in_process" => CaseState::InProcess,
            "closed" => CaseState::Closed,
            "not_actionable" => CaseState::NotActionable,
            _ => return None,
        })
    }
}

impl v1::CaseEventKind {
    /// `followed_up`, `sla_breached`, ...: the proto name without its prefix,
    /// lowercase. NATS subjects, the database, JSON and Prometheus labels all
    /// name an event kind this way.
    pub fn slug(self) -> String {
        self.as_str_name().trim_start_matches("CASE_EVENT_KIND_").to_lowercase()
    }
}

/// `Post.source` values that change how a post is answered, named once for
/// the service that sets them and the one that reads them.
pub mod source {
    /// An Instagram @mention read back by ingest: answered on the author's
    /// media through `/{ig-user-id}/mentions`, not `/{comment-id}/replies`.
    pub const INSTAGRAM_MENTION: &str = "instagram-mention";
    /// An X direct message that reply's poller handed to ingest.
    pub const X_DM_POLL: &str = "x-dm-poll";
}

pub mod redact;
pub mod report;

/// Conversions between chrono and protobuf timestamps.
pub mod time {
    pub use prost_types::Timestamp;

    /// Milliseconds since the epoch to a protobuf timestamp.
    pub fn from_millis(ms: i64) -> Timestamp {
        Timestamp { seconds: ms.div_euclid(1000), nanos: (ms.rem_euclid(1000) * 1_000_000) as i32 }
    }

    /// A protobuf timestamp to milliseconds since the epoch. Saturates: a
    /// message off the wire may hold any seconds (chrono then refuses it).
    pub fn to_millis(ts: &Timestamp) -> i64 {
        ts.seconds.saturating_mul(1000).saturating_add(i64::from(ts.nanos) / 1_000_000)
    }

    /// A time to a protobuf timestamp, to the millisecond (as Tvarit keeps
    /// every time it reports).
    pub fn from_datetime(t: chrono::DateTime<chrono::Utc>) -> Timestamp {
        from_millis(t.timestamp_millis())
    }

    /// A protobuf timestamp, if set, as a time; `None` also when it is
    /// outside chrono's range (a message off the wire may hold anything).
    pub fn datetime(ts: Option<&Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
        ts.and_then(|t| chrono::DateTime::from_timestamp_millis(to_millis(t)))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn times_go_both_ways_to_the_millisecond() {
            let t = chrono::DateTime::from_timestamp_millis(1_796_368_035_123).unwrap();
            assert_eq!(datetime(Some(&from_datetime(t))), Some(t));
            assert_eq!(datetime(None), None);
            assert_eq!(datetime(Some(&Timestamp { seconds: i64::MAX, nanos: 0 })), None, "out of range");
        }
    }
}

/// gRPC reflection (v1) over Tvarit's services, so `grpcurl` works out of the box.
pub fn reflection_service()
-> tonic_reflection::server::v1::ServerReflectionServer<impl tonic_reflection::server::v1::ServerReflection> {
    reflection().build_v1().expect("the compiled-in descriptor set is valid")
}

/// The same over reflection v1alpha: grpcurl 1.8 (what HQ's engineers have)
/// and other older tools ask only v1alpha, and say "server does not support
/// the reflection API" to a server that serves v1 alone.
pub fn reflection_service_v1alpha()
-> tonic_reflection::server::v1alpha::ServerReflectionServer<impl tonic_reflection::server::v1alpha::ServerReflection> {
    reflection().build_v1alpha().expect("the compiled-in descriptor set is valid")
}

fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure().register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
}

#[cfg(test)]
mod tests {
    use super::Category;

    #[test]
    fn every_category_is_listed_once_and_all_but_other_are_answered() {
        let mut all: Vec<&str> = Category::ALL.iter().map(|c| c.slug()).collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 7, "{all:?}");
        assert!(!Category::ALL.contains(&Category::Unspecified));
        assert!(!Category::ANSWERED.contains(&Category::Other));
        assert!(Category::ANSWERED.iter().all(|c| Category::ALL.contains(c)));
    }
}
