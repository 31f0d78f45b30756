//! `Nats-Msg-Id` for server-side dedupe and W3C trace context, carried in
//! NATS headers the way opentelemetry's tonic example carries it in gRPC
//! metadata.

use async_nats::HeaderMap;
use opentelemetry::Context;
use opentelemetry::global;
use opentelemetry::propagation::{Extractor, Injector};
use tracing_opentelemetry::OpenTelemetrySpanExt;

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key, value.as_str());
    }
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(|v| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_ref()).collect()
    }
}

/// Headers for a publish: the business id and the current span's context.
pub fn publish_headers(msg_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
    let cx = tracing::Span::current().context();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut HeaderInjector(&mut headers)));
    headers
}

/// The publisher's trace context, to parent the consumer's span on.
pub fn context_from_headers(headers: Option<&HeaderMap>) -> Context {
    match headers {
        Some(h) => global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(h))),
        None => Context::new(),
    }
}

/// The current span's W3C `traceparent`, to store with work that is
/// published later (an outbox row), so the trace continues from there.
pub fn current_traceparent() -> Option<String> {
    let mut headers = HeaderMap::new();
    let cx = tracing::Span::current().context();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut HeaderInjector(&mut headers)));
    headers.get("traceparent").map(|v| v.as_str().to_owned())
}

/// Headers for a publish whose trace context was stored earlier.
pub fn headers_with_traceparent(msg_id: &str, traceparent: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(async_nats::header::NATS_MESSAGE_ID, msg_id);
    if let Some(tp) = traceparent {
        headers.insert("traceparent", tp);
    }
    headers
}
