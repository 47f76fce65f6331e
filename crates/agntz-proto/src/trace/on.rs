//! The `Trace` of builds with the `tracing` feature: one span per call or
//! stream, and events for retries and reconnects (fields in
//! [`crate::spans`]).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, StatusCode};
use tracing::field::Empty;
use tracing::Instrument;

use super::route;
use crate::config::Config;
use crate::error::Error;
use crate::ops::RunIds;
use crate::spans::{REQUEST, STREAM, TARGET};
use crate::transport::Transport;

/// Declares a span with every field the SDK may record (tracing wants them
/// all up front); `$extra` are the stream-only ones.
macro_rules! sdk_span {
    ($name:expr, $op:expr $(, $extra:ident)*) => {
        tracing::info_span!(
            target: TARGET,
            $name,
            op = %$op,
            otel.name = Empty,
            otel.kind = "client",
            method = Empty,
            path = Empty,
            status = Empty,
            attempt = Empty,
            retry_wait_ms = Empty,
            ttfb_ms = Empty,
            error = Empty,
            run_id = Empty,
            session_id = Empty,
            trace_id = Empty,
            agent_id = Empty,
            artifact_id = Empty,
            dataset_id = Empty,
            import_id = Empty,
            eval_id = Empty,
            eval_run_id = Empty,
            batch_id = Empty,
            batch_run_id = Empty,
            entry_id = Empty,
            secret_name = Empty,
            version = Empty,
            alias = Empty,
            request_id = Empty,
            $($extra = Empty,)*
        )
    };
}

/// A handle to one call's or stream's span. Clones share the span and its
/// counters (a run stream's reconnects record into the stream's span).
/// `None` when no subscriber wants the span: then nothing is allocated or
/// computed.
#[derive(Debug, Clone)]
pub(crate) struct Trace(Option<Arc<Inner>>);

#[derive(Debug)]
struct Inner {
    span: tracing::Span,
    stream: bool,
    retry_wait_ms: AtomicU64,
    items: AtomicU64,
    reconnects: AtomicU64,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.stream {
            // Counted as they pass, written once when the stream goes.
            self.span
                .record("items", self.items.load(Ordering::Relaxed));
        }
    }
}

impl Trace {
    /// The span of a request/response call of operation `O`.
    pub(crate) fn request<O: ?Sized>() -> Self {
        Trace::new(sdk_span!(REQUEST, OpName::<O>::new()), false)
    }

    /// The span of a stream of operation `O`, open until the stream is
    /// dropped.
    pub(crate) fn stream<O: ?Sized>() -> Self {
        let span = sdk_span!(STREAM, OpName::<O>::new(), since, items, reconnects);
        Trace::new(span, true)
    }

    fn new(span: tracing::Span, stream: bool) -> Self {
        if span.is_disabled() {
            return Trace(None);
        }
        Trace(Some(Arc::new(Inner {
            span,
            stream,
            retry_wait_ms: AtomicU64::new(0),
            items: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
        })))
    }

    /// The span, or a disabled one (events then have no parent).
    fn span(&self) -> &tracing::Span {
        static NONE: tracing::Span = tracing::Span::none();
        self.0.as_ref().map_or(&NONE, |inner| &inner.span)
    }

    /// The transport's clock, read only while the span is enabled.
    pub(crate) fn now<T: Transport>(&self, transport: &T) -> Option<Instant> {
        self.0.as_ref()?;
        transport.now()
    }

    /// Attempt `attempt` of `request` is about to be sent: its method, path
    /// template and the ids in its path (never headers, never the body).
    pub(crate) fn sending(&self, config: &Config, request: &Request<Bytes>, attempt: u32) {
        let Some(inner) = &self.0 else { return };
        let span = &inner.span;
        span.record("attempt", attempt);
        if attempt > 1 {
            return; // the same request again: method and path are recorded
        }
        let method = request.method().as_str();
        let path = request.uri().path();
        let path = path.strip_prefix(config.path_prefix()).unwrap_or(path);
        let route = route::Route::of(path);
        span.record("method", method);
        span.record("otel.name", format!("{method} {}", route.template).as_str());
        span.record("path", route.template.as_str());
        for (field, id) in &route.ids {
            span.record(*field, id.as_ref());
        }
        if let Some(since) = request.uri().query().and_then(since_of) {
            span.record("since", since);
        }
    }

    /// The response head arrived: its status and the time to first byte.
    pub(crate) fn head(&self, status: StatusCode, sent: Option<Instant>, now: Option<Instant>) {
        let Some(inner) = &self.0 else { return };
        inner.span.record("status", status.as_u16());
        if let (Some(sent), Some(now)) = (sent, now) {
            let ttfb = now.saturating_duration_since(sent);
            inner.span.record("ttfb_ms", ttfb.as_secs_f64() * 1000.0);
        }
    }

    /// Attempt `attempt` failed with `error`; the next one follows after
    /// `wait`.
    pub(crate) fn retry(&self, attempt: u32, wait: Duration, error: &Error) {
        let wait_ms = millis(wait);
        if let Some(inner) = &self.0 {
            let total = inner.retry_wait_ms.fetch_add(wait_ms, Ordering::Relaxed) + wait_ms;
            inner.span.record("retry_wait_ms", total);
        }
        tracing::info!(
            target: TARGET,
            parent: self.span(),
            attempt,
            wait_ms,
            error = kind(error),
            status = error.status().map(|s| s.as_u16()),
            "retry"
        );
    }

    /// A run stream reconnects (its `reconnect`-th time in a row) after
    /// `wait`, resuming after `since`, because of `error`.
    pub(crate) fn reconnect(
        &self,
        reconnect: u32,
        wait: Duration,
        since: Option<u64>,
        error: &Error,
    ) {
        if let Some(inner) = &self.0 {
            let total = inner.reconnects.fetch_add(1, Ordering::Relaxed) + 1;
            inner.span.record("reconnects", total);
        }
        tracing::info!(
            target: TARGET,
            parent: self.span(),
            reconnect,
            wait_ms = millis(wait),
            since,
            error = kind(error),
            "reconnect"
        );
    }

    /// The run and session the call concerns, once known (empty ids are
    /// not recorded).
    pub(crate) fn run_ids<'a>(&self, ids: impl FnOnce() -> RunIds<'a>) {
        let Some(inner) = &self.0 else { return };
        let ids = ids();
        if let Some(run_id) = ids.run_id.filter(|s| !s.is_empty()) {
            inner.span.record("run_id", run_id);
        }
        if let Some(session_id) = ids.session_id.filter(|s| !s.is_empty()) {
            inner.span.record("session_id", session_id);
        }
    }

    /// A stream delivered one item.
    pub(crate) fn item(&self) {
        if let Some(inner) = &self.0 {
            inner.items.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The call or stream failed with `error` (its kind only: messages may
    /// quote the worker's bodies).
    pub(crate) fn failed(&self, error: &Error) {
        if let Some(inner) = &self.0 {
            inner.span.record("error", kind(error));
        }
    }

    /// `fut`, run inside the span (so calls it makes become children).
    pub(crate) fn instrument<F: Future>(&self, fut: F) -> tracing::instrument::Instrumented<F> {
        fut.instrument(self.span().clone())
    }
}

/// A short, stable label for the kind of `error`.
fn kind(error: &Error) -> &'static str {
    match error {
        Error::InvalidRequest(_) => "invalid_request",
        Error::Transport(_) => "transport",
        Error::Timeout(_) => "timeout",
        Error::Authentication(_) => "authentication",
        Error::NotFound(_) => "not_found",
        Error::RateLimited(_) => "rate_limited",
        Error::Api(_) => "api",
        Error::Stream(_) => "stream",
        Error::Decode(_) => "decode",
        Error::BodyTooLarge { .. } => "body_too_large",
        Error::Content(_) => "content",
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// `since=<n>` of a run stream's query.
fn since_of(query: &str) -> Option<u64> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "since")
        .and_then(|(_, v)| v.parse().ok())
}

/// The operation's type name without module paths: `GetRun` for
/// `agntz_proto::ops::runs::GetRun`, `GetVersion<EvalResource>` for a
/// generic one. Written only when the span is enabled.
struct OpName<O: ?Sized>(std::marker::PhantomData<O>);

impl<O: ?Sized> OpName<O> {
    fn new() -> Self {
        OpName(std::marker::PhantomData)
    }
}

impl<O: ?Sized> std::fmt::Display for OpName<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = std::any::type_name::<O>();
        // Each `path::` is dropped: write up to the start of the segment
        // that precedes a `::`, then skip the segment and the `::`.
        while let Some(i) = rest.find("::") {
            let head = &rest[..i];
            let keep = head
                .char_indices()
                .rev()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(0, |(j, c)| j + c.len_utf8());
            f.write_str(&head[..keep])?;
            rest = &rest[i + 2..];
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(OpName::<crate::ops::GetRun>::new().to_string(), "GetRun");
        assert_eq!(
            OpName::<crate::ops::GetEvalVersion>::new().to_string(),
            "GetVersion<EvalResource>"
        );
        assert_eq!(OpName::<u32>::new().to_string(), "u32");
        assert_eq!(
            OpName::<std::collections::HashMap<String, Vec<u8>>>::new().to_string(),
            "HashMap<String, Vec<u8>>"
        );
    }

    #[test]
    fn since_is_read_from_the_query() {
        assert_eq!(since_of("since=42"), Some(42));
        assert_eq!(since_of("a=1&since=7"), Some(7));
        assert_eq!(since_of("a=1"), None);
    }
}
