//! Events of `GET /runs/{id}/stream` (wire §8.7).

use serde::Deserialize;

use super::{decode, stream_error, UnknownEvent};
use crate::types::unknown_fields::keep_unknown_fields;
use crate::types::{ClientToolRequest, ExtraFields, InvokeResult, Reply, Run, ToolCallRecord};
use crate::StreamError;

/// `run-spawn`: a run of the tree started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunSpawn {
    /// The new run.
    #[serde(default)]
    pub run_id: String,
    /// Its parent (absent for the root).
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Its agent (internal steps look like `__manifest_step_…`).
    #[serde(default)]
    pub agent_id: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `text-delta`: streamed model text (defined, not produced by the hosted
/// worker today).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TextDelta {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// The text fragment.
    #[serde(default)]
    pub text: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// A tool call as announced by `tool-call-start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ToolCallRef {
    /// Tool-call id.
    #[serde(default)]
    pub id: String,
    /// Tool name.
    #[serde(default)]
    pub name: String,
}

/// `tool-call-start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolCallStart {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// The call.
    #[serde(default)]
    pub tool_call: ToolCallRef,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `tool-call-end`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolCallEnd {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// The finished call.
    #[serde(default)]
    pub tool_call: ToolCallRecord,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `step-complete`: a model step finished.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StepComplete {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// Step number (from 1).
    #[serde(default)]
    pub step: u64,
    /// Tool calls of the step.
    #[serde(default)]
    pub tool_calls: Vec<ToolCallRecord>,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `draining`: the run finished its own work and waits for spawned
/// children.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Draining {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// Children still running.
    #[serde(default)]
    pub pending_children: Vec<String>,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `run-complete`: a run of the tree completed.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct RunCompleted {
    /// The run.
    pub run_id: String,
    /// Its result (all defaults when the payload has none).
    pub result: InvokeResult,
    /// Sequence number.
    pub seq: Option<u64>,
    /// Every other key of the payload, verbatim (keys a newer worker adds).
    pub extra: ExtraFields,
}

/// The wire decoding of [`RunCompleted`]'s known fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", remote = "RunCompleted")]
struct RunCompletedWire {
    #[serde(default)]
    run_id: String,
    #[serde(default)]
    result: InvokeResult,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(RunCompleted, RunCompletedWire);

/// `run-error`: a run of the tree failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunErrored {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// The failure message.
    #[serde(default)]
    pub error: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// `run-cancelled`: a run of the tree was cancelled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunCancelled {
    /// The run.
    #[serde(default)]
    pub run_id: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// An event of `GET /runs/{id}/stream` (the whole subtree of the root).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RunEvent {
    /// `run-spawn` (boxed, once per run: keeps the enum small for the many
    /// small events).
    Spawn(Box<RunSpawn>),
    /// `text-delta`.
    TextDelta(TextDelta),
    /// `tool-call-start` (boxed, like `tool-call-end`).
    ToolCallStart(Box<ToolCallStart>),
    /// `tool-call-end` (boxed: it carries the tool's input and output, and
    /// unboxed it would double the size of every event moved through a stream).
    ToolCallEnd(Box<ToolCallEnd>),
    /// `step-complete`.
    StepComplete(StepComplete),
    /// `draining`.
    Draining(Draining),
    /// `reply` (boxed: the largest payload, and unboxed it would make every
    /// event moved through a stream larger).
    Reply(Box<Reply>),
    /// `client-tool-request` (informational here; answered by the stream
    /// that attached the handlers). Boxed, like the other large, rare events.
    ClientToolRequest(Box<ClientToolRequest>),
    /// `run-complete` (boxed: the result is large, and this keeps the
    /// enum small for the many small events).
    Complete(Box<RunCompleted>),
    /// `run-error`.
    Error(RunErrored),
    /// `run-cancelled`.
    Cancelled(RunCancelled),
    /// `snapshot`: the stored run record of an evicted run. Terminal.
    Snapshot(Box<Run>),
    /// Any other event name.
    Unknown(UnknownEvent),
}

impl RunEvent {
    /// Decodes one frame. A `stream-error` frame gives a
    /// [`crate::StreamErrorCode::ServerError`] error carrying the worker's
    /// message; data that is not the JSON the event requires gives
    /// [`crate::StreamErrorCode::InvalidPayload`]; unknown names give
    /// [`RunEvent::Unknown`] without parsing.
    pub fn from_frame(event: &str, data: &[u8]) -> Result<RunEvent, StreamError> {
        Ok(match event {
            "run-spawn" => RunEvent::Spawn(Box::new(decode(event, data)?)),
            "text-delta" => RunEvent::TextDelta(decode(event, data)?),
            "tool-call-start" => RunEvent::ToolCallStart(Box::new(decode(event, data)?)),
            "tool-call-end" => RunEvent::ToolCallEnd(Box::new(decode(event, data)?)),
            "step-complete" => RunEvent::StepComplete(decode(event, data)?),
            "draining" => RunEvent::Draining(decode(event, data)?),
            "reply" => RunEvent::Reply(Box::new(decode(event, data)?)),
            "client-tool-request" => RunEvent::ClientToolRequest(Box::new(decode(event, data)?)),
            "run-complete" => RunEvent::Complete(Box::new(decode(event, data)?)),
            "run-error" => RunEvent::Error(decode(event, data)?),
            "run-cancelled" => RunEvent::Cancelled(decode(event, data)?),
            "snapshot" => RunEvent::Snapshot(Box::new(decode(event, data)?)),
            "stream-error" => return Err(stream_error(data)),
            _ => RunEvent::Unknown(UnknownEvent::from_raw(event, data)),
        })
    }

    /// The sequence number (`None` for snapshots, unknown events, and
    /// payloads without one). Resume with `?since=<seq>`.
    #[inline]
    pub fn seq(&self) -> Option<u64> {
        match self {
            RunEvent::Spawn(e) => e.seq,
            RunEvent::TextDelta(e) => e.seq,
            RunEvent::ToolCallStart(e) => e.seq,
            RunEvent::ToolCallEnd(e) => e.seq,
            RunEvent::StepComplete(e) => e.seq,
            RunEvent::Draining(e) => e.seq,
            RunEvent::Reply(e) => e.seq,
            RunEvent::ClientToolRequest(e) => e.seq,
            RunEvent::Complete(e) => e.seq,
            RunEvent::Error(e) => e.seq,
            RunEvent::Cancelled(e) => e.seq,
            RunEvent::Snapshot(_) | RunEvent::Unknown(_) => None,
        }
    }

    /// The run the event is about (for a snapshot, the id of the run
    /// record). `None` for unknown events.
    pub fn run_id(&self) -> Option<&str> {
        Some(match self {
            RunEvent::Spawn(e) => &e.run_id,
            RunEvent::TextDelta(e) => &e.run_id,
            RunEvent::ToolCallStart(e) => &e.run_id,
            RunEvent::ToolCallEnd(e) => &e.run_id,
            RunEvent::StepComplete(e) => &e.run_id,
            RunEvent::Draining(e) => &e.run_id,
            RunEvent::Reply(e) => &e.run_id,
            RunEvent::ClientToolRequest(e) => &e.run_id,
            RunEvent::Complete(e) => &e.run_id,
            RunEvent::Error(e) => &e.run_id,
            RunEvent::Cancelled(e) => &e.run_id,
            RunEvent::Snapshot(r) => &r.id,
            RunEvent::Unknown(_) => return None,
        })
    }

    /// Whether this event ends a stream opened on `requested_run_id`: a
    /// snapshot, or a `run-complete` / `run-error` / `run-cancelled` of
    /// that very run (terminals of other runs of the tree do not end it).
    #[inline]
    pub fn is_terminal_for(&self, requested_run_id: &str) -> bool {
        match self {
            RunEvent::Snapshot(_) => true,
            RunEvent::Complete(e) => e.run_id == requested_run_id,
            RunEvent::Error(e) => e.run_id == requested_run_id,
            RunEvent::Cancelled(e) => e.run_id == requested_run_id,
            _ => false,
        }
    }

    /// The wire event name.
    pub fn event_name(&self) -> &str {
        match self {
            RunEvent::Spawn(_) => "run-spawn",
            RunEvent::TextDelta(_) => "text-delta",
            RunEvent::ToolCallStart(_) => "tool-call-start",
            RunEvent::ToolCallEnd(_) => "tool-call-end",
            RunEvent::StepComplete(_) => "step-complete",
            RunEvent::Draining(_) => "draining",
            RunEvent::Reply(_) => "reply",
            RunEvent::ClientToolRequest(_) => "client-tool-request",
            RunEvent::Complete(_) => "run-complete",
            RunEvent::Error(_) => "run-error",
            RunEvent::Cancelled(_) => "run-cancelled",
            RunEvent::Snapshot(_) => "snapshot",
            RunEvent::Unknown(u) => &u.event,
        }
    }
}
