//! The result of a run to completion: the `POST /run` body and the
//! `run-complete` payload of `POST /run/stream` (wire §5.1).

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::serde_util::{empty_object, object_or_empty};
use super::unknown_fields::keep_unknown_fields;
use super::{ExtraFields, Retention};

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
/// streaming `complete` event): the ones this type models, and any other
/// in [`extra`](Self::extra). Absent fields get the documented defaults.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RunResult {
    /// Raw manifest output: a string, or structured JSON (`null` when
    /// absent). The durable record of the same run keeps it stringified
    /// ([`InvokeResult::output`](super::InvokeResult::output)); decode
    /// either with `output_as`.
    pub output: Value,
    /// The manifest execution state (always an object; `{}` when absent).
    pub state: Value,
    /// The normalized retention the run used.
    pub retention: Option<Retention>,
    /// Root run id (`run_…`; `""` when absent).
    pub run_id: String,
    /// Trace id (equals `run_id`; `session` mode only).
    pub trace_id: Option<String>,
    /// Always `completed` in practice (failures are HTTP errors).
    pub status: String,
    /// The version suffix of the agent reference, when one was given.
    pub requested_agent_version: Option<String>,
    /// The ISO `createdAt` of the agent version that ran.
    pub resolved_agent_version: Option<String>,
    /// Provider of the final model operation, when known.
    pub provider: Option<String>,
    /// The model that ran (or `<provider>/<name>`, or `manifest`).
    pub model: String,
    /// Token usage summed over the run tree.
    pub usage: Usage,
    /// Normalized finish reason (e.g. `stop`).
    pub finish_reason: Option<String>,
    /// Provider response id.
    pub response_id: Option<String>,
    /// Warnings (empty when absent).
    pub warnings: Vec<String>,
    /// Session id (`session` mode only).
    pub session_id: Option<String>,
    /// Replies emitted during the run (empty when absent).
    pub replies: Vec<Reply>,
    /// Every other key of the result, verbatim: what a newer worker adds
    /// (such as the block fields of a block run) is not lost.
    pub extra: ExtraFields,
}

/// The wire decoding of [`RunResult`]'s known fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", remote = "RunResult")]
struct RunResultWire {
    #[serde(default)]
    output: Value,
    #[serde(default = "empty_object", deserialize_with = "object_or_empty")]
    state: Value,
    #[serde(default)]
    retention: Option<Retention>,
    #[serde(default)]
    run_id: String,
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default = "completed")]
    status: String,
    #[serde(default)]
    requested_agent_version: Option<String>,
    #[serde(default)]
    resolved_agent_version: Option<String>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    model: String,
    #[serde(default)]
    usage: Usage,
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    response_id: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    replies: Vec<Reply>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(RunResult, RunResultWire);

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
            extra: ExtraFields::new(),
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
