//! Typed events of the three SSE endpoints.
//!
//! Each enum has a `from_frame(event, data)` constructor that decodes one SSE
//! frame (its `event:` name and `data:` bytes) straight into the payload
//! type. Unknown event names are kept as [`UnknownEvent`] without parsing
//! their data, so the wire format can grow.

mod agent;
mod block;
mod run;
mod trace;

pub use agent::{AgentKind, RunFailed, RunStart, StreamEvent};
pub use block::BlockEvent;
pub use run::{
    Draining, RunCancelled, RunCompleted, RunErrored, RunEvent, RunSpawn, StepComplete, TextDelta,
    ToolCallEnd, ToolCallRef, ToolCallStart,
};
pub use trace::{SpanEnd, TraceEvent};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::{StreamError, StreamErrorCode};

/// An event with a name this SDK does not know; kept with its raw data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnknownEvent {
    /// The SSE `event:` name.
    pub event: String,
    /// The SSE `data:` (lossily decoded as UTF-8).
    pub data: String,
}

impl UnknownEvent {
    /// An unknown event named `event` with `data`.
    pub fn new(event: impl Into<String>, data: impl Into<String>) -> Self {
        UnknownEvent {
            event: event.into(),
            data: data.into(),
        }
    }

    pub(crate) fn from_raw(event: &str, data: &[u8]) -> Self {
        UnknownEvent {
            event: event.to_owned(),
            data: String::from_utf8_lossy(data).into_owned(),
        }
    }
}

/// Decodes `data` of an `event` frame into `T`, mapping failures to
/// [`StreamErrorCode::InvalidPayload`].
pub(crate) fn decode<T: DeserializeOwned>(event: &str, data: &[u8]) -> Result<T, StreamError> {
    crate::json::from_bytes(data).map_err(|e| {
        StreamError::new(
            StreamErrorCode::InvalidPayload,
            format!("Invalid JSON in \"{event}\" event data: {e}"),
        )
        .with_source(e)
    })
}

/// The error of a `stream-error` frame (`{"error": "..."}`), as a
/// [`StreamErrorCode::ServerError`].
pub(crate) fn stream_error(data: &[u8]) -> StreamError {
    #[derive(Deserialize)]
    struct Payload {
        #[serde(default)]
        error: Option<String>,
    }
    let message = match serde_json::from_slice::<Payload>(data) {
        Ok(Payload { error: Some(e) }) => e,
        _ => {
            let raw = String::from_utf8_lossy(data);
            if raw.trim().is_empty() {
                "stream error".to_owned()
            } else {
                format!("stream error: {raw}")
            }
        }
    };
    StreamError::new(StreamErrorCode::ServerError, message)
}
