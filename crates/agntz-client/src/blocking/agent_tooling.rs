use agntz_proto::error::Error;
use agntz_proto::transport::Transport;
use agntz_proto::types::{
    AgentDraft, BlockRunResult, BlockSelection, BuildAgentRequest, EditAgentRequest, RunRequest,
    ValidationReport, ValidationRequest,
};

use super::macros::resource;
use super::{Agents, BlockStream};

resource! {
    impl Agents => agents;
    call fn validate(request: impl Into<ValidationRequest>) -> ValidationReport;
    call fn run_block(request: RunRequest, selection: BlockSelection) -> BlockRunResult;
    stream fn stream_block(request: RunRequest, selection: BlockSelection) -> BlockStream<T>;
    call fn build(request: impl Into<BuildAgentRequest>) -> AgentDraft;
    call fn edit(request: EditAgentRequest) -> AgentDraft;
}

impl<T: Transport> Agents<'_, T> {
    /// Blocking
    /// [`Agents::stream_block_with_tools`](crate::Agents::stream_block_with_tools):
    /// one block's events, with client-tool handlers attached
    /// ([`ClientTools`](super::ClientTools) or the async
    /// [`crate::ClientTools`]).
    pub fn stream_block_with_tools(
        &self,
        request: RunRequest,
        selection: BlockSelection,
        tools: impl Into<crate::ClientTools>,
    ) -> Result<BlockStream<T>, Error> {
        let agents = self.client.as_async().agents();
        let stream =
            self.client
                .wait(agents.stream_block_with_tools(request, selection, tools.into()))?;
        Ok(self.client.iter(stream))
    }
}
