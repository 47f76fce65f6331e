//! The result of a run to completion: the `POST /run` body and the
//! `run-complete` payload of `POST /run/stream` (wire §5.1).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::serde_util::{empty_object, object_or_empty};
use super::Retention;

/// Token usage of a run, summed over all descendant runs
/// (`{inputTokens, outputTokens, totalTokens}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Usage {
    /// Input (prompt) tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output (completion) tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
}

/// A message the agent sent with its `reply` tool while running.
///
/// Wire `{text, ts, sessionId, runId, seq?}`; `sessionId` / `runId` default
/// to `""` when absent (some payloads, e.g. webhook-style echoes, omit
/// them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Reply {
    /// The reply text.
    #[serde(default)]
    pub text: String,
    /// When it was emitted (ISO-8601).
    #[serde(default)]
    pub ts: String,
    /// Session of the run (`""` when absent).
    #[serde(default)]
    pub session_id: String,
    /// The run that emitted it (may be a child run; `""` when absent).
    #[serde(default)]
    pub run_id: String,
    /// Sequence number in the run tree's event stream, on stream frames.
    #[serde(default)]
    pub seq: Option<u64>,
}

/// The full result of a run to completion.
///
/// Every field the worker sends is kept (unlike the official clients'
/// streaming `complete` event). Absent fields get the documented defaults.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RunResult {
    /// Raw manifest output: a string, or structured JSON (`null` when
    /// absent). The durable record of the same run keeps it stringified
    /// ([`InvokeResult::output`](super::InvokeResult::output)); decode
    /// either with `output_as`.
    #[serde(default)]
    pub output: Value,
    /// The manifest execution state (always an object; `{}` when absent).
    #[serde(default = "empty_object", deserialize_with = "object_or_empty")]
    pub state: Value,
    /// The normalized retention the run used.
    #[serde(default)]
    pub retention: Option<Retention>,
    /// Root run id (`run_…`; `""` when absent).
    #[serde(default)]
    pub run_id: String,
    /// Trace id (equals `run_id`; `session` mode only).
    #[serde(default)]
    pub trace_id: Option<String>,
    /// Always `completed` in practice (failures are HTTP errors).
    #[serde(default = "completed")]
    pub status: String,
    /// The version suffix of the agent reference, when one was given.
    #[serde(default)]
    pub requested_agent_version: Option<String>,
    /// The ISO `createdAt` of the agent version that ran.
    #[serde(default)]
    pub resolved_agent_version: Option<String>,
    /// Provider of the final model operation, when known.
    #[serde(default)]
    pub provider: Option<String>,
    /// The model that ran (or `<provider>/<name>`, or `manifest`).
    #[serde(default)]
    pub model: String,
    /// Token usage summed over the run tree.
    #[serde(default)]
    pub usage: Usage,
    /// Normalized finish reason (e.g. `stop`).
    #[serde(default)]
    pub finish_reason: Option<String>,
    /// Provider response id.
    #[serde(default)]
    pub response_id: Option<String>,
    /// Warnings (empty when absent).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Session id (`session` mode only).
    #[serde(default)]
    pub session_id: Option<String>,
    /// Replies emitted during the run (empty when absent).
    #[serde(default)]
    pub replies: Vec<Reply>,
}

fn completed() -> String {
    "completed".to_owned()
}

impl Default for RunResult {
    fn default() -> Self {
        RunResult {
            output: Value::Null,
            state: empty_object(),
            retention: None,
            run_id: String::new(),
            trace_id: None,
            status: completed(),
            requested_agent_version: None,
            resolved_agent_version: None,
            provider: None,
            model: String::new(),
            usage: Usage::default(),
            finish_reason: None,
            response_id: None,
            warnings: Vec::new(),
            session_id: None,
            replies: Vec::new(),
        }
    }
}

impl RunResult {
    /// Decodes the output into `T` (e.g. a struct for structured output).
    ///
    /// Returns the plain `serde_json::Error`: there is no HTTP status to
    /// attach at this point.
    pub fn output_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.output)
    }

    /// The output when it is a string.
    pub fn output_text(&self) -> Option<&str> {
        self.output.as_str()
    }
}
