//! Sans-IO protocol core of the Agntz agent worker API.
//!
//! All protocol knowledge of the SDK lives here, with no IO: request
//! builders that return `http::Request<Bytes>`, parsers that take
//! `http::Response<WholeBody>` (a body held as the chunks it arrived in;
//! `Bytes` converts into it for free), an incremental SSE decoder, typed
//! events, the retry policy, and a [`Client`] written once over any
//! [`Transport`].
//!
//! Most applications use the `agntz-client` crate, which pairs this core with
//! a reqwest transport. Use this crate directly to bring your own HTTP stack
//! or to embed the protocol in a custom (even blocking) runtime:
//!
//! ```
//! use agntz_proto::config::Config;
//! use agntz_proto::ops::{Operation, RunAgent};
//! use agntz_proto::types::RunRequest;
//!
//! let config = Config::builder()
//!     .base_url("http://127.0.0.1:4001")
//!     .api_key("ar_live_example")
//!     .build()?;
//! let op = RunAgent::new(RunRequest::new("support-agent").input("Hello"));
//! let request = op.build(&config)?;
//! assert_eq!(request.uri(), "http://127.0.0.1:4001/run");
//! assert_eq!(request.body().as_ref(), br#"{"agentId":"support-agent","input":"Hello"}"#);
//!
//! // ...send it with any HTTP client, then:
//! let response = http::Response::builder()
//!     .status(200)
//!     .body(bytes::Bytes::from_static(br#"{"output":"ECHO: Hello","state":{},"runId":"run_1","status":"completed","model":"m","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}"#))
//!     .unwrap();
//! let result = op.parse(response.map(Into::into))?;
//! assert_eq!(result.output, "ECHO: Hello");
//! # Ok::<(), agntz_proto::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod body;
pub mod callbacks;
pub mod client;
pub mod config;
pub mod encode;
pub mod error;
pub mod events;
mod json;
pub mod jsonl;
mod multipart;
pub mod ops;
mod redact;
mod request;
pub mod response;
pub mod retry;
#[cfg(feature = "tracing")]
#[cfg_attr(docsrs, doc(cfg(feature = "tracing")))]
pub mod spans;
pub mod sse;
pub mod stream;
mod trace;
pub mod transport;
pub mod types;
pub mod uploads;
pub mod webhooks;

pub use body::WholeBody;
pub use client::{
    AgentStream, Agents, Artifacts, BatchResults, Batches, BlockStream, Client, ClientTools,
    Datasets, Evals, Memory, Pages, RunStream, Runs, Sessions, TraceStream, Traces, Wait,
};
pub use config::{ApiKey, Config, ConfigBuilder, Limits, Timeouts};
pub use error::{
    ApiError, BlockingError, BlockingErrorKind, BoxError, DecodeError, Error, StreamError,
    StreamErrorCode, TimeoutError, TimeoutKind, TransportError, TransportErrorKind,
};
pub use retry::RetryPolicy;
pub use transport::Transport;
pub use uploads::{ContentError, ContentErrorKind};
