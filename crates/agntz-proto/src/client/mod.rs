//! The resource API, written once and generic over the [`Transport`].
//!
//! The client is runtime-free: it awaits only what the transport gives it
//! (no spawned tasks, no channels). Streams are concrete types that poll the
//! transport's body and the sans-IO decoder.

mod agent_tooling;
mod agents;
mod answering;
mod artifacts;
mod batches;
mod block_stream;
mod datasets;
mod deadline;
mod evals;
mod event_stream;
mod memory;
mod pages;
mod run_stream;
mod runs;
mod sessions;
mod tools;
mod traces;
mod uploads;
mod wait;
mod webhook_secrets;

pub use agents::{AgentStream, Agents};
pub use artifacts::Artifacts;
pub use batches::{BatchResults, Batches};
pub use block_stream::BlockStream;
pub use datasets::Datasets;
pub use evals::Evals;
pub use memory::Memory;
pub use pages::Pages;
pub use run_stream::{RunStream, TraceStream};
pub use runs::Runs;
pub use sessions::Sessions;
pub use tools::{ClientTools, ToolResult};
pub use traces::Traces;
pub use wait::Wait;
pub use webhook_secrets::WebhookSecrets;

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;

use crate::body::WholeBody;
use crate::config::{ApiKey, Config, Timeouts};
use crate::error::{Error, TimeoutError, TimeoutKind};
use crate::ops::{GetHealth, Operation, StreamOperation};
use crate::redact::Redactor;
use crate::response::{api_error_of, classify, unexpected_content_type, HeadKind};
use crate::retry::{CallKind, RetryDecision, RetryPolicy};
use crate::trace::Trace;
use crate::transport::{declared_length, read_body_sized, Transport};
use crate::types::Health;

/// A client for one worker over transport `T`. Cheap to clone (shared
/// configuration and transport).
pub struct Client<T> {
    transport: Arc<T>,
    config: Arc<Config>,
}

impl<T> Clone for Client<T> {
    fn clone(&self) -> Self {
        Client {
            transport: Arc::clone(&self.transport),
            config: Arc::clone(&self.config),
        }
    }
}

impl<T> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("transport", &std::any::type_name::<T>())
            .finish()
    }
}

impl<T: Transport> Client<T> {
    /// A client for `config` over `transport`.
    pub fn new(config: Config, transport: T) -> Self {
        Client {
            transport: Arc::new(transport),
            config: Arc::new(config),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// A client sharing this one's transport, with another retry policy
    /// (for one call: `client.with_retry_policy(RetryPolicy::none()).agents().run(..)`).
    pub fn with_retry_policy(&self, policy: RetryPolicy) -> Self {
        self.with_config(|c| c.set_retry(policy))
    }

    /// A client sharing this one's transport, with other timeouts.
    pub fn with_timeouts(&self, timeouts: Timeouts) -> Self {
        self.with_config(|c| c.set_timeouts(timeouts))
    }

    fn with_config(&self, change: impl FnOnce(&mut Config)) -> Self {
        let mut config = (*self.config).clone();
        change(&mut config);
        Client {
            transport: Arc::clone(&self.transport),
            config: Arc::new(config),
        }
    }

    /// `GET /health` (no authentication).
    pub async fn health(&self) -> Result<Health, Error> {
        self.execute(&GetHealth::new()).await
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

    /// Datasets: list, create, get, update, delete, page through items,
    /// import CSV or JSONL through a staged import, versions and aliases.
    pub fn datasets(&self) -> Datasets<'_, T> {
        Datasets::new(self)
    }

    /// Memory: import, scan topics, list and read entries, delete, correct,
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

    /// Runs any request/response operation with this client's retry policy
    /// and deadline.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output, Error> {
        let trace = Trace::request::<O>();
        // Each future below is created in the `.await` that holds it: a
        // future kept in a variable (or an argument) first would be stored
        // twice in this one, and every call's future is moved and written
        // whole, so its size is paid on every call.
        let result = match self.config.timeouts().deadline {
            None => trace.instrument(self.attempts(op, &trace)).await,
            // Boxed: only calls with a deadline pay for racing a timer.
            Some(limit) => {
                trace
                    .instrument(Box::pin(self.attempts_within(limit, op, &trace)))
                    .await
            }
        }
        .map_err(|e| self.redactor().error(e));
        if let Err(e) = &result {
            trace.failed(e);
        }
        result
    }

    /// Scrubs this client's own API key from server-provided text.
    pub(crate) fn redactor(&self) -> Redactor<'_> {
        Redactor::new(self.config.api_key().map(ApiKey::expose))
    }

    /// [`attempts`](Self::attempts), failing with a deadline timeout once
    /// `limit` has passed.
    async fn attempts_within<O: Operation>(
        &self,
        limit: Duration,
        op: &O,
        trace: &Trace,
    ) -> Result<O::Output, Error> {
        let attempts = pin!(self.attempts(op, trace));
        deadline::race(attempts, self.transport.sleep(limit))
            .await
            .unwrap_or_else(|| Err(TimeoutError::new(TimeoutKind::Deadline, limit).into()))
    }

    /// Sends `op` and reads its whole response, retrying as the policy
    /// allows.
    async fn attempts<O: Operation>(&self, op: &O, trace: &Trace) -> Result<O::Output, Error> {
        let mut retries = 0;
        loop {
            let sent;
            // The request lives only in this block, so that it is not kept
            // in the future next to the transport's, which holds it.
            let response = {
                let request = op.build(&self.config)?;
                trace.sending(&self.config, &request, retries + 1);
                sent = trace.now(&*self.transport);
                self.transport.send(request)
            }
            .await;
            let error = match response {
                Ok(response) => {
                    trace.head(response.status(), sent, trace.now(&*self.transport));
                    let (parts, mut body) = response.into_parts();
                    let read = self.read_whole(&mut body, &parts.headers).await;
                    drop(body); // read: its connection is free before the parse
                    match read.and_then(|bytes| op.parse(Response::from_parts(parts, bytes))) {
                        Ok(output) => {
                            trace.run_ids(|| op.run_ids(&output));
                            return Ok(output);
                        }
                        Err(e) => e,
                    }
                }
                Err(e) => e,
            };
            retries = self.backoff(O::KIND, retries, error, trace).await?;
        }
    }

    /// Sleeps before retry number `retries + 1`, or gives the error back.
    async fn backoff(
        &self,
        kind: CallKind,
        retries: u32,
        error: Error,
        trace: &Trace,
    ) -> Result<u32, Error> {
        let jitter = self.transport.jitter();
        match self
            .config
            .retry_policy()
            .decide(kind, retries, &error, jitter)
        {
            RetryDecision::RetryAfter(wait) => {
                trace.retry(retries + 1, wait, &error);
                self.transport.sleep(wait).await;
                Ok(retries + 1)
            }
            RetryDecision::GiveUp => Err(error),
        }
    }

    /// Sends one request, returning the response head (recorded on
    /// `trace` with the time to first byte) and body.
    async fn send(
        &self,
        request: http::Request<Bytes>,
        trace: &Trace,
    ) -> Result<Response<T::Body>, Error> {
        let sent = trace.now(&*self.transport);
        let response = self.transport.send(request).await?;
        trace.head(response.status(), sent, trace.now(&*self.transport));
        Ok(response)
    }

    /// Reads a whole response body (bounded by the configured limit).
    pub(crate) async fn read_whole(
        &self,
        body: &mut T::Body,
        headers: &http::HeaderMap,
    ) -> Result<WholeBody, Error> {
        let limit = self.config.limits().max_response_bytes;
        read_body_sized(body, limit, declared_length(headers)).await
    }

    /// Opens an SSE operation: retries failures before the stream starts (as
    /// the retry policy allows), reads error bodies into typed errors, and
    /// returns the body of a `text/event-stream` response.
    pub async fn open_stream<O: StreamOperation>(&self, op: &O) -> Result<T::Body, Error> {
        let trace = Trace::stream::<O>();
        self.open_traced(op, &trace)
            .await
            .inspect_err(|e| trace.failed(e))
    }

    /// [`open_stream`](Self::open_stream), recording into the span of the
    /// stream being (re)opened. Failures are the caller's to record: a run
    /// stream's failed reconnect may still be followed by a good one.
    pub(crate) async fn open_traced<O: StreamOperation>(
        &self,
        op: &O,
        trace: &Trace,
    ) -> Result<T::Body, Error> {
        let opening = async {
            let mut retries = 0;
            loop {
                let request = op.build(&self.config)?;
                trace.sending(&self.config, &request, retries + 1);
                match self.open_once(request, trace).await {
                    Ok(body) => return Ok(body),
                    Err(error) => retries = self.backoff(O::KIND, retries, error, trace).await?,
                }
            }
        };
        trace
            .instrument(opening)
            .await
            .map_err(|e| self.redactor().error(e))
    }

    async fn open_once(
        &self,
        request: http::Request<Bytes>,
        trace: &Trace,
    ) -> Result<T::Body, Error> {
        let response = self.send(request, trace).await?;
        let (parts, mut body) = response.into_parts();
        match classify(parts.status, &parts.headers, true) {
            HeadKind::Error => {
                let whole = self.read_whole(&mut body, &parts.headers).await?;
                Err(api_error_of(parts.status, &parts.headers, &whole))
            }
            HeadKind::UnexpectedContentType => Err(unexpected_content_type(&parts.headers)),
            _ => Ok(body),
        }
    }
}
