//! Handlers for client tools: tools a manifest declares with `kind: client`
//! and the caller implements, per run.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;

use crate::types::ClientToolRequest;

/// What a handler returns: the tool's JSON output, or an error message the
/// model will see (`Client tool '<name>' failed: <message>`).
pub type ToolResult = Result<Value, String>;

type BoxedHandler = Arc<
    dyn Fn(Value, ClientToolRequest) -> Pin<Box<dyn Future<Output = ToolResult> + Send>>
        + Send
        + Sync,
>;

/// The client-tool handlers attached to one call, by tool name.
///
/// ```
/// use agntz_proto::client::ClientTools;
/// use serde_json::json;
///
/// let tools = ClientTools::new().handler("get_selection", |input, _call| async move {
///     let with_text = input["includeText"].as_bool().unwrap_or(false);
///     Ok(json!({ "selected": "chapter one", "withText": with_text }))
/// });
/// assert_eq!(tools.names().collect::<Vec<_>>(), ["get_selection"]);
/// ```
///
/// Each request is answered once, in stream order. A handler that is still
/// running at the request's `deadline_at` is not interrupted; the worker
/// gives the model a timeout error and ignores the late answer (`410`).
#[derive(Clone, Default)]
pub struct ClientTools {
    handlers: BTreeMap<String, BoxedHandler>,
}

impl fmt::Debug for ClientTools {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.handlers.keys()).finish()
    }
}

impl ClientTools {
    /// No handlers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the handler for tool `name`. It gets the tool's input (already
    /// validated against the tool's schema by the worker) and the whole
    /// request (run ids, tool-call id, deadline).
    pub fn handler<F, Fut>(mut self, name: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Value, ClientToolRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ToolResult> + Send + 'static,
    {
        let boxed: BoxedHandler = Arc::new(move |input, request| Box::pin(handler(input, request)));
        self.handlers.insert(name.into(), boxed);
        self
    }

    /// The tool names (sent as `clientTools` so the worker knows which tools
    /// are attached).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }

    /// Runs the handler for `request`, or `None` when there is none.
    pub(crate) fn call(
        &self,
        request: &ClientToolRequest,
    ) -> Option<Pin<Box<dyn Future<Output = ToolResult> + Send>>> {
        let handler = self.handlers.get(&request.name)?;
        Some(handler(request.input.clone(), request.clone()))
    }
}
