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
//! implement [`Transport`] to bring your own HTTP stack
//! ([`AgntzClientBuilder::build_with`]). Every transport gives the same
//! type, [`AgntzClient<T>`](AgntzClient), so code generic over `T` works
//! with all of them:
//!
//! ```no_run
//! use agntz_client::{AgntzClient, Transport};
//!
//! async fn health<T: Transport>(client: &AgntzClient<T>) -> Result<bool, agntz_client::Error> {
//!     Ok(client.health().await?.is_ok())
//! }
//! ```
//!
//! Enable the `tracing` feature for one span per call and per stream
//! (target `agntz`: operation, method, path template with ids as fields,
//! status, attempt, retry waits, run and session ids, time to first byte)
//! and events for retries and stream reconnects; the `spans` module lists
//! them all. The API key and bodies are never recorded.
//!
//! Enable the `callbacks` feature for a ready receiver of callback-tool
//! calls ([`callbacks::CallbackRouter`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod builder;
pub mod callbacks;
pub mod transport;

use std::ops::Deref;

pub use builder::AgntzClientBuilder;

pub use agntz_proto::client::{
    AgentStream, Agents, Artifacts, Client, ClientTools, Datasets, Memory, Pages, RunStream, Runs,
    Sessions, ToolResult, TraceStream, Traces,
};
pub use agntz_proto::client::{BatchResults, Batches, BlockStream, Evals, Wait, WebhookSecrets};
pub use agntz_proto::config::{ApiKey, Config, Limits, Timeouts, DEFAULT_BASE_URL};
pub use agntz_proto::error::{
    ApiError, BlockingError, BlockingErrorKind, DecodeError, Error, StreamError, StreamErrorCode,
    TimeoutError, TimeoutKind, TransportError, TransportErrorKind,
};
pub use agntz_proto::events::*;
pub use agntz_proto::retry::RetryPolicy;
pub use agntz_proto::types::*;
pub use agntz_proto::uploads::{ContentError, ContentErrorKind};
pub use agntz_proto::{body, ops, sse, uploads, webhooks};

/// What the `tracing` feature records: span names, fields and events.
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub use agntz_proto::spans;
pub use transport::{ReqwestTransport, Transport};

/// The core crate, for everything not re-exported here.
pub use agntz_proto as proto;

/// The `http` crate this SDK's public signatures use (`http::HeaderMap` for
/// webhook verification, `http::Request` for custom transports), so users
/// need not add and version-match it themselves.
pub use http;

/// The `bytes` crate of the [`Transport`] trait's bodies.
pub use bytes;

/// The `serde_json` crate whose `Value` carries open-shaped fields
/// (inputs, outputs, state).
pub use serde_json;

/// The `Stream` trait every SDK stream implements (besides its inherent
/// `next()`), for use with `futures` combinators.
pub use futures_core::Stream;

/// Environment variable holding the API key.
pub const ENV_API_KEY: &str = "AGNTZ_API_KEY";
/// Environment variable holding the base URL (default [`DEFAULT_BASE_URL`]).
pub const ENV_BASE_URL: &str = "AGNTZ_BASE_URL";
/// The official CLI's name for the base URL, read when [`ENV_BASE_URL`] is
/// not set, so one environment serves both tools.
pub const ENV_API_URL: &str = "AGNTZ_API_URL";

/// The client most applications use: the resource API over a transport,
/// reqwest (rustls) unless another is chosen.
///
/// Every transport gives this one type: [`AgntzClientBuilder::build`]
/// returns `AgntzClient` (= `AgntzClient<ReqwestTransport>`),
/// [`AgntzClientBuilder::build_hyper`] returns `AgntzClient<HyperTransport>`
/// and [`AgntzClientBuilder::build_with`] wraps your own [`Transport`].
///
/// Dereferences to [`Client<T>`], so every resource method
/// (`agents()`, `artifacts()`, `datasets()`, `memory()`, `runs()`,
/// `traces()`, `sessions()`, `evals()`, `batches()`, `webhook_secrets()`,
/// `health()`) is available.
/// Cheap to clone; share one per process.
pub struct AgntzClient<T: Transport = ReqwestTransport> {
    inner: Client<T>,
}

// By hand: `Client<T>` is cloneable and printable for every transport, so
// these need no bounds on `T` (a derive would ask for `T: Clone + Debug`).
impl<T: Transport> Clone for AgntzClient<T> {
    fn clone(&self) -> Self {
        AgntzClient {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Transport> std::fmt::Debug for AgntzClient<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgntzClient")
            .field("inner", &self.inner)
            .finish()
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

    /// A client from the environment: `AGNTZ_API_KEY` (required) and the
    /// base URL from `AGNTZ_BASE_URL`, else `AGNTZ_API_URL` (the official
    /// CLI's name), else `https://api.agntz.co`. Fails with
    /// [`Error::InvalidRequest`] when the key is missing.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().from_env()?.build()
    }
}

impl<T: Transport> AgntzClient<T> {
    /// Wraps a core client.
    pub fn from_client(inner: Client<T>) -> Self {
        AgntzClient { inner }
    }

    /// The core client.
    pub fn into_inner(self) -> Client<T> {
        self.inner
    }
}

impl<T: Transport> Deref for AgntzClient<T> {
    type Target = Client<T>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<T: Transport> From<Client<T>> for AgntzClient<T> {
    fn from(inner: Client<T>) -> Self {
        AgntzClient { inner }
    }
}

/// The crate README's compiled example (the repository README's examples
/// are compiled by the conformance crate, which is not published).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
