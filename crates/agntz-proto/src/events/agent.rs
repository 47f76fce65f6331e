//! Events of `POST /run/stream` (wire §6.3, §6.5).

use std::fmt;

use serde::Deserialize;

use super::{decode, flat, UnknownEvent};
use crate::types::{Reply, Retention, RunResult};
use crate::StreamError;

/// The manifest kind of the agent being run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum AgentKind {
    /// A model-backed agent.
    Llm,
    /// A tool agent.
    Tool,
    /// A sequential workflow.
    Sequential,
    /// A parallel workflow.
    Parallel,
    /// Speech to text.
    Transcription,
    /// Image generation.
    Image,
    /// A kind this SDK does not know yet (the official TS client fails on
    /// these; we keep going).
    #[default]
    #[serde(other)]
    Unknown,
}

impl AgentKind {
    /// The wire string (`unknown` for [`AgentKind::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            AgentKind::Llm => "llm",
            AgentKind::Tool => "tool",
            AgentKind::Sequential => "sequential",
            AgentKind::Parallel => "parallel",
            AgentKind::Transcription => "transcription",
            AgentKind::Image => "image",
            AgentKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for AgentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `run-start` payload: always the first event.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunStart {
    /// The agent reference as sent.
    pub agent_id: String,
    /// Manifest kind of the target.
    #[serde(default)]
    pub kind: AgentKind,
    /// Root run id.
    #[serde(default)]
    pub run_id: Option<String>,
    /// Trace id (`session` mode only).
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Session id (`session` mode only).
    #[serde(default)]
    pub session_id: Option<String>,
    /// Retention (only `{mode}` here).
    #[serde(default)]
    pub retention: Option<Retention>,
}

/// The `run-error` payload: the run failed (or was cancelled).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RunFailed {
    /// The failure message (`"Run failed"` when the payload has none).
    #[serde(default = "run_failed")]
    pub error: String,
}

fn run_failed() -> String {
    "Run failed".to_owned()
}

/// An event of `POST /run/stream`.
///
/// `client-tool-request` frames are intercepted by the client-tool plumbing
/// before this decoding; if one reaches [`StreamEvent::from_frame`] it comes
/// out as [`StreamEvent::Unknown`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StreamEvent {
    /// `run-start`.
    Start(RunStart),
    /// `reply`: a message from the agent's `reply` tool.
    Reply(Reply),
    /// `run-complete`: the whole result (same shape as the `POST /run`
    /// body). Terminal.
    Complete(Box<RunResult>),
    /// `run-error`. Terminal.
    Error(RunFailed),
    /// Any other event name.
    Unknown(UnknownEvent),
}

impl StreamEvent {
    /// Decodes one frame. Data that is not the JSON the event requires
    /// gives a [`crate::StreamErrorCode::InvalidPayload`] error; unknown
    /// names give [`StreamEvent::Unknown`] without parsing.
    pub fn from_frame(event: &str, data: &[u8]) -> Result<StreamEvent, StreamError> {
        Ok(match event {
            "run-start" => StreamEvent::Start(decode(event, data)?),
            "reply" => StreamEvent::Reply(match flat::reply(data) {
                Some(reply) => reply,
                None => decode(event, data)?,
            }),
            "run-complete" => StreamEvent::Complete(Box::new(decode(event, data)?)),
            "run-error" => StreamEvent::Error(decode(event, data)?),
            _ => StreamEvent::Unknown(UnknownEvent::from_raw(event, data)),
        })
    }

    /// Whether this event ends the stream (`Complete` or `Error`).
    pub fn is_terminal(&self) -> bool {
        matches!(self, StreamEvent::Complete(_) | StreamEvent::Error(_))
    }

    /// The wire event name.
    pub fn event_name(&self) -> &str {
        match self {
            StreamEvent::Start(_) => "run-start",
            StreamEvent::Reply(_) => "reply",
            StreamEvent::Complete(_) => "run-complete",
            StreamEvent::Error(_) => "run-error",
            StreamEvent::Unknown(u) => &u.event,
        }
    }
}
