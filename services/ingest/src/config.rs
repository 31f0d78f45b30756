use serde::{Deserialize, Serialize};
use tvarit_config::{Common, ConfigError, Validate};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestConfig {
    #[serde(flatten)]
    pub common: Common,
    /// `POST /v1/posts`, `/metrics`, `/healthz`.
    pub ingest_http_listen: String,
    /// gRPC health and reflection.
    pub ingest_grpc_listen: String,
    /// Larger request bodies are refused with 413.
    pub ingest_max_post_bytes: usize,
    /// X API base URL (`tvarit-sim`'s address in tests and training).
    pub ingest_x_api_base: String,
    /// Seconds between mention polls of one account. X allows 300 mention
    /// requests per 15 minutes per user, i.e. one per 3 s.
    pub ingest_x_poll_seconds: f64,
    /// How far back each poll re-queries for late-indexed posts.
    pub ingest_x_overlap_seconds: i64,
    /// Silence on the filtered stream longer than this is a stall (X sends
    /// keep-alives at least every 20 s).
    pub ingest_x_stream_stall_seconds: f64,
    /// Graph API base URL with its version, for reading Instagram @mentions
    /// back (`<sim>/v21.0` in tests).
    pub ingest_meta_api_base: String,
    /// YouTube Data API base URL (`<sim>/youtube/v3` in tests).
    pub ingest_youtube_api_base: String,
    /// The Google Cloud project's YouTube quota, units per day (10,000 by
    /// default); polling spends at most 80% of it across all channels.
    pub ingest_youtube_daily_quota: u32,
    /// Never poll one channel more often than this, whatever the quota allows.
    pub ingest_youtube_poll_seconds: f64,
    /// Add a filtered-stream rule per district for its names with police
    /// words, so posts about a district that tag nobody are still seen
    /// (marked untagged, not counted in response times).
    pub ingest_x_watch_terms: bool,
    /// Where no X account streams, poll the watch terms by recent search
    /// instead (with `ingest_x_watch_terms`).
    pub ingest_x_watch_search: bool,
    /// Seconds to go round every district's recent search once (never
    /// faster than 80 % of the app's recent-search limit allows).
    pub ingest_x_watch_search_seconds: f64,
    /// The app's recent-search allowance per 15 minutes: 60 on X's Basic
    /// tier, 450 on Pro. Watching spends at most 80 % of it.
    pub ingest_x_search_requests_per_15_min: u32,
    /// Days an archived post keeps its words, author and attachments
    /// (then only ids and times stay); 0 keeps everything. As reply's
    /// `reply_retention_days`: set both alike.
    pub ingest_retention_days: u32,
    /// Publish again posts archived this long ago but never acknowledged by
    /// JetStream (a crash between the steps, a broker down or full); the
    /// check runs at a third of this interval.
    pub ingest_republish_after_seconds: f64,
}

impl Default for IngestConfig {
    fn default() -> Self {
        Self {
            common: Common::default(),
            ingest_http_listen: "127.0.0.1:8080".into(),
            ingest_grpc_listen: "127.0.0.1:50051".into(),
            ingest_max_post_bytes: 64 * 1024,
            ingest_x_api_base: "https://api.x.com".into(),
            ingest_x_poll_seconds: 15.0,
            ingest_x_overlap_seconds: 120,
            ingest_x_stream_stall_seconds: 21.0,
            ingest_meta_api_base: "https://graph.facebook.com/v21.0".into(),
            ingest_youtube_api_base: tvarit_platforms::youtube::DEFAULT_BASE.into(),
            ingest_youtube_daily_quota: tvarit_platforms::youtube::DEFAULT_DAILY_QUOTA,
            ingest_youtube_poll_seconds: 15.0,
            ingest_x_watch_terms: true,
            ingest_x_watch_search: true,
            ingest_x_watch_search_seconds: 120.0,
            ingest_x_search_requests_per_15_min: 60,
            ingest_republish_after_seconds: 30.0,
            ingest_retention_days: crate::retention::DEFAULT_DAYS,
        }
    }
}

impl Validate for IngestConfig {
    /// The shared settings, and the seconds ingest turns into durations:
    /// finite, and at most a day (TOML allows `inf` and `nan`).
    fn validate(&self) -> Result<(), ConfigError> {
        self.common.validate()?;
        tvarit_config::check_seconds(&[
            ("ingest_x_poll_seconds", self.ingest_x_poll_seconds),
            ("ingest_x_watch_search_seconds", self.ingest_x_watch_search_seconds),
            ("ingest_x_stream_stall_seconds", self.ingest_x_stream_stall_seconds),
            ("ingest_youtube_poll_seconds", self.ingest_youtube_poll_seconds),
            ("ingest_republish_after_seconds", self.ingest_republish_after_seconds),
        ])?;
        Ok(())
    }
}
