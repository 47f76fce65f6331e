//! Durable run records (`/runs/*`, wire §8).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::list_query::{list_query_methods, ListQuery};
use super::serde_util::{lenient_millis, lenient_string};
use super::unknown_fields::keep_unknown_fields;
use super::{ExtraFields, Reply, RetentionMode};

/// Status of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RunStatus {
    /// Created, not started yet.
    Pending,
    /// Running.
    Running,
    /// Waiting for spawned children (defined, not assigned by the worker
    /// today).
    Draining,
    /// Finished successfully.
    Completed,
    /// Failed.
    Failed,
    /// Cancelled (by the user, or superseded by a newer run of the session).
    Cancelled,
    /// A status this SDK does not know yet. Serializes as `"unknown"`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl RunStatus {
    /// The wire string (`unknown` for [`RunStatus::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Pending => "pending",
            RunStatus::Running => "running",
            RunStatus::Draining => "draining",
            RunStatus::Completed => "completed",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Unknown => "unknown",
        }
    }

    /// `completed`, `failed` or `cancelled`.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            RunStatus::Completed | RunStatus::Failed | RunStatus::Cancelled
        )
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for RunStatus {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// One tool call made by a run: `{id, name, input, output, duration, error?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToolCallRecord {
    /// Tool-call id (provider-assigned, e.g. `call_…`).
    #[serde(default)]
    pub id: String,
    /// Tool name.
    #[serde(default)]
    pub name: String,
    /// Arguments.
    #[serde(default)]
    pub input: Value,
    /// Result.
    #[serde(default)]
    pub output: Value,
    /// Duration in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Error message, when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ToolCallRecord {
    /// A record of a call of `name` with `input` that returned `output`.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        input: Value,
        output: Value,
    ) -> Self {
        ToolCallRecord {
            id: id.into(),
            name: name.into(),
            input,
            output,
            duration: None,
            error: None,
        }
    }
}

/// Token usage of one invocation (`promptTokens`/`completionTokens` naming,
/// unlike [`super::Usage`]).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InvokeUsage {
    /// Prompt (input) tokens.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Completion (output) tokens.
    #[serde(default)]
    pub completion_tokens: u64,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
    /// Model the usage was measured on.
    #[serde(default)]
    pub model: Option<String>,
    /// Reasoning tokens, when reported.
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
    /// Cached input tokens, when reported.
    #[serde(default)]
    pub cached_input_tokens: Option<u64>,
    /// Provider-specific input token breakdown.
    #[serde(default)]
    pub input_token_details: Option<Value>,
    /// Provider-specific output token breakdown.
    #[serde(default)]
    pub output_token_details: Option<Value>,
    /// Cost information, when reported.
    #[serde(default)]
    pub cost: Option<Value>,
}

/// The result of a run as stored in its [`Run`] record and carried by
/// `run-complete` events of `/runs/{id}/stream`.
///
/// Its `output` is a `String` while [`RunResult::output`](super::RunResult)
/// is a JSON value because that is what the worker sends: it stores a run's
/// output stringified (a string as it is, any other value JSON-encoded),
/// which loses the type: a text output `"42"` and the number `42` are
/// stored alike, so a JSON value here would claim a structure the record
/// no longer has. [`output_as`](Self::output_as) reads both kinds back,
/// like [`RunResult::output_as`](super::RunResult::output_as).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct InvokeResult {
    /// The output, stringified by the worker (strings as-is, other values
    /// JSON-encoded). A non-string sent by the server is kept as its JSON
    /// encoding; `null` becomes `""`.
    pub output: String,
    /// Invocation id (the run id for roots, `inv_…` for children).
    pub invocation_id: String,
    /// Session id (`""` in `result` retention mode).
    pub session_id: String,
    /// Tool calls made (empty in `result` retention mode).
    pub tool_calls: Vec<ToolCallRecord>,
    /// Token usage.
    pub usage: InvokeUsage,
    /// Duration in milliseconds (fractional values are rounded).
    pub duration: Option<u64>,
    /// Model that ran.
    pub model: String,
    /// Provider, when known.
    pub provider: Option<String>,
    /// Model requested by the manifest, when known.
    pub requested_model: Option<String>,
    /// Provider response id.
    pub response_id: Option<String>,
    /// Normalized finish reason.
    pub finish_reason: Option<String>,
    /// The provider's own finish reason.
    pub raw_finish_reason: Option<String>,
    /// Warnings (empty when absent).
    pub warnings: Vec<String>,
    /// Replies emitted (empty when absent).
    pub replies: Vec<Reply>,
    /// Every other key of the result, verbatim (keys a newer worker adds).
    pub extra: ExtraFields,
}

/// The wire decoding of [`InvokeResult`]'s known fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", remote = "InvokeResult")]
struct InvokeResultWire {
    #[serde(default, deserialize_with = "lenient_string")]
    output: String,
    #[serde(default)]
    invocation_id: String,
    #[serde(default)]
    session_id: String,
    #[serde(default)]
    tool_calls: Vec<ToolCallRecord>,
    #[serde(default)]
    usage: InvokeUsage,
    #[serde(default, deserialize_with = "lenient_millis")]
    duration: Option<u64>,
    #[serde(default)]
    model: String,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    requested_model: Option<String>,
    #[serde(default)]
    response_id: Option<String>,
    #[serde(default)]
    finish_reason: Option<String>,
    #[serde(default)]
    raw_finish_reason: Option<String>,
    #[serde(default)]
    warnings: Vec<String>,
    #[serde(default)]
    replies: Vec<Reply>,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(InvokeResult, InvokeResultWire);

/// A run record (root or child).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Run {
    /// Run id (`run_…`).
    pub id: String,
    /// Id of the root of the run tree (equals `id` for roots).
    pub root_id: String,
    /// Parent run (child runs only).
    pub parent_id: Option<String>,
    /// The raw agent reference, including any `@version` suffix.
    pub agent_id: String,
    /// The resolved agent version (ISO timestamp).
    pub agent_version: Option<String>,
    /// The requested version suffix.
    pub requested_agent_version: Option<String>,
    /// Owner (tenant) id.
    pub user_id: Option<String>,
    /// Session id (`session` mode only).
    pub session_id: Option<String>,
    /// Retention mode of the run.
    pub retention_mode: Option<RetentionMode>,
    /// When the record expires (ISO-8601), if a TTL was set.
    pub expires_at: Option<String>,
    /// Tool-use id that spawned this child run.
    pub spawn_tool_use_id: Option<String>,
    /// Status.
    pub status: RunStatus,
    /// The input as a string (non-string inputs are JSON-encoded; `""` in
    /// `none`/`result` mode).
    pub input: String,
    /// The result, once completed.
    pub result: Option<InvokeResult>,
    /// The error message, once failed or cancelled.
    pub error: Option<String>,
    /// Start time, epoch milliseconds.
    pub started_at: i64,
    /// End time, epoch milliseconds, once terminal.
    pub ended_at: Option<i64>,
    /// Depth in the run tree (0 for roots).
    pub depth: u32,
    /// Every other key of the record, verbatim (keys a newer worker adds).
    pub extra: ExtraFields,
}

impl InvokeResult {
    /// Decodes the output into `T`, as [`RunResult::output_as`](super::RunResult::output_as)
    /// does for the result of `POST /run`: the stored text is read as JSON
    /// first (a structured output decodes into your struct) and, if `T`
    /// does not accept that, as the text itself (a text output decodes into
    /// a `String` even when it looks like a number).
    ///
    /// ```
    /// use agntz_proto::types::InvokeResult;
    ///
    /// #[derive(serde::Deserialize, Debug, PartialEq)]
    /// struct Answer { answer: String }
    ///
    /// let structured: InvokeResult = serde_json::from_str(r#"{"output":"{\"answer\":\"yes\"}"}"#)?;
    /// assert_eq!(structured.output_as::<Answer>()?, Answer { answer: "yes".into() });
    ///
    /// let text: InvokeResult = serde_json::from_str(r#"{"output":"42"}"#)?;
    /// assert_eq!(text.output_as::<String>()?, "42");
    /// assert_eq!(text.output_as::<u32>()?, 42);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn output_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        match serde_json::from_str::<T>(&self.output) {
            Ok(value) => Ok(value),
            Err(as_json) => match T::deserialize(Value::String(self.output.clone())) {
                Ok(value) => Ok(value),
                // Not JSON at all: the text's own error says more.
                Err(as_text) if as_json.is_syntax() || as_json.is_eof() => Err(as_text),
                Err(_) => Err(as_json),
            },
        }
    }
}

/// The wire decoding of [`Run`]'s known fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", remote = "Run")]
struct RunWire {
    #[serde(default)]
    id: String,
    #[serde(default)]
    root_id: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    agent_id: String,
    #[serde(default)]
    agent_version: Option<String>,
    #[serde(default)]
    requested_agent_version: Option<String>,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    retention_mode: Option<RetentionMode>,
    #[serde(default)]
    expires_at: Option<String>,
    #[serde(default)]
    spawn_tool_use_id: Option<String>,
    #[serde(default)]
    status: RunStatus,
    #[serde(default, deserialize_with = "lenient_string")]
    input: String,
    #[serde(default)]
    result: Option<InvokeResult>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    started_at: i64,
    #[serde(default)]
    ended_at: Option<i64>,
    #[serde(default)]
    depth: u32,
    #[serde(skip)]
    extra: ExtraFields,
}
keep_unknown_fields!(Run, RunWire);

fn epoch_millis(ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

impl Run {
    /// `started_at` as a [`SystemTime`].
    pub fn started_at_time(&self) -> SystemTime {
        epoch_millis(self.started_at)
    }

    /// `ended_at` as a [`SystemTime`].
    pub fn ended_at_time(&self) -> Option<SystemTime> {
        self.ended_at.map(epoch_millis)
    }

    /// How long the run took, once it ended.
    pub fn duration(&self) -> Option<Duration> {
        let end = self.ended_at?;
        u64::try_from(end.saturating_sub(self.started_at))
            .ok()
            .map(Duration::from_millis)
    }

    /// Whether the run is finished (`completed`, `failed` or `cancelled`).
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// Whether this is the root of its run tree.
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none() && (self.root_id.is_empty() || self.root_id == self.id)
    }
}

/// Filters and paging of `GET /runs`.
///
/// ```
/// use agntz_proto::types::{RunFilter, RunStatus};
/// let f = RunFilter::new().roots_only(false).status(RunStatus::Completed).limit(25);
/// assert_eq!(
///     f.to_query_pairs(),
///     vec![("rootsOnly", "false".to_owned()), ("status", "completed".to_owned()), ("limit", "25".to_owned())]
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunFilter {
    roots_only: Option<bool>,
    query: ListQuery,
}

impl RunFilter {
    /// No filter: the worker's defaults (roots only, 50 rows).
    pub fn new() -> Self {
        Self::default()
    }

    /// `false` includes child runs (the worker's default is roots only).
    pub fn roots_only(mut self, roots_only: bool) -> Self {
        self.roots_only = Some(roots_only);
        self
    }

    list_query_methods!("runs", "a [`RunStatus`]");

    /// The query parameters, in the order `rootsOnly, agentId, status,
    /// startedAfter, startedBefore, limit, cursor`; unset ones omitted.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(b) = self.roots_only {
            q.push(("rootsOnly", b.to_string()));
        }
        self.query.push_pairs(&mut q);
        q
    }
}

/// One page of `GET /runs`: `{"rows": [...], "cursor"?: "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct RunPage {
    /// The runs, newest first.
    #[serde(default)]
    pub rows: Vec<Run>,
    /// Cursor of the next page (wire key `cursor`); `None` on the last page.
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
}
