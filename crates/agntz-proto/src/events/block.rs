//! Events of `POST /run/block/stream` (wire-extended §9.2): the
//! `/run/stream` events, with the block fields kept.

use super::{decode, RunFailed, UnknownEvent};
use crate::types::{BlockRunResult, BlockStart, Reply};
use crate::StreamError;

/// An event of `POST /run/block/stream`.
///
/// `client-tool-request` frames are answered by the stream before this
/// decoding; one that reaches [`BlockEvent::from_frame`] comes out as
/// [`BlockEvent::Unknown`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum BlockEvent {
    /// `run-start`, with the block's id and kind (boxed, like the
    /// completion: it is sent once and is the largest of the small events).
    Start(Box<BlockStart>),
    /// `reply`: a message from the agent's `reply` tool.
    Reply(Reply),
    /// `run-complete`: the `POST /run/block` body. Terminal.
    Complete(Box<BlockRunResult>),
    /// `run-error`. Terminal.
    Error(RunFailed),
    /// Any other event name.
    Unknown(UnknownEvent),
}

impl BlockEvent {
    /// Decodes one frame. Data that is not the JSON the event requires
    /// gives a [`crate::StreamErrorCode::InvalidPayload`] error; unknown
    /// names give [`BlockEvent::Unknown`] without parsing.
    pub fn from_frame(event: &str, data: &[u8]) -> Result<BlockEvent, StreamError> {
        Ok(match event {
            "run-start" => BlockEvent::Start(Box::new(decode(event, data)?)),
            "reply" => BlockEvent::Reply(decode(event, data)?),
            "run-complete" => BlockEvent::Complete(Box::new(decode(event, data)?)),
            "run-error" => BlockEvent::Error(decode(event, data)?),
            _ => BlockEvent::Unknown(UnknownEvent::from_raw(event, data)),
        })
    }

    /// Whether this event ends the stream (`Complete` or `Error`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, BlockEvent::Complete(_) | BlockEvent::Error(_))
    }

    /// The wire event name.
    pub fn event_name(&self) -> &str {
        match self {
            BlockEvent::Start(_) => "run-start",
            BlockEvent::Reply(_) => "reply",
            BlockEvent::Complete(_) => "run-complete",
            BlockEvent::Error(_) => "run-error",
            BlockEvent::Unknown(u) => &u.event,
        }
    }
}
