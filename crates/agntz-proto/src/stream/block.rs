//! Frames of `POST /run/block/stream`.

use super::frames::{invalid_payload, truncated, Frames};
use crate::error::StreamError;
use crate::events::BlockEvent;
use crate::sse;
use crate::types::ClientToolRequest;

/// An item of `POST /run/block/stream`: a public event, or a client-tool
/// request the driver must answer (never shown to users as an event).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BlockFrame {
    /// A public event.
    Event(BlockEvent),
    /// The worker waits for an answer to this request on
    /// `POST /runs/{rootRunId}/client-tool-requests/{requestId}/result`.
    ToolRequest(ClientToolRequest),
}

/// Frames of `POST /run/block/stream`. Terminal: `run-complete` or
/// `run-error`; end of body before either is `STREAM_TRUNCATED`.
#[derive(Debug, Clone, Default)]
pub struct BlockFrames {
    _private: (),
}

impl BlockFrames {
    /// A fresh interpreter.
    pub fn new() -> Self {
        BlockFrames::default()
    }
}

impl Frames for BlockFrames {
    type Item = BlockFrame;

    fn decode(&mut self, event: sse::Frame<'_>) -> Result<Option<BlockFrame>, StreamError> {
        let name = event.event_type();
        if name == "client-tool-request" {
            return crate::json::from_bytes(event.data_bytes())
                .map(|req| Some(BlockFrame::ToolRequest(req)))
                .map_err(|e| invalid_payload(name, &e));
        }
        BlockEvent::from_frame(name, event.data_bytes()).map(|e| Some(BlockFrame::Event(e)))
    }

    fn is_terminal(&self, item: &BlockFrame) -> bool {
        matches!(item, BlockFrame::Event(e) if e.is_terminal())
    }

    fn end_without_terminal(&self, _items: u64) -> Option<StreamError> {
        Some(truncated())
    }
}
