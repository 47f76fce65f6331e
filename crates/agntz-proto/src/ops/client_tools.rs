use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde_json::Value;

use super::{require_id, Operation};
use crate::body::WholeBody;
use crate::config::Config;
use crate::encode::Segment;
use crate::error::Error;
use crate::request::{self, JSON};
use crate::response::ensure_success;
use crate::retry::CallKind;

/// The worker's limit on a serialized client-tool output, in UTF-16 code
/// units of its compact JSON (the unit the worker counts in).
pub const MAX_TOOL_OUTPUT_CHARS: usize = 40_000;

/// What a client tool produced: exactly one of an output or an error.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolOutcome {
    /// The tool's JSON output.
    Output(Value),
    /// The tool failed; the model sees this message.
    Error(String),
}

impl ToolOutcome {
    /// The outcome for tool `name`: an output too large for the worker
    /// becomes the same error the official clients send, so the run goes on.
    pub fn checked(name: &str, result: Result<Value, String>) -> Self {
        match result {
            Ok(value) => {
                let chars = serde_json::to_string(&value)
                    .map(|s| s.encode_utf16().count())
                    .unwrap_or(usize::MAX);
                if chars > MAX_TOOL_OUTPUT_CHARS {
                    ToolOutcome::Error(format!(
                        "Client tool '{name}' output exceeds {MAX_TOOL_OUTPUT_CHARS} serialized characters"
                    ))
                } else {
                    ToolOutcome::Output(value)
                }
            }
            Err(message) => ToolOutcome::Error(message),
        }
    }

    /// The answer for a tool the caller supplied no handler for.
    pub fn no_handler(name: &str) -> Self {
        ToolOutcome::Error(format!("No handler was supplied for client tool '{name}'"))
    }

    fn body(&self) -> Value {
        match self {
            ToolOutcome::Output(v) => serde_json::json!({ "output": v }),
            ToolOutcome::Error(e) => serde_json::json!({ "error": e }),
        }
    }
}

/// How the worker took a client-tool result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ToolSubmission {
    /// `202`: this answer resolved the request.
    Accepted,
    /// `200`: the request had already been answered; the first answer stands.
    AlreadyAnswered,
    /// `410`: the request timed out or was cancelled before the answer.
    NoLongerActive,
}

/// `POST /runs/{rootRunId}/client-tool-requests/{requestId}/result`.
#[derive(Debug, Clone)]
pub struct SubmitToolResult {
    root_run_id: String,
    request_id: String,
    outcome: ToolOutcome,
}

impl SubmitToolResult {
    /// Answers request `request_id` of root run `root_run_id`.
    pub fn new(
        root_run_id: impl Into<String>,
        request_id: impl Into<String>,
        outcome: ToolOutcome,
    ) -> Self {
        SubmitToolResult {
            root_run_id: root_run_id.into(),
            request_id: request_id.into(),
            outcome,
        }
    }
}

impl Operation for SubmitToolResult {
    type Output = ToolSubmission;
    // The worker keeps the first answer and acknowledges repeats with 200.
    const KIND: CallKind = CallKind::Idempotent;

    fn build(&self, config: &Config) -> Result<Request<Bytes>, Error> {
        let root = require_id("root run id", &self.root_run_id)?;
        let req = require_id("client-tool request id", &self.request_id)?;
        let path = format!(
            "/runs/{}/client-tool-requests/{}/result",
            Segment(root),
            Segment(req)
        );
        let body = crate::types::json_body(&self.outcome.body())?;
        request::build(config, Method::POST, &path, Some(body), JSON)
    }

    fn parse(&self, response: Response<WholeBody>) -> Result<ToolSubmission, Error> {
        match response.status() {
            StatusCode::ACCEPTED => Ok(ToolSubmission::Accepted),
            StatusCode::GONE => Ok(ToolSubmission::NoLongerActive),
            s if s.is_success() => Ok(ToolSubmission::AlreadyAnswered),
            _ => ensure_success(&response).map(|()| ToolSubmission::AlreadyAnswered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_output_becomes_an_error() {
        let big = Value::String("é".repeat(MAX_TOOL_OUTPUT_CHARS));
        match ToolOutcome::checked("get_selection", Ok(big)) {
            ToolOutcome::Error(m) => assert_eq!(
                m,
                "Client tool 'get_selection' output exceeds 40000 serialized characters"
            ),
            other => panic!("{other:?}"),
        }
        // 39,998 chars + 2 quotes = exactly the limit.
        let fits = Value::String("a".repeat(MAX_TOOL_OUTPUT_CHARS - 2));
        assert!(matches!(
            ToolOutcome::checked("t", Ok(fits)),
            ToolOutcome::Output(_)
        ));
        // An astral character counts two UTF-16 units, as on the worker.
        let astral = Value::String("🚀".repeat(MAX_TOOL_OUTPUT_CHARS / 2));
        assert!(matches!(
            ToolOutcome::checked("t", Ok(astral)),
            ToolOutcome::Error(_)
        ));
    }
}
