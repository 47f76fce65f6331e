//! The blocking client.

use std::future::Future;
use std::sync::Arc;

use agntz_proto::config::{Config, Timeouts};
use agntz_proto::error::Error;
use agntz_proto::ops::{Operation, StreamOperation};
use agntz_proto::retry::RetryPolicy;
use agntz_proto::transport::Transport;
use agntz_proto::types::{Health, RunRequest};
use agntz_reqwest::ReqwestTransport;

use super::runtime::BlockingRuntime;
use super::{
    Agents, AgntzClientBuilder, Artifacts, Batches, Body, Datasets, Evals, Iter, Memory, Runs,
    Sessions, Traces, WebhookSecrets,
};

/// The blocking client: the resource API of [`crate::AgntzClient`] with
/// plain methods, over reqwest (rustls) unless another transport is chosen.
///
/// `Send + Sync`, and cheap to clone (clones share the connection pool and
/// the runtime): share one per process, across threads. Each call runs on
/// the calling thread; a small runtime owned by the client (one background
/// thread) drives the sockets. It shuts down when the last clone, and the
/// last stream opened through it, are dropped.
///
/// Every call made from inside an async runtime fails with
/// [`Error::Blocking`] (kind
/// [`InsideAsyncRuntime`](crate::BlockingErrorKind::InsideAsyncRuntime))
/// instead of blocking that runtime's thread: use [`crate::AgntzClient`]
/// there.
pub struct AgntzClient<T: Transport = ReqwestTransport> {
    inner: crate::AgntzClient<T>,
    runtime: Arc<BlockingRuntime>,
}

// By hand, as for the async client: no bounds on `T`.
impl<T: Transport> Clone for AgntzClient<T> {
    fn clone(&self) -> Self {
        AgntzClient {
            inner: self.inner.clone(),
            runtime: Arc::clone(&self.runtime),
        }
    }
}

impl<T: Transport> std::fmt::Debug for AgntzClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::AgntzClient")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl AgntzClient {
    /// A builder with the hosted worker as default base URL.
    pub fn builder() -> AgntzClientBuilder {
        AgntzClientBuilder::new()
    }

    /// A client for `base_url` authenticating with `api_key`.
    pub fn new(api_key: impl Into<String>, base_url: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).base_url(base_url).build()
    }

    /// A client from the environment, as [`crate::AgntzClient::from_env`]
    /// (`AGNTZ_API_KEY`; `AGNTZ_BASE_URL` or `AGNTZ_API_URL`).
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }
}

impl<T: Transport> AgntzClient<T> {
    pub(crate) fn from_parts(inner: crate::AgntzClient<T>, runtime: Arc<BlockingRuntime>) -> Self {
        AgntzClient { inner, runtime }
    }

    /// The async client inside, for [`block_on`](Self::block_on). Await
    /// its futures only through `block_on`: its connections belong to this
    /// client's runtime.
    pub fn as_async(&self) -> &crate::AgntzClient<T> {
        &self.inner
    }

    /// Runs any future on this client's runtime, blocking the calling
    /// thread until it is done: the way to call an async method of
    /// [`as_async`](Self::as_async) this module does not wrap.
    ///
    /// ```no_run
    /// # fn demo(client: agntz_client::blocking::AgntzClient) -> Result<(), agntz_client::Error> {
    /// let agents = client.block_on(client.as_async().agents().list())??;
    /// # Ok(()) }
    /// ```
    ///
    /// Fails with [`Error::Blocking`] when called from inside an async
    /// runtime (the future is then dropped unpolled).
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        self.runtime.block_on(future)
    }

    /// Blocks on a call and flattens its result.
    pub(crate) fn wait<O>(&self, call: impl Future<Output = Result<O, Error>>) -> Result<O, Error> {
        self.runtime.block_on(call)?
    }

    /// Wraps a stream opened through this client.
    pub(crate) fn iter<S>(&self, stream: S) -> Iter<S> {
        Iter::new(stream, Arc::clone(&self.runtime))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        self.inner.transport()
    }

    /// A client sharing this one's transport and runtime, with another
    /// retry policy.
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        self.derive(self.inner.with_retry_policy(policy))
    }

    /// A client sharing this one's transport and runtime, with other
    /// timeouts.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Self {
        self.derive(self.inner.with_timeouts(timeouts))
    }

    fn derive(&self, client: agntz_proto::Client<T>) -> Self {
        AgntzClient {
            inner: crate::AgntzClient::from_client(client),
            runtime: Arc::clone(&self.runtime),
        }
    }

    /// Blocking [`Client::health`](crate::Client::health): `GET /health`
    /// (no authentication).
    pub fn health(&self) -> Result<Health, Error> {
        self.wait(self.inner.health())
    }

    /// Blocking [`Client::execute`](crate::Client::execute): runs any
    /// request/response operation with this client's retry policy and
    /// deadline.
    pub fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        self.wait(self.inner.execute(op))
    }

    /// Blocking [`Client::open_stream`](crate::Client::open_stream): the
    /// body of an SSE operation, as raw chunks.
    pub fn open_stream<O: StreamOperation>(&self, op: &O) -> Result<Body<T>, Error> {
        let body = self.wait(self.inner.open_stream(op))?;
        Ok(self.iter(body))
    }

    /// Blocking [`Client::upload_run_content`](crate::Client::upload_run_content):
    /// uploads the file and bytes content blocks of a run request and points
    /// them at their artifacts (the run methods do it themselves; this is
    /// for a request sent with [`execute`](Self::execute) or
    /// [`open_stream`](Self::open_stream)).
    pub fn upload_run_content(&self, request: RunRequest) -> Result<RunRequest, Error> {
        self.wait(self.inner.upload_run_content(request))
    }

    /// Agents: list, get and import them; run to completion, stream, start
    /// durable runs.
    pub fn agents(&self) -> Agents<'_, T> {
        Agents::new(self)
    }

    /// Artifacts: upload, get, download, delete.
    pub fn artifacts(&self) -> Artifacts<'_, T> {
        Artifacts::new(self)
    }

    /// Datasets: CRUD, items, staged CSV/JSONL imports, versions and
    /// aliases.
    pub fn datasets(&self) -> Datasets<'_, T> {
        Datasets::new(self)
    }

    /// Memory: import, scan, list and read entries, delete, correct,
    /// curate, delete scopes.
    pub fn memory(&self) -> Memory<'_, T> {
        Memory::new(self)
    }

    /// Durable runs: start, get, cancel, list, stream.
    pub fn runs(&self) -> Runs<'_, T> {
        Runs::new(self)
    }

    /// Traces of session-retention runs.
    pub fn traces(&self) -> Traces<'_, T> {
        Traces::new(self)
    }

    /// Conversation sessions.
    pub fn sessions(&self) -> Sessions<'_, T> {
        Sessions::new(self)
    }

    /// Evals (with versions and aliases), eval runs and eval scores.
    pub fn evals(&self) -> Evals<'_, T> {
        Evals::new(self)
    }

    /// Provider-native batches and batch runs.
    pub fn batches(&self) -> Batches<'_, T> {
        Batches::new(self)
    }

    /// Webhook secrets: create, list, regenerate, delete.
    pub fn webhook_secrets(&self) -> WebhookSecrets<'_, T> {
        WebhookSecrets::new(self)
    }
}
