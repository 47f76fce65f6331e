//! Events of `GET /traces/{id}/stream` (wire §9.2).

use serde::Deserialize;
use serde_json::Value;

use super::{decode, stream_error, UnknownEvent};
use crate::types::serde_util::empty_object;
use crate::types::{Span, TraceDetail, TraceSummary};
use crate::StreamError;

/// `span-end`: a span finished. The span may never have been announced by a
/// `span-start` (the live feed has no replay).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SpanEnd {
    /// The span.
    pub span_id: String,
    /// The changed span fields (partial span, camelCase keys; `{}` when
    /// absent).
    #[serde(default = "empty_object")]
    pub patch: Value,
}

#[derive(Deserialize)]
struct SpanStartPayload {
    span: Span,
}

#[derive(Deserialize)]
struct TraceDonePayload {
    summary: TraceSummary,
}

/// An event of `GET /traces/{id}/stream`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TraceEvent {
    /// `span-start`.
    SpanStart(Box<Span>),
    /// `span-end`.
    SpanEnd(SpanEnd),
    /// `trace-done`: the trace finished. Terminal. (Boxed: large and once per stream.)
    TraceDone(Box<TraceSummary>),
    /// `snapshot`: the finished trace. Terminal.
    Snapshot(Box<TraceDetail>),
    /// Any other event name.
    Unknown(UnknownEvent),
}

impl TraceEvent {
    /// Decodes one frame. A `stream-error` frame gives a
    /// [`crate::StreamErrorCode::ServerError`] error; data that is not the
    /// JSON the event requires gives
    /// [`crate::StreamErrorCode::InvalidPayload`]; unknown names give
    /// [`TraceEvent::Unknown`].
    pub fn from_frame(event: &str, data: &[u8]) -> Result<TraceEvent, StreamError> {
        Ok(match event {
            "span-start" => {
                let p: SpanStartPayload = decode(event, data)?;
                TraceEvent::SpanStart(Box::new(p.span))
            }
            "span-end" => TraceEvent::SpanEnd(decode(event, data)?),
            "trace-done" => {
                let p: TraceDonePayload = decode(event, data)?;
                TraceEvent::TraceDone(Box::new(p.summary))
            }
            "snapshot" => TraceEvent::Snapshot(Box::new(decode(event, data)?)),
            "stream-error" => return Err(stream_error(data)),
            _ => TraceEvent::Unknown(UnknownEvent::from_raw(event, data)),
        })
    }

    /// Whether this event ends the stream (`TraceDone` or `Snapshot`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, TraceEvent::TraceDone(_) | TraceEvent::Snapshot(_))
    }

    /// The wire event name.
    pub fn event_name(&self) -> &str {
        match self {
            TraceEvent::SpanStart(_) => "span-start",
            TraceEvent::SpanEnd(_) => "span-end",
            TraceEvent::TraceDone(_) => "trace-done",
            TraceEvent::Snapshot(_) => "snapshot",
            TraceEvent::Unknown(u) => &u.event,
        }
    }
}
