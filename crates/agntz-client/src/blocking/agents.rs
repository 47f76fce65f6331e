use agntz_proto::error::Error;
use agntz_proto::transport::Transport;
use agntz_proto::types::{
    AgentDetail, AgentImport, AgentImportResult, AgentSummary, Run, RunRequest, RunResult,
};

use super::macros::resource;
use super::AgentStream;

resource! {
    /// Agents: the catalogue (list, get, import) and running them. Get one
    /// with [`AgntzClient::agents`](super::AgntzClient::agents).
    Agents => agents;
    call fn run(request: RunRequest) -> RunResult;
    stream fn stream(request: RunRequest) -> AgentStream<T>;
    call fn start(request: RunRequest) -> Run;
    call fn list() -> Vec<AgentSummary>;
    call fn get(agent_id: &str) -> AgentDetail;
    call fn import(import: AgentImport) -> AgentImportResult;
}

/// The client-tool calls take [`ClientTools`](super::ClientTools) (plain
/// functions) or the async [`crate::ClientTools`].
impl<T: Transport> Agents<'_, T> {
    /// Blocking [`Agents::stream_with_tools`](crate::Agents::stream_with_tools):
    /// each `client-tool-request` is answered by its handler before the next
    /// event is read.
    pub fn stream_with_tools(
        &self,
        request: RunRequest,
        tools: impl Into<crate::ClientTools>,
    ) -> Result<AgentStream<T>, Error> {
        let agents = self.client.as_async().agents();
        let stream = self
            .client
            .wait(agents.stream_with_tools(request, tools.into()))?;
        Ok(self.client.iter(stream))
    }

    /// Blocking [`Agents::run_with_tools`](crate::Agents::run_with_tools):
    /// runs to completion, answering tool requests with `tools`.
    pub fn run_with_tools(
        &self,
        request: RunRequest,
        tools: impl Into<crate::ClientTools>,
    ) -> Result<RunResult, Error> {
        let agents = self.client.as_async().agents();
        self.client
            .wait(agents.run_with_tools(request, tools.into()))
    }
}
