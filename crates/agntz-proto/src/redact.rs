//! Scrubbing the client's own API key from text the server sent.
//!
//! A server, or a proxy in front of it, may echo the `Authorization` header
//! in an error body (`{"error":"invalid key Bearer ar_live_…"}`). The client
//! knows its key, so every piece of server-provided text is scrubbed before
//! it enters an [`Error`], or the error text of an event: each occurrence of
//! the key (so `Bearer <key>` too) becomes [`REDACTED`], and so does a
//! trailing start of the key at the very end of a text (a body cut inside
//! the key by a size limit or a dropped connection).

use std::fmt;

use bytes::Bytes;
use memchr::memmem;
use serde_json::Value;

use crate::error::{ApiError, BoxError, DecodeError, Error, StreamError, TransportError};
use crate::events::{BlockEvent, RunEvent, StreamEvent, TraceEvent, UnknownEvent};
use crate::stream::{AgentFrame, BlockFrame};
use crate::types::BatchRunItem;

/// What replaces the key.
pub const REDACTED: &str = "[REDACTED]";

/// A cut-off start of the key at the end of a text is scrubbed from this
/// many bytes on (shorter ones are too likely to be ordinary text; a key's
/// public prefix such as `ar_live_` is this long).
const MIN_PARTIAL: usize = 8;

/// The secret to scrub; `None` (no key configured) scrubs nothing.
#[derive(Clone, Copy)]
pub(crate) struct Redactor<'a> {
    key: Option<&'a str>,
}

impl fmt::Debug for Redactor<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(***)")
    }
}

impl<'a> Redactor<'a> {
    /// Scrubs `key` (nothing when it is `None` or empty).
    pub(crate) fn new(key: Option<&'a str>) -> Self {
        Redactor {
            key: key.filter(|k| !k.is_empty()),
        }
    }

    /// Where the key (or its cut-off start) is in `text`: the ranges to
    /// replace, in order. Empty (and no allocation) in the usual case.
    fn find(&self, text: &[u8]) -> Vec<(usize, usize)> {
        let Some(key) = self.key else {
            return Vec::new();
        };
        let key = key.as_bytes();
        let mut hits: Vec<(usize, usize)> = memmem::find_iter(text, key)
            .map(|at| (at, at + key.len()))
            .collect();
        // A text that ends inside the key: its last bytes are a start of it.
        let tail_from = hits.last().map_or(0, |&(_, end)| end);
        let longest = (key.len() - 1).min(text.len() - tail_from);
        if let Some(len) = (MIN_PARTIAL..=longest)
            .rev()
            .find(|&len| text.ends_with(&key[..len]))
        {
            hits.push((text.len() - len, text.len()));
        }
        hits
    }

    /// `text` with the key scrubbed; `None` when it holds no key.
    fn scrubbed(&self, text: &[u8]) -> Option<Vec<u8>> {
        let hits = self.find(text);
        if hits.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(text.len());
        let mut from = 0;
        for (start, end) in hits {
            out.extend_from_slice(&text[from..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            from = end;
        }
        out.extend_from_slice(&text[from..]);
        Some(out)
    }

    /// Scrubs a string in place.
    pub(crate) fn string(&self, text: &mut String) {
        if let Some(out) = self.scrubbed(text.as_bytes()) {
            // Only whole UTF-8 sequences were cut out (the key is a valid
            // string, and so is each start of it that ends on a boundary);
            // lossy keeps this total anyway.
            *text = String::from_utf8(out)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        }
    }

    fn option(&self, text: &mut Option<String>) {
        if let Some(text) = text {
            self.string(text);
        }
    }

    /// Scrubs raw bytes (a body kept for a decode error).
    fn bytes(&self, body: &mut Bytes) {
        if let Some(out) = self.scrubbed(body) {
            *body = Bytes::from(out);
        }
    }

    /// Scrubs every string of a JSON value, object keys included.
    fn json(&self, value: &mut Value) {
        if self.key.is_none() {
            return;
        }
        match value {
            Value::String(s) => self.string(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.json(v)),
            Value::Object(map) => {
                if map.keys().any(|k| !self.find(k.as_bytes()).is_empty()) {
                    let old = std::mem::take(map);
                    for (mut k, v) in old {
                        self.string(&mut k);
                        map.insert(k, v);
                    }
                }
                map.values_mut().for_each(|v| self.json(v));
            }
            _ => {}
        }
    }

    /// A lower-level error whose text holds the key is replaced by its
    /// scrubbed text (the original cannot be edited).
    fn source(&self, source: &mut Option<BoxError>) {
        let Some(inner) = source.as_ref() else {
            return;
        };
        let shown = format!("{inner}");
        let debug = format!("{inner:?}");
        if self.find(shown.as_bytes()).is_empty() && self.find(debug.as_bytes()).is_empty() {
            return;
        }
        let mut text = shown;
        self.string(&mut text);
        *source = Some(Box::new(Scrubbed(text)));
    }

    fn api(&self, e: &mut ApiError) {
        self.string(&mut e.message);
        self.option(&mut e.code);
        if let Some(details) = e.details.as_mut() {
            self.json(details);
        }
        if let Some(body) = e.body.as_mut() {
            self.json(body);
        }
    }

    fn stream(&self, e: &mut StreamError) {
        self.string(&mut e.message);
        self.source(&mut e.source);
    }

    fn transport(&self, e: &mut TransportError) {
        self.string(&mut e.message);
        self.source(&mut e.source);
    }

    fn decode(&self, e: &mut DecodeError) {
        self.string(&mut e.message);
        self.bytes(&mut e.body);
    }

    /// `error` with the key scrubbed from every text it carries.
    pub(crate) fn error(&self, mut error: Error) -> Error {
        if self.key.is_none() {
            return error;
        }
        match &mut error {
            Error::InvalidRequest(text) => self.string(text),
            Error::Transport(e) => self.transport(e),
            Error::Authentication(e)
            | Error::NotFound(e)
            | Error::RateLimited(e)
            | Error::Api(e) => self.api(e),
            Error::Stream(e) => self.stream(e),
            Error::Decode(e) => self.decode(e),
            // Local failures: no server text in them.
            Error::Timeout(_) | Error::BodyTooLarge { .. } | Error::Content(_) => {}
        }
        error
    }

    /// A stream item with the key scrubbed from its error texts.
    pub(crate) fn item<I: Scrub>(&self, item: Result<I, Error>) -> Result<I, Error> {
        match item {
            Ok(mut item) => {
                if self.key.is_some() {
                    item.scrub(self);
                }
                Ok(item)
            }
            Err(e) => Err(self.error(e)),
        }
    }

    fn unknown(&self, e: &mut UnknownEvent) {
        self.string(&mut e.data);
    }
}

/// The text of a lower-level error that held the key, scrubbed.
#[derive(Debug)]
struct Scrubbed(String);

impl fmt::Display for Scrubbed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Scrubbed {}

/// An event whose error texts (and raw unknown data) come from the server.
/// Other content (model output, replies) is the run's own data and is left
/// as it is.
pub(crate) trait Scrub {
    /// Scrubs the key from the event's error texts.
    fn scrub(&mut self, redactor: &Redactor<'_>);
}

impl Scrub for RunEvent {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        match self {
            RunEvent::Error(e) => r.string(&mut e.error),
            RunEvent::Snapshot(run) => r.option(&mut run.error),
            RunEvent::Unknown(e) => r.unknown(e),
            _ => {}
        }
    }
}

impl Scrub for StreamEvent {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        match self {
            StreamEvent::Error(e) => r.string(&mut e.error),
            StreamEvent::Unknown(e) => r.unknown(e),
            _ => {}
        }
    }
}

impl Scrub for AgentFrame {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        if let AgentFrame::Event(e) = self {
            e.scrub(r);
        }
    }
}

impl Scrub for BlockEvent {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        match self {
            BlockEvent::Error(e) => r.string(&mut e.error),
            BlockEvent::Unknown(e) => r.unknown(e),
            _ => {}
        }
    }
}

impl Scrub for BlockFrame {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        if let BlockFrame::Event(e) = self {
            e.scrub(r);
        }
    }
}

impl Scrub for TraceEvent {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        match self {
            TraceEvent::SpanStart(span) => r.option(&mut span.error),
            TraceEvent::SpanEnd(end) => r.json(&mut end.patch),
            TraceEvent::Unknown(e) => r.unknown(e),
            _ => {}
        }
    }
}

impl Scrub for BatchRunItem {
    #[inline]
    fn scrub(&mut self, r: &Redactor<'_>) {
        r.option(&mut self.error);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "ar_live_SECRET_123";

    fn scrub(text: &str) -> String {
        let mut s = text.to_owned();
        Redactor::new(Some(KEY)).string(&mut s);
        s
    }

    #[test]
    fn every_occurrence_and_the_bearer_form() {
        assert_eq!(
            scrub("invalid key Bearer ar_live_SECRET_123 (ar_live_SECRET_123)"),
            "invalid key Bearer [REDACTED] ([REDACTED])"
        );
        assert_eq!(scrub("ar_live_SECRET_123"), "[REDACTED]");
        assert_eq!(scrub("nothing here"), "nothing here");
        assert_eq!(scrub(""), "");
    }

    #[test]
    fn a_text_cut_inside_the_key() {
        assert_eq!(scrub("echo: Bearer ar_live_SEC"), "echo: Bearer [REDACTED]");
        assert_eq!(
            scrub("ar_live_SECRET_123 then ar_live_SECRET_1"),
            "[REDACTED] then [REDACTED]"
        );
        // Too short a start to tell from ordinary text.
        assert_eq!(scrub("bar_liv"), "bar_liv");
        assert_eq!(scrub("ar_live"), "ar_live");
    }

    #[test]
    fn no_key_scrubs_nothing() {
        let mut s = "Bearer x".to_owned();
        Redactor::new(None).string(&mut s);
        Redactor::new(Some("")).string(&mut s);
        assert_eq!(s, "Bearer x");
    }

    #[test]
    fn json_values_and_keys() {
        let mut v = serde_json::json!({
            "error": "bad Bearer ar_live_SECRET_123",
            "details": [{"header": "ar_live_SECRET_123"}, 5],
            "ar_live_SECRET_123": true,
        });
        Redactor::new(Some(KEY)).json(&mut v);
        let text = v.to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert_eq!(v["error"], "bad Bearer [REDACTED]");
        assert_eq!(v["[REDACTED]"], true);
    }

    #[test]
    fn errors_and_their_sources() {
        let r = Redactor::new(Some(KEY));
        let bad: Result<u64, _> = serde_json::from_str(r#""ar_live_SECRET_123""#);
        let source = bad.unwrap_err();
        let e = Error::Stream(
            StreamError::new(
                crate::StreamErrorCode::InvalidPayload,
                format!("Invalid JSON: {source}"),
            )
            .with_source(source),
        );
        let e = r.error(e);
        let mut all = format!("{e} {e:?}");
        let mut s = std::error::Error::source(&e);
        while let Some(inner) = s {
            all.push_str(&format!("{inner} {inner:?}"));
            s = inner.source();
        }
        assert!(!all.contains("SECRET"), "{all}");
        assert!(all.contains(REDACTED), "{all}");

        let e = r.error(Error::Decode(DecodeError::new(
            http::StatusCode::OK,
            "EOF",
            Bytes::from_static(b"<html>Bearer ar_live_SECRET_123</html><p>ar_live_SEC"),
        )));
        let Error::Decode(d) = &e else { panic!() };
        assert_eq!(
            d.body.as_ref(),
            b"<html>Bearer [REDACTED]</html><p>[REDACTED]"
        );
    }
}
