//! Rust client for the [Agntz](https://agntz.co) agent worker API.
//!
//! Run AI agents defined as YAML manifests on a hosted or self-hosted worker:
//! run to completion, stream events over SSE, start durable runs and follow
//! them, read traces and sessions. Errors are typed (401, 404, 429, the
//! worker's stable codes), streams deliver every event received before any
//! error, and the API key never appears in `Debug` output or errors.
//!
//! ```no_run
//! use agntz_client::{AgntzClient, RunRequest, StreamEvent};
//! use serde_json::json;
//!
//! # async fn demo() -> Result<(), agntz_client::Error> {
//! let client = AgntzClient::builder()
//!     .api_key("ar_live_...")
//!     .base_url("https://api.agntz.co")
//!     .build()?;
//!
//! let result = client
//!     .agents()
//!     .run(RunRequest::new("support-agent").input(json!({ "message": "Hello" })))
//!     .await?;
//! println!("{}", result.output);
//!
//! let mut events = client.agents().stream(RunRequest::new("support-agent").input("Hi")).await?;
//! while let Some(event) = events.next().await {
//!     if let StreamEvent::Complete(done) = event? {
//!         println!("{} ({} tokens)", done.output, done.usage.total_tokens);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The default transport is reqwest with rustls. Enable the `hyper` feature
//! for a raw hyper 1.x transport ([`AgntzClientBuilder::build_hyper`]), or
//! implement [`Transport`] to bring your own HTTP stack.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod builder;

use std::ops::Deref;

pub use builder::AgntzClientBuilder;

pub use agntz_proto::client::{
    AgentStream, Agents, Artifacts, Client, ClientTools, Datasets, Memory, Pages, RunStream, Runs,
    Sessions, ToolResult, TraceStream, Traces,
};
pub use agntz_proto::client::{BatchResults, Batches, Evals, WebhookSecrets};
pub use agntz_proto::config::{ApiKey, Config, Limits, Timeouts, DEFAULT_BASE_URL};
pub use agntz_proto::error::{
    ApiError, DecodeError, Error, StreamError, StreamErrorCode, TimeoutError, TimeoutKind,
    TransportError, TransportErrorKind,
};
pub use agntz_proto::events::*;
pub use agntz_proto::retry::RetryPolicy;
pub use agntz_proto::transport::Transport;
pub use agntz_proto::types::*;
pub use agntz_proto::uploads::{ContentError, ContentErrorKind};
pub use agntz_proto::{ops, sse, uploads, webhooks};
pub use agntz_reqwest::ReqwestTransport;

/// The core crate, for everything not re-exported here.
pub use agntz_proto as proto;

/// The raw hyper 1.x transport (feature `hyper`).
#[cfg(feature = "hyper")]
pub mod hyper {
    pub use agntz_hyper::HyperTransport;

    /// A client over the hyper transport.
    pub type HyperClient = agntz_proto::Client<HyperTransport>;
}

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "AGNTZ_API_KEY";
/// Environment variable holding the base URL (default [`DEFAULT_BASE_URL`]).
pub const ENV_BASE_URL: &str = "AGNTZ_BASE_URL";

/// The client most applications use: [`Client`] over reqwest (rustls).
///
/// Dereferences to [`Client<ReqwestTransport>`], so every resource method
/// (`agents()`, `artifacts()`, `datasets()`, `memory()`, `runs()`,
/// `traces()`, `sessions()`, `evals()`, `batches()`, `webhook_secrets()`,
/// `health()`) is available.
/// Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct AgntzClient {
    inner: Client<ReqwestTransport>,
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

    /// A client from `AGNTZ_API_KEY` and `AGNTZ_BASE_URL` (default
    /// `https://api.agntz.co`). Fails with [`Error::InvalidRequest`] when the
    /// key is missing.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }

    /// Wraps a core client.
    pub fn from_client(inner: Client<ReqwestTransport>) -> Self {
        AgntzClient { inner }
    }

    /// The core client.
    pub fn into_inner(self) -> Client<ReqwestTransport> {
        self.inner
    }
}

impl Deref for AgntzClient {
    type Target = Client<ReqwestTransport>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

/// The README's compiled examples.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
