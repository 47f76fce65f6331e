use crate::error::{StreamError, StreamErrorCode};
use crate::events::{RunEvent, StreamEvent, TraceEvent};
use crate::sse;
use crate::types::ClientToolRequest;

/// How one endpoint's SSE frames become typed items, and when it ends.
pub trait Frames {
    /// The typed item.
    type Item;

    /// Decodes one frame (borrowed from the SSE decoder); `Ok(None)` skips it.
    fn decode(&mut self, event: sse::Frame<'_>) -> Result<Option<Self::Item>, StreamError>;

    /// Whether `item` ends the stream.
    fn is_terminal(&self, item: &Self::Item) -> bool;

    /// The error for a body that ended cleanly but before a terminal item,
    /// after `items` items; `None` when that is a normal end.
    fn end_without_terminal(&self, items: u64) -> Option<StreamError>;
}

pub(super) fn truncated() -> StreamError {
    StreamError::new(
        StreamErrorCode::Truncated,
        "Stream closed before completion",
    )
}

/// An item of `POST /run/stream`: a public event, or a client-tool request
/// the driver must answer (never shown to users as an event).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AgentFrame {
    /// A public event.
    Event(StreamEvent),
    /// The worker waits for an answer to this request on
    /// `POST /runs/{rootRunId}/client-tool-requests/{requestId}/result`.
    ToolRequest(ClientToolRequest),
}

/// Frames of `POST /run/stream`. Terminal: `run-complete` or `run-error`;
/// end of body before either is `STREAM_TRUNCATED`.
#[derive(Debug, Clone, Default)]
pub struct AgentFrames {
    _private: (),
}

impl AgentFrames {
    /// A fresh interpreter.
    pub fn new() -> Self {
        AgentFrames::default()
    }
}

impl Frames for AgentFrames {
    type Item = AgentFrame;

    #[inline]
    fn decode(&mut self, event: sse::Frame<'_>) -> Result<Option<AgentFrame>, StreamError> {
        let name = event.event_type();
        if name == "client-tool-request" {
            return crate::json::from_bytes(event.data_bytes())
                .map(|req| Some(AgentFrame::ToolRequest(req)))
                .map_err(|e| invalid_payload(name, &e));
        }
        StreamEvent::from_frame(name, event.data_bytes()).map(|e| Some(AgentFrame::Event(e)))
    }

    #[inline]
    fn is_terminal(&self, item: &AgentFrame) -> bool {
        matches!(item, AgentFrame::Event(e) if e.is_terminal())
    }

    fn end_without_terminal(&self, _items: u64) -> Option<StreamError> {
        Some(truncated())
    }
}

pub(super) fn invalid_payload(event: &str, e: &serde_json::Error) -> StreamError {
    StreamError::new(
        StreamErrorCode::InvalidPayload,
        format!("Invalid JSON in \"{event}\" event data: {e}"),
    )
}

/// Frames of `GET /runs/{id}/stream`. Terminal: `snapshot`, or the requested
/// run's own `run-complete` / `run-error` / `run-cancelled` (a child's does
/// not end the stream). Events whose `seq` was already seen are skipped, so a
/// resumed stream yields each event once.
#[derive(Debug, Clone)]
pub struct RunFrames {
    run_id: String,
    start: Start,
    last_seq: Option<u64>,
    /// Run frames decoded, skipped duplicates included.
    frames: u64,
    /// A skipped duplicate was the requested run's terminal event.
    ended_before: bool,
}

/// Why the request was made; it decides what an end without a terminal
/// event means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// From the beginning: an early end is a cut.
    Fresh,
    /// The caller asked for `?since=N`: an empty answer is a normal end
    /// (the worker sends nothing after a finished run's last event).
    Since,
    /// The client reconnected after a cut, before the terminal event: an
    /// end without a new event means the stream is still cut.
    Reconnect,
}

impl RunFrames {
    /// Frames for run `run_id`. `resumed` says the request carried `since`:
    /// then an empty body is a normal end (nothing happened after `since`).
    pub fn new(run_id: String, resumed: bool) -> Self {
        let start = if resumed { Start::Since } else { Start::Fresh };
        RunFrames::with(run_id, start, None)
    }

    /// Frames for the caller's own `?since=N` request: events with
    /// `seq <= since` (sent by a server that ignores `since`) are skipped,
    /// and a body with no frame at all, or whose skipped events include the
    /// run's terminal event, is a normal end.
    pub fn since(run_id: String, since: u64) -> Self {
        RunFrames::with(run_id, Start::Since, Some(since))
    }

    /// Continues after `last_seq` (for a reconnect, made only before the
    /// terminal event was seen): older events are skipped, and a body that
    /// ends without the terminal event is `STREAM_TRUNCATED`, even when it
    /// brought nothing new (empty, or only duplicates).
    pub fn resuming_after(run_id: String, last_seq: Option<u64>) -> Self {
        RunFrames::with(run_id, Start::Reconnect, last_seq)
    }

    fn with(run_id: String, start: Start, last_seq: Option<u64>) -> Self {
        RunFrames {
            run_id,
            start,
            last_seq,
            frames: 0,
            ended_before: false,
        }
    }

    /// The highest `seq` seen so far.
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// The requested run id.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }
}

impl Frames for RunFrames {
    type Item = RunEvent;

    #[inline]
    fn decode(&mut self, event: sse::Frame<'_>) -> Result<Option<RunEvent>, StreamError> {
        let item = RunEvent::from_frame(event.event_type(), event.data_bytes())?;
        self.frames += 1;
        if let Some(seq) = item.seq() {
            if self.last_seq.is_some_and(|last| seq <= last) {
                if item.is_terminal_for(&self.run_id) {
                    self.ended_before = true;
                }
                return Ok(None);
            }
            self.last_seq = Some(seq);
        }
        Ok(Some(item))
    }

    #[inline]
    fn is_terminal(&self, item: &RunEvent) -> bool {
        item.is_terminal_for(&self.run_id)
    }

    fn end_without_terminal(&self, _items: u64) -> Option<StreamError> {
        match self.start {
            Start::Since if self.frames == 0 || self.ended_before => None,
            _ => Some(truncated()),
        }
    }
}

/// Frames of `GET /traces/{id}/stream`. Terminal: `snapshot` or `trace-done`.
#[derive(Debug, Clone, Default)]
pub struct TraceFrames {
    _private: (),
}

impl TraceFrames {
    /// A fresh interpreter.
    pub fn new() -> Self {
        TraceFrames::default()
    }
}

impl Frames for TraceFrames {
    type Item = TraceEvent;

    #[inline]
    fn decode(&mut self, event: sse::Frame<'_>) -> Result<Option<TraceEvent>, StreamError> {
        TraceEvent::from_frame(event.event_type(), event.data_bytes()).map(Some)
    }

    #[inline]
    fn is_terminal(&self, item: &TraceEvent) -> bool {
        item.is_terminal()
    }

    fn end_without_terminal(&self, _items: u64) -> Option<StreamError> {
        Some(truncated())
    }
}
