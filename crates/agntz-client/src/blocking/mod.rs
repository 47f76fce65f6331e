//! A blocking client, for programs without an async runtime: CLIs,
//! scripts, build tools, synchronous web frameworks (feature `blocking`).
//!
//! The same resource API as the async [`crate::AgntzClient`], with plain
//! methods; streams are `Iterator`s. No async in your code and no runtime
//! to manage: the client owns a small tokio runtime (one background
//! thread, started by the builder, stopped when the last clone and stream
//! are dropped).
//!
//! ```no_run
//! use agntz_client::blocking::AgntzClient;
//! use agntz_client::{RunRequest, StreamEvent};
//!
//! # fn main() -> Result<(), agntz_client::Error> {
//! let client = AgntzClient::builder()
//!     .api_key("ar_live_...")
//!     .base_url("https://api.agntz.co")
//!     .build()?;
//!
//! let result = client.agents().run(RunRequest::new("support-agent").input("Hello"))?;
//! println!("{}", result.output);
//!
//! for event in client.agents().stream(RunRequest::new("support-agent").input("Hi"))? {
//!     if let StreamEvent::Complete(done) = event? {
//!         println!("{} ({} tokens)", done.output, done.usage.total_tokens);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! # Threads
//!
//! [`AgntzClient`] is `Send + Sync` and cheap to clone: share one across
//! threads. Each call runs on the thread that made it (its future is
//! polled there while the runtime's thread drives the sockets), so calls
//! from several threads proceed at once and a stream's events reach you
//! without a hop through a channel. Streams ([`Iter`]) are `Send` and may
//! move to another thread.
//!
//! # Inside an async runtime
//!
//! A blocking call made from inside an async runtime (a tokio task, or any
//! thread in a runtime's context, `spawn_blocking` threads included) would
//! stall that runtime's thread; instead it fails at once with
//! [`Error::Blocking`](crate::Error::Blocking) of kind
//! [`InsideAsyncRuntime`](crate::BlockingErrorKind::InsideAsyncRuntime),
//! and nothing is sent. Use the async client there. Building and dropping
//! a blocking client is allowed anywhere.
//!
//! # Client tools
//!
//! [`ClientTools`] takes plain functions. Each handler call runs on a
//! short-lived thread of its own, outside any runtime, so a handler may use
//! the blocking client too.
//!
//! # Why a feature
//!
//! `blocking` is off by default, as in reqwest: async programs, the
//! crate's main audience, neither need nor compile it, and it adds tokio's
//! multi-thread scheduler to the facade's dependencies.

mod agent_tooling;
mod agents;
mod artifacts;
mod batches;
mod builder;
mod client;
mod datasets;
mod evals;
mod iter;
pub(crate) mod macros;
mod memory;
mod runs;
mod runtime;
mod sessions;
mod tools;
mod traces;
mod webhook_secrets;

pub use agents::Agents;
pub use artifacts::Artifacts;
pub use batches::Batches;
pub use builder::AgntzClientBuilder;
pub use client::AgntzClient;
pub use datasets::Datasets;
pub use evals::Evals;
pub use iter::Iter;
pub use memory::Memory;
pub use runs::Runs;
pub use sessions::Sessions;
pub use tools::ClientTools;
pub use traces::Traces;
pub use webhook_secrets::WebhookSecrets;

use agntz_reqwest::ReqwestTransport;

/// The events of one `POST /run/stream` run, as an iterator (see
/// [`crate::AgentStream`]).
pub type AgentStream<T = ReqwestTransport> = Iter<crate::AgentStream<T>>;

/// The events of a run tree, resuming after a dropped connection, as an
/// iterator (see [`crate::RunStream`]).
pub type RunStream<T = ReqwestTransport> = Iter<crate::RunStream<T>>;

/// The events of one block run (`agents().stream_block()`), as an
/// iterator (see [`crate::BlockStream`]).
pub type BlockStream<T = ReqwestTransport> = Iter<crate::BlockStream<T>>;

/// The live events of a trace, as an iterator (see [`crate::TraceStream`]).
pub type TraceStream<T = ReqwestTransport> = Iter<crate::TraceStream<T>>;

/// Every row of a listing, fetching pages as it is read (see
/// [`crate::Pages`]).
pub type Pages<T, O> = Iter<crate::Pages<T, O>>;

/// The items of a batch run's `results.jsonl`, decoded as the body arrives
/// (see [`crate::BatchResults`]).
pub type BatchResults<T = ReqwestTransport> = Iter<crate::BatchResults<T>>;

/// The raw chunks of a response body ([`AgntzClient::open_stream`]).
pub type Body<T = ReqwestTransport> = Iter<<T as crate::Transport>::Body>;
