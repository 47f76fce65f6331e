//! Client-tool requests (wire §7).

use serde::Deserialize;
use serde_json::Value;

/// The worker asks the caller to run one of its attached client tools
/// (`client-tool-request` event).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientToolRequest {
    /// The run that made the call (often a child run).
    #[serde(default)]
    pub run_id: String,
    /// The root run; the result is posted under it.
    #[serde(default)]
    pub root_run_id: String,
    /// Request id (`ctr_…`).
    #[serde(default)]
    pub request_id: String,
    /// The model's tool-call id.
    #[serde(default)]
    pub tool_call_id: String,
    /// Tool name.
    #[serde(default)]
    pub name: String,
    /// Arguments, already validated against the tool's input schema.
    #[serde(default)]
    pub input: Value,
    /// When the worker stops waiting (ISO-8601).
    #[serde(default)]
    pub deadline_at: String,
    /// Sequence number in the run tree's event stream.
    #[serde(default)]
    pub seq: Option<u64>,
}
