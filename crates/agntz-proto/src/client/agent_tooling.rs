//! The manifest tooling of [`Agents`]: validation, block runs, the agent
//! builder and editor.

use super::{Agents, BlockStream, ClientTools};
use crate::error::Error;
use crate::ops::{BuildAgent, EditAgent, RunBlock, StreamBlock, StreamOperation, ValidateManifest};
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{
    AgentDraft, BlockRunResult, BlockSelection, BuildAgentRequest, EditAgentRequest, RunRequest,
    ValidationReport, ValidationRequest,
};

impl<'a, T: Transport> Agents<'a, T> {
    /// `POST /validate`: checks a manifest without saving it: structure,
    /// template references, and look-ups in **your** tenant (referenced
    /// agents, local tools, skills; MCP servers and HTTP endpoints are
    /// probed, an error only in [strict](ValidationRequest::strict) mode).
    /// An invalid manifest is an `Ok` report with
    /// [`is_valid`](ValidationReport::is_valid) `false`; an `Err` means the
    /// check itself could not run.
    ///
    /// Takes a [`ValidationRequest`] or the YAML text itself.
    pub async fn validate(
        &self,
        request: impl Into<ValidationRequest>,
    ) -> Result<ValidationReport, Error> {
        self.client
            .execute(&ValidateManifest::new(request.into()))
            .await
    }

    /// `POST /run/block`: runs one block of the stored agent named by
    /// `request`'s agent id (`selection` picks it: the root, a step, a
    /// branch, nested), to completion. `request`'s input is the block's own
    /// input; the step's input mapping, `when` and the siblings are not
    /// applied. An unknown path is an [`Error::Api`] 400 (`selected block
    /// path was not found in the agent manifest`). File and bytes content
    /// blocks are uploaded first, as for [`run`](Self::run).
    pub async fn run_block(
        &self,
        request: RunRequest,
        selection: BlockSelection,
    ) -> Result<BlockRunResult, Error> {
        let request = self.client.upload_run_content(request).await?;
        self.client
            .execute(&RunBlock::new(request, selection))
            .await
    }

    /// `POST /run/block/stream`: runs one block and streams its events
    /// ([`BlockEvent`](crate::events::BlockEvent): `Start` with the block id
    /// and kind, `Reply`..., then `Complete` or `Error`). Not resumable, as
    /// [`stream`](Self::stream).
    pub async fn stream_block(
        &self,
        request: RunRequest,
        selection: BlockSelection,
    ) -> Result<BlockStream<T>, Error> {
        self.open_block(request, selection, None).await
    }

    /// Like [`stream_block`](Self::stream_block), with client-tool handlers
    /// attached (the worker checks only the selected block's client tools).
    pub async fn stream_block_with_tools(
        &self,
        request: RunRequest,
        selection: BlockSelection,
        tools: ClientTools,
    ) -> Result<BlockStream<T>, Error> {
        let request = request.client_tools(tools.names());
        self.open_block(request, selection, Some(tools)).await
    }

    async fn open_block(
        &self,
        request: RunRequest,
        selection: BlockSelection,
        tools: Option<ClientTools>,
    ) -> Result<BlockStream<T>, Error> {
        let request = self.client.upload_run_content(request).await?;
        let op = StreamBlock::new(request, selection);
        let trace = Trace::stream::<StreamBlock>();
        let body = self
            .client
            .open_traced(&op, &trace)
            .await
            .inspect_err(|e| trace.failed(e))?;
        Ok(BlockStream::new(
            self.client.clone(),
            body,
            op.frames(),
            tools,
            trace,
        ))
    }

    /// `POST /build-agent`: the worker's agent builder drafts a manifest
    /// from a description (several model calls; it can take a while).
    ///
    /// The route is public and sent without the API key; the worker allows
    /// 10 requests an hour per client address, counting failures too. Over
    /// the limit: [`Error::RateLimited`] with
    /// [`ApiError::retry_after`](crate::ApiError::retry_after). A success
    /// may still hold no usable manifest: check
    /// [`AgentDraft::is_usable`], and validate before importing.
    ///
    /// Takes a [`BuildAgentRequest`] or the description itself.
    pub async fn build(&self, request: impl Into<BuildAgentRequest>) -> Result<AgentDraft, Error> {
        self.client.execute(&BuildAgent::new(request.into())).await
    }

    /// `POST /edit-agent`: the worker's agent editor revises a manifest as
    /// described (optionally focused on one block). Needs the API key; rate
    /// limited like [`build`](Self::build), separately counted.
    pub async fn edit(&self, request: EditAgentRequest) -> Result<AgentDraft, Error> {
        self.client.execute(&EditAgent::new(request)).await
    }
}
