//! Client-tool handlers that are plain functions.

use std::sync::Arc;

use agntz_proto::client::ToolResult;
use agntz_proto::types::ClientToolRequest;
use serde_json::Value;

/// The client-tool handlers attached to one blocking call, by tool name:
/// plain functions instead of the async client's futures.
///
/// ```
/// use agntz_client::blocking::ClientTools;
/// use serde_json::json;
///
/// let tools = ClientTools::new().handler("get_selection", |input, _call| {
///     let with_text = input["includeText"].as_bool().unwrap_or(false);
///     Ok(json!({ "selected": "chapter one", "withText": with_text }))
/// });
/// assert_eq!(tools.names().collect::<Vec<_>>(), ["get_selection"]);
/// ```
///
/// Each call of a handler runs on a short-lived thread of its own, outside
/// any async runtime, so a handler may block and may use the blocking
/// client itself (to read memory, say). Requests are answered one at a
/// time, in stream order, as with the async client. A handler that panics
/// answers the model with an error instead of taking the stream down.
///
/// The blocking resources also take the async [`crate::ClientTools`].
#[derive(Clone, Default)]
pub struct ClientTools {
    inner: crate::ClientTools,
}

impl std::fmt::Debug for ClientTools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl ClientTools {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handler for tool `name`. It gets the tool's input (already
    /// validated against the tool's schema by the worker) and the whole
    /// request (run ids, tool-call id, deadline), and returns the output or
    /// an error message the model will see.
    pub fn handler<F>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Value, ClientToolRequest) -> ToolResult + Send + Sync + 'static,
    {
        let handler = Arc::new(handler);
        self.inner = self.inner.handler(name, move |input, request| {
            off_runtime(Arc::clone(&handler), input, request)
        });
        self
    }

    /// The tool names (sent as `clientTools`).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.inner.names()
    }
}

impl From<ClientTools> for crate::ClientTools {
    fn from(tools: ClientTools) -> Self {
        tools.inner
    }
}

/// Runs `handler` on a thread of its own and waits for its answer without
/// blocking the stream's task.
async fn off_runtime<F>(handler: Arc<F>, input: Value, request: ClientToolRequest) -> ToolResult
where
    F: Fn(Value, ClientToolRequest) -> ToolResult + Send + Sync + 'static,
{
    let name = request.name.clone();
    let (answer, answered) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("agntz-client-tool".into())
        .spawn(move || {
            let _ = answer.send(handler(input, request));
        })
        .map_err(|e| format!("could not start the handler of client tool '{name}': {e}"))?;
    answered
        .await
        .map_err(|_| format!("the handler of client tool '{name}' panicked"))?
}
