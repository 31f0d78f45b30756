//! A changed stream or consumer declaration reaches the server at the next
//! start, and the changes are named.

use std::time::Duration;

use async_nats::jetstream::stream::{Config, StorageType};
use tvarit_bus::{ChangeOutcome, StreamKind, StreamSettings, declare_stream, ensure_consumer, stream_config};

use crate::{Logs, setup};

fn fields(changes: &[tvarit_bus::SettingChange]) -> Vec<(&'static str, ChangeOutcome)> {
    changes.iter().map(|c| (c.field, c.outcome)).collect()
}

#[tokio::test]
async fn a_changed_stream_setting_is_applied_at_the_next_start() {
    let (js, ns) = setup("streams").await;
    let first = StreamSettings { max_age: Duration::from_secs(3600), ..Default::default() };
    let (_, changes) = declare_stream(&js, stream_config(&ns, StreamKind::Ingested, first)).await.unwrap();
    assert!(changes.is_empty(), "a new stream is created as declared: {changes:?}");
    let (_, again) = declare_stream(&js, stream_config(&ns, StreamKind::Ingested, first)).await.unwrap();
    assert!(again.is_empty(), "an unchanged declaration changes nothing: {again:?}");

    // The next release keeps posts for two hours and dedupes for one minute.
    let second =
        StreamSettings { max_age: Duration::from_secs(7200), duplicate_window: Duration::from_secs(60), ..first };
    let logs = Logs::default();
    let guard = logs.capture();
    let (stream, changes) = declare_stream(&js, stream_config(&ns, StreamKind::Ingested, second)).await.unwrap();
    drop(guard);
    assert_eq!(fields(&changes), [("max_age", ChangeOutcome::Applied), ("duplicate_window", ChangeOutcome::Applied)]);
    assert_eq!((changes[0].old.as_str(), changes[0].new.as_str()), ("3600s", "7200s"));
    let changed: Vec<String> = logs.lines().into_iter().filter(|l| l.contains("stream setting changed")).collect();
    assert_eq!(changed.len(), 2, "one line per changed field: {changed:?}");
    let name = ns.stream_name("ingested");
    assert!(
        changed[0].contains("INFO")
            && changed[0].contains(&format!("stream={name}"))
            && changed[0].contains("field=\"max_age\"")
            && changed[0].contains("old=\"3600s\"")
            && changed[0].contains("new=\"7200s\""),
        "{changed:?}"
    );
    let server = js.get_stream(&stream.cached_info().config.name).await.unwrap().cached_info().config.clone();
    assert_eq!(server.max_age, Duration::from_secs(7200), "the server holds the new max age");
    assert_eq!(server.duplicate_window, Duration::from_secs(60));
    assert_eq!(
        stream.cached_info().config.max_age,
        Duration::from_secs(7200),
        "the returned stream is the updated one"
    );

    js.delete_stream(&server.name).await.unwrap();
}

/// Storage cannot change on an existing stream, and the server refuses an
/// inconsistent update: the service still starts, on the old settings, and
/// says why.
#[tokio::test]
async fn a_setting_the_server_cannot_apply_is_reported_not_fatal() {
    let (js, ns) = setup("fixed").await;
    let declared = stream_config(&ns, StreamKind::Cases, StreamSettings::default());
    declare_stream(&js, declared.clone()).await.unwrap();

    let memory = Config { storage: StorageType::Memory, max_age: Duration::from_secs(600), ..declared.clone() };
    let (stream, changes) = declare_stream(&js, memory).await.expect("a fixed field does not stop the start");
    assert_eq!(fields(&changes), [("storage", ChangeOutcome::NeedsRecreate), ("max_age", ChangeOutcome::Applied)]);
    assert_eq!(stream.cached_info().config.storage, StorageType::File, "storage is the old one");
    assert_eq!(stream.cached_info().config.max_age, Duration::from_secs(600), "the changeable field still applies");

    // The server refuses a max age shorter than the duplicate window.
    let short = Config { max_age: Duration::from_secs(60), ..declared.clone() };
    let (stream, changes) = declare_stream(&js, short).await.expect("a refused update does not stop the start");
    assert_eq!(fields(&changes), [("max_age", ChangeOutcome::Refused)]);
    assert_eq!(stream.cached_info().config.max_age, Duration::from_secs(600), "the stream runs on as it was");
    js.delete_stream(&declared.name).await.unwrap();
}

#[tokio::test]
async fn a_consumer_with_a_changed_ack_wait_is_replaced_with_it() {
    let (js, ns) = setup("consumers").await;
    let (stream, _) =
        declare_stream(&js, stream_config(&ns, StreamKind::Classified, StreamSettings::default())).await.unwrap();
    let filter = ns.post_classified("*");
    ensure_consumer(&stream, "test-classified", filter.clone(), Duration::from_secs(30)).await.unwrap();
    ensure_consumer(&stream, "test-classified", filter, Duration::from_secs(10)).await.unwrap();
    let info = stream.consumer_info("test-classified").await.unwrap();
    assert_eq!(info.config.ack_wait, Duration::from_secs(10));
    js.delete_stream(&stream.cached_info().config.name).await.unwrap();
}
