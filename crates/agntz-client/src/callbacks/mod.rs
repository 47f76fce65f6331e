//! Callback tools: answering the worker's calls from your service.
//!
//! A manifest tool of `kind: callback` makes the worker POST each call of
//! the tool to your URL, signed with a webhook secret; the answer is the
//! tool result the model sees. The sans-IO pieces (verifier, typed request,
//! responses, de-duplication) are those of
//! [`agntz_proto::callbacks`], re-exported here.
//! With the `callbacks` feature this module adds [`CallbackRouter`]: a ready
//! receiver that routes each call by tool name to an async handler, usable
//! as a `hyper` service and as a `tower::Service` (so it mounts in axum and
//! other tower stacks as it is).
//!
//! ```no_run
//! # #[cfg(feature = "callbacks")]
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use agntz_client::callbacks::{CallbackRequest, CallbackRouter, CallbackVerifier, ToolError};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Deserialize)]
//! struct FindRecipes {
//!     query: String,
//! }
//!
//! #[derive(Serialize)]
//! struct Recipe {
//!     title: String,
//! }
//!
//! async fn find_recipes(call: CallbackRequest<FindRecipes>) -> Result<Vec<Recipe>, ToolError> {
//!     if call.args.query.trim().is_empty() {
//!         // 400: not retried; the model sees the message.
//!         return Err(ToolError::invalid_arguments("query must not be empty"));
//!     }
//!     // `call.runtime` says which run (and session) asked: trust it, not the arguments.
//!     Ok(vec![Recipe { title: format!("{} al forno", call.args.query) }])
//! }
//!
//! let secret = std::env::var("RECIPES_CALLBACK_SECRET")?; // the whsec_… value
//! let router = CallbackRouter::builder(CallbackVerifier::new(secret))
//!     .tool("find_recipes", find_recipes)
//!     .build();
//! // Serve `router` with hyper (`serve_connection(io, router.clone())`), or
//! // mount it in axum: `Router::new().route_service("/agntz/tools", router)`.
//! # let _ = router;
//! # Ok(()) }
//! ```

pub use agntz_proto::callbacks::*;

#[cfg(feature = "callbacks")]
mod router;
#[cfg(feature = "callbacks")]
mod tool;

#[cfg(feature = "callbacks")]
#[cfg_attr(docsrs, doc(cfg(feature = "callbacks")))]
pub use router::{CallbackRouter, CallbackRouterBuilder, Failure, ServiceFuture};
#[cfg(feature = "callbacks")]
#[cfg_attr(docsrs, doc(cfg(feature = "callbacks")))]
pub use tool::ToolError;
