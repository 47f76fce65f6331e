use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::answering::Answering;
use super::{Client, ClientTools};
use crate::error::Error;
use crate::events::StreamEvent;
use crate::ops::{
    GetAgent, ImportAgents, ListAgents, RunAgent, StartRun, StreamAgent, StreamOperation,
};
use crate::stream::AgentFrames;
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{
    AgentDetail, AgentImport, AgentImportResult, AgentSummary, Run, RunRequest, RunResult,
};

/// Agents: the catalogue (list, get, import) and running them. Get one with
/// [`Client::agents`].
#[derive(Debug)]
pub struct Agents<'a, T> {
    pub(super) client: &'a Client<T>,
}

impl<'a, T: Transport> Agents<'a, T> {
    pub(crate) fn new(client: &'a Client<T>) -> Self {
        Agents { client }
    }

    /// `POST /run`: runs the agent to completion and returns every field of
    /// the result. The HTTP request stays open for the whole run; dropping
    /// the future cancels the run on the worker.
    ///
    /// File and bytes content blocks are uploaded first (see
    /// [`ContentBlock::image_file`](crate::types::ContentBlock::image_file));
    /// so for [`stream`](Self::stream) and [`start`](Self::start).
    pub fn run(
        &self,
        request: RunRequest,
    ) -> impl Future<Output = Result<RunResult, Error>> + Send + 'a {
        // Not an `async fn`, whose future would hold the request twice: as
        // its argument and in the operation made of it.
        let client = self.client;
        let mut op = RunAgent::new(request);
        async move {
            client.upload_run_content_in(op.request_mut()).await?;
            client.execute(&op).await
        }
    }

    /// `POST /run/stream`: runs the agent and streams its events (`Start`,
    /// `Reply`..., then `Complete` or `Error`).
    ///
    /// The stream is not resumable: the worker ties the run to this
    /// connection, so dropping the stream cancels the run, and a dropped
    /// connection ends with an error rather than a silent reconnect (which
    /// would start the agent again). For resumable work start a durable run
    /// with [`Agents::start`] and follow it with
    /// [`Runs::stream`](super::Runs::stream).
    pub async fn stream(&self, request: RunRequest) -> Result<AgentStream<T>, Error> {
        self.open(request, None).await
    }

    /// Like [`stream`](Self::stream), with client-tool handlers attached:
    /// each `client-tool-request` is answered by its handler (in stream
    /// order, before the next event is read), and the tool names are sent as
    /// `clientTools`.
    pub async fn stream_with_tools(
        &self,
        request: RunRequest,
        tools: ClientTools,
    ) -> Result<AgentStream<T>, Error> {
        let request = request.client_tools(tools.names());
        self.open(request, Some(tools)).await
    }

    /// Runs an agent whose manifest declares client tools, to completion,
    /// answering tool requests with `tools`. Returns the whole result; a
    /// `run-error` becomes an [`Error::Stream`] with code `RUN_FAILED`.
    /// (Over `POST /run/stream`: the worker requires an attached stream for
    /// client tools.)
    pub async fn run_with_tools(
        &self,
        request: RunRequest,
        tools: ClientTools,
    ) -> Result<RunResult, Error> {
        self.stream_with_tools(request, tools)
            .await?
            .into_result()
            .await
    }

    async fn open(
        &self,
        request: RunRequest,
        tools: Option<ClientTools>,
    ) -> Result<AgentStream<T>, Error> {
        let request = self.client.upload_run_content(request).await?;
        let op = StreamAgent::new(request);
        let trace = Trace::stream::<StreamAgent>();
        let body = self
            .client
            .open_traced(&op, &trace)
            .await
            .inspect_err(|e| trace.failed(e))?;
        Ok(AgentStream {
            inner: Answering::new(self.client.clone(), body, op.frames(), tools, trace),
        })
    }

    /// `POST /runs`: starts a durable run that continues without this
    /// connection. Same as [`Runs::start`](super::Runs::start).
    pub async fn start(&self, request: RunRequest) -> Result<Run, Error> {
        let request = self.client.upload_run_content(request).await?;
        self.client.execute(&StartRun::new(request)).await
    }

    /// `GET /agents`: the tenant's agents, `{id, name, description?}` each
    /// (another tenant's agents are never listed).
    pub async fn list(&self) -> Result<Vec<AgentSummary>, Error> {
        self.client.execute(&ListAgents::new()).await
    }

    /// `GET /agents/{id}`: the stored active definition, with the raw YAML
    /// manifest in [`AgentDetail::manifest`]. An unknown id is
    /// [`Error::NotFound`]. Ids containing `%` or `@` are not supported.
    pub async fn get(&self, agent_id: &str) -> Result<AgentDetail, Error> {
        self.client.execute(&GetAgent::new(agent_id)).await
    }

    /// `POST /agents/import`: publishes agents from YAML manifests (or, with
    /// [`AgentImport::dry_run`], only validates them). A manifest the worker
    /// rejects is an [`Error::Api`] with status 400 (the per-manifest errors
    /// are in [`ApiError::body`](crate::ApiError::body) under `results`); an
    /// existing id under `onConflict: fail` is a 409.
    pub async fn import(&self, import: AgentImport) -> Result<AgentImportResult, Error> {
        self.client.execute(&ImportAgents::new(import)).await
    }
}

/// The events of one `POST /run/stream` run.
///
/// Use the inherent [`next`](AgentStream::next) or the
/// [`Stream`](futures_core::Stream) impl. The stream ends after `Complete`
/// or `Error`; a body that ends before either yields a `STREAM_TRUNCATED`
/// [`Error::Stream`] after every event received. Client-tool requests are
/// answered in place by the attached handlers (or with the worker's "no
/// handler was supplied" error, so the run is never left waiting) and never
/// shown as events.
pub struct AgentStream<T: Transport> {
    inner: Answering<T, AgentFrames>,
}

impl<T: Transport> std::fmt::Debug for AgentStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentStream")
            .field("complete", &self.inner.is_complete())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> AgentStream<T> {
    /// The next event, `None` after the terminal event.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, Error>> {
        std::future::poll_fn(|cx| self.inner.poll_event(cx)).await
    }

    /// Reads to the end and returns the `Complete` payload; a `run-error`
    /// becomes an [`Error::Stream`] with code `RUN_FAILED`.
    pub async fn into_result(self) -> Result<RunResult, Error> {
        self.inner.into_result().await
    }
}

impl<T: Transport> Stream for AgentStream<T> {
    type Item = Result<StreamEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_event(cx)
    }
}
