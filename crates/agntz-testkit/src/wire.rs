//! JSON shapes written on the wire, declared as structs so the key order matches
//! the reference worker (serde keeps declaration order).

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// Raw (order-preserving) JSON.
pub(crate) type Raw = Box<RawValue>;

/// `{inputTokens, outputTokens, totalTokens}` as in `RunResult.usage`.
#[derive(Serialize, Clone, Copy, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublicUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub total_tokens: u64,
}

/// Normalized retention object.
#[derive(Serialize, Clone, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Retention {
    pub mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_ttl_seconds: Option<u64>,
}

/// `{mode}` only (the `run-start` payload).
#[derive(Serialize)]
pub(crate) struct RetentionMode {
    pub mode: &'static str,
}

/// `state` of a manifest run.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    pub user_query: String,
}

/// The `POST /run` success body (also the `run-complete` payload on `/run/stream`).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunResult {
    /// Any JSON (a structured output is an object); stored runs keep it
    /// stringified.
    pub output: Raw,
    pub state: State,
    pub retention: Retention,
    pub run_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_agent_version: Option<String>,
    pub resolved_agent_version: String,
    pub provider: &'static str,
    pub model: &'static str,
    pub usage: PublicUsage,
    pub finish_reason: &'static str,
    pub response_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<Reply>,
}

/// A message sent with the agent's `reply` tool (`{text, ts, sessionId, runId}`).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reply {
    pub text: String,
    pub ts: String,
    pub session_id: String,
    /// The run that called the tool (the manifest-step child).
    pub run_id: String,
}

/// The `run-start` payload on `/run/stream`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunStart<'a> {
    pub agent_id: &'a str,
    pub kind: &'static str,
    pub run_id: &'a str,
    pub retention: RetentionMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<&'a str>,
}

/// `{error}`.
#[derive(Serialize)]
pub(crate) struct ErrorBody<'a> {
    pub error: &'a str,
}

/// Internal usage record (`promptTokens` naming) inside an InvokeResult.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvokeUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
    pub model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_token_details: Option<InputTokenDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_token_details: Option<OutputTokenDetails>,
}

/// Provider-level input token breakdown.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InputTokenDetails {
    pub no_cache_tokens: u64,
    pub cache_read_tokens: u64,
}

/// Provider-level output token breakdown.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputTokenDetails {
    pub text_tokens: u64,
    pub reasoning_tokens: u64,
}

/// One executed tool call.
#[derive(Serialize, Clone)]
pub(crate) struct ToolCallRecord {
    pub id: String,
    pub name: String,
    pub input: Value,
    pub output: Raw,
    pub duration: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `InvokeResult` (Run.result and the multiplexed `run-complete.result`).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvokeResult {
    pub output: String,
    pub invocation_id: String,
    pub session_id: String,
    pub tool_calls: Vec<ToolCallRecord>,
    pub usage: InvokeUsage,
    pub duration: u64,
    pub model: &'static str,
    pub provider: &'static str,
    pub requested_model: &'static str,
    pub response_id: String,
    pub finish_reason: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<Reply>,
}

/// The Run object.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RunJson {
    pub id: String,
    pub root_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub agent_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requested_agent_version: Option<String>,
    pub user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    pub retention_mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    pub input: String,
    pub status: &'static str,
    pub started_at: u64,
    pub depth: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<InvokeResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<u64>,
}

/// `{id, name}` of a starting tool call.
#[derive(Serialize, Clone)]
pub(crate) struct ToolCallRef {
    pub id: String,
    pub name: String,
}

/// Events of the multiplexed `/runs/{id}/stream` feed (`type` first, `seq` last).
#[derive(Serialize, Clone)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub(crate) enum RunEvent {
    /// A run of the tree started.
    #[serde(rename_all = "camelCase")]
    RunSpawn {
        run_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        parent_id: Option<String>,
        agent_id: String,
        seq: u64,
    },
    /// A tool call started.
    #[serde(rename_all = "camelCase")]
    ToolCallStart {
        run_id: String,
        tool_call: ToolCallRef,
        seq: u64,
    },
    /// A client tool must be answered by the caller.
    #[serde(rename_all = "camelCase")]
    ClientToolRequest {
        run_id: String,
        root_run_id: String,
        request_id: String,
        tool_call_id: String,
        name: String,
        input: Value,
        deadline_at: String,
        seq: u64,
    },
    /// The agent's `reply` tool delivered a message.
    #[serde(rename_all = "camelCase")]
    Reply {
        run_id: String,
        session_id: String,
        text: String,
        ts: String,
        seq: u64,
    },
    /// A tool call ended.
    #[serde(rename_all = "camelCase")]
    ToolCallEnd {
        run_id: String,
        tool_call: ToolCallRecord,
        seq: u64,
    },
    /// A model step ended.
    #[serde(rename_all = "camelCase")]
    StepComplete {
        run_id: String,
        step: u32,
        tool_calls: Vec<ToolCallRecord>,
        seq: u64,
    },
    /// A run completed.
    #[serde(rename_all = "camelCase")]
    RunComplete {
        run_id: String,
        result: InvokeResult,
        seq: u64,
    },
    /// A run failed.
    #[serde(rename_all = "camelCase")]
    RunError {
        run_id: String,
        error: String,
        seq: u64,
    },
    /// A run was cancelled.
    #[serde(rename_all = "camelCase")]
    RunCancelled { run_id: String, seq: u64 },
}

impl RunEvent {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            RunEvent::RunSpawn { .. } => "run-spawn",
            RunEvent::ToolCallStart { .. } => "tool-call-start",
            RunEvent::ClientToolRequest { .. } => "client-tool-request",
            RunEvent::Reply { .. } => "reply",
            RunEvent::ToolCallEnd { .. } => "tool-call-end",
            RunEvent::StepComplete { .. } => "step-complete",
            RunEvent::RunComplete { .. } => "run-complete",
            RunEvent::RunError { .. } => "run-error",
            RunEvent::RunCancelled { .. } => "run-cancelled",
        }
    }

    pub(crate) fn set_seq(&mut self, n: u64) {
        match self {
            RunEvent::RunSpawn { seq, .. }
            | RunEvent::ToolCallStart { seq, .. }
            | RunEvent::ClientToolRequest { seq, .. }
            | RunEvent::Reply { seq, .. }
            | RunEvent::ToolCallEnd { seq, .. }
            | RunEvent::StepComplete { seq, .. }
            | RunEvent::RunComplete { seq, .. }
            | RunEvent::RunError { seq, .. }
            | RunEvent::RunCancelled { seq, .. } => *seq = n,
        }
    }

    pub(crate) fn run_id(&self) -> &str {
        match self {
            RunEvent::RunSpawn { run_id, .. }
            | RunEvent::ToolCallStart { run_id, .. }
            | RunEvent::ClientToolRequest { run_id, .. }
            | RunEvent::Reply { run_id, .. }
            | RunEvent::ToolCallEnd { run_id, .. }
            | RunEvent::StepComplete { run_id, .. }
            | RunEvent::RunComplete { run_id, .. }
            | RunEvent::RunError { run_id, .. }
            | RunEvent::RunCancelled { run_id, .. } => run_id,
        }
    }

    pub(crate) fn is_terminal(&self) -> bool {
        matches!(
            self,
            RunEvent::RunComplete { .. }
                | RunEvent::RunError { .. }
                | RunEvent::RunCancelled { .. }
        )
    }
}

/// A trace summary row.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TraceSummary {
    pub trace_id: String,
    pub owner_id: String,
    pub root_name: String,
    pub agent_id: Option<String>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub span_count: u64,
    pub status: &'static str,
    pub total_tokens: u64,
    pub total_cost_usd: Option<f64>,
}

/// A trace span.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Span {
    pub span_id: String,
    pub trace_id: String,
    pub parent_id: Option<String>,
    pub owner_id: String,
    pub run_id: Option<String>,
    pub session_id: Option<String>,
    pub name: &'static str,
    pub kind: &'static str,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub duration_ms: Option<u64>,
    pub status: &'static str,
    pub error: Option<String>,
    pub attributes: Raw,
    pub events: Vec<Value>,
    pub scores: serde_json::Map<String, Value>,
    pub cost_usd: Option<f64>,
}

/// `{summary, spans}`.
#[derive(Serialize, Clone)]
pub(crate) struct TraceDetail {
    pub summary: TraceSummary,
    pub spans: Vec<Span>,
}

/// Patch sent with `span-end`.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SpanPatch {
    pub ended_at: String,
    pub duration_ms: u64,
    pub status: &'static str,
    pub error: Option<String>,
}

/// Live trace events.
#[derive(Serialize, Clone)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub(crate) enum TraceEvent {
    /// A span started.
    SpanStart { span: Span },
    /// A span ended.
    #[serde(rename_all = "camelCase")]
    SpanEnd { span_id: String, patch: SpanPatch },
    /// The trace finished.
    TraceDone { summary: TraceSummary },
}

impl TraceEvent {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            TraceEvent::SpanStart { .. } => "span-start",
            TraceEvent::SpanEnd { .. } => "span-end",
            TraceEvent::TraceDone { .. } => "trace-done",
        }
    }
}

/// A session message.
#[derive(Serialize, Clone)]
pub(crate) struct Message {
    pub role: String,
    pub content: Value,
    pub timestamp: String,
}

/// A session summary row.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SessionSummary {
    pub session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    pub message_count: usize,
    pub created_at: String,
    pub updated_at: String,
}
