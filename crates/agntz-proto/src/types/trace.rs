//! Traces and spans (`/traces/*`, wire §9).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::list_query::{list_query_methods, ListQuery};
use super::serde_util::null_as_default;

/// Status of a span or a whole trace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SpanStatus {
    /// Still running.
    Running,
    /// Finished successfully.
    Ok,
    /// Failed.
    Error,
    /// Cancelled.
    Cancelled,
    /// A status this SDK does not know yet. Serializes as `"unknown"`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl SpanStatus {
    /// The wire string (`unknown` for [`SpanStatus::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            SpanStatus::Running => "running",
            SpanStatus::Ok => "ok",
            SpanStatus::Error => "error",
            SpanStatus::Cancelled => "cancelled",
            SpanStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for SpanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl AsRef<str> for SpanStatus {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// What a span measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SpanKind {
    /// A whole run.
    Run,
    /// Execution of a manifest.
    Manifest,
    /// A workflow step.
    Step,
    /// An agent invocation.
    Invoke,
    /// A model call.
    Model,
    /// A tool call.
    Tool,
    /// A kind this SDK does not know yet. Serializes as `"unknown"`.
    #[default]
    #[serde(other)]
    Unknown,
}

impl SpanKind {
    /// The wire string (`unknown` for [`SpanKind::Unknown`]).
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Run => "run",
            SpanKind::Manifest => "manifest",
            SpanKind::Step => "step",
            SpanKind::Invoke => "invoke",
            SpanKind::Model => "model",
            SpanKind::Tool => "tool",
            SpanKind::Unknown => "unknown",
        }
    }
}

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Summary row of a trace (rows of `GET /traces`, `summary` of a trace).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TraceSummary {
    /// Trace id (= root run id).
    #[serde(default)]
    pub trace_id: String,
    /// Owner (tenant) id.
    #[serde(default)]
    pub owner_id: String,
    /// Name of the root (the agent reference).
    #[serde(default)]
    pub root_name: String,
    /// Agent id, when known.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// Start time (ISO-8601).
    #[serde(default)]
    pub started_at: String,
    /// End time (ISO-8601), once finished.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// Duration in milliseconds, once finished.
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// Number of spans.
    #[serde(default)]
    pub span_count: u64,
    /// Status of the trace.
    #[serde(default)]
    pub status: SpanStatus,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: u64,
    /// Total cost in USD (currently always `null` from runs).
    #[serde(default)]
    pub total_cost_usd: Option<f64>,
}

/// An event recorded on a span.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SpanEvent {
    /// When (ISO-8601).
    #[serde(default)]
    pub ts: String,
    /// Event name.
    #[serde(default)]
    pub name: String,
    /// Event data.
    #[serde(default)]
    pub data: Option<Value>,
}

/// One span of a trace.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Span {
    /// Span id.
    #[serde(default)]
    pub span_id: String,
    /// Trace id.
    #[serde(default)]
    pub trace_id: String,
    /// Parent span, if any.
    #[serde(default)]
    pub parent_id: Option<String>,
    /// Owner (tenant) id.
    #[serde(default)]
    pub owner_id: String,
    /// Run id, for run spans.
    #[serde(default)]
    pub run_id: Option<String>,
    /// Session id, when known.
    #[serde(default)]
    pub session_id: Option<String>,
    /// Span name (e.g. `agent.run`, `agent.model.call`).
    #[serde(default)]
    pub name: String,
    /// Span kind.
    #[serde(default)]
    pub kind: SpanKind,
    /// Start time (ISO-8601).
    #[serde(default)]
    pub started_at: String,
    /// End time (ISO-8601), once finished.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// Duration in milliseconds, once finished.
    #[serde(default)]
    pub duration_ms: Option<f64>,
    /// Status.
    #[serde(default)]
    pub status: SpanStatus,
    /// Error message, when failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Attributes (e.g. `agent.id`, `agent.usage.total_tokens`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub attributes: Map<String, Value>,
    /// Recorded events.
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<SpanEvent>,
    /// Scores (`{name: {value, reason?}}`; reserved, usually empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub scores: Map<String, Value>,
    /// Cost in USD, when known.
    #[serde(default)]
    pub cost_usd: Option<f64>,
}

/// A finished trace: `{summary, spans}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TraceDetail {
    /// The summary row.
    pub summary: TraceSummary,
    /// All spans (empty when absent).
    #[serde(default, deserialize_with = "null_as_default")]
    pub spans: Vec<Span>,
}

/// Filters and paging of `GET /traces`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceFilter {
    query: ListQuery,
}

impl TraceFilter {
    /// No filter.
    pub fn new() -> Self {
        Self::default()
    }

    list_query_methods!("traces", "a [`SpanStatus`]");

    /// The query parameters, in the order `agentId, status, startedAfter,
    /// startedBefore, limit, cursor`; unset ones omitted.
    pub fn to_query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        self.query.push_pairs(&mut q);
        q
    }
}

/// One page of `GET /traces`: `{"rows": [...], "cursor"?: "..."}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct TracePage {
    /// Trace summaries, newest first.
    #[serde(default)]
    pub rows: Vec<TraceSummary>,
    /// Cursor of the next page (wire key `cursor`); `None` on the last page.
    #[serde(default, rename = "cursor")]
    pub next_cursor: Option<String>,
}
