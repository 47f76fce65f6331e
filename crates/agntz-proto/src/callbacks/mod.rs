//! Receiving callback-tool deliveries: the worker calling your endpoint in
//! the middle of a run.
//!
//! A manifest tool of `kind: callback` names a URL and a stored secret (the
//! same store `/webhook-secrets` writes). When the model calls the tool
//! (it sees `callback__<name>`), the worker POSTs the call to the URL and
//! the answer becomes the tool result:
//!
//! ```yaml
//! tools:
//!   - kind: callback
//!     name: find_recipes
//!     url: https://api.example.com/agntz/tools
//!     secret: recipes_callback   # the NAME of a webhook secret
//!     timeoutMs: 10000           # 1000..120000, default 30000
//!     maxRetries: 2              # 0..5, default 2
//!     inputSchema:
//!       type: object
//!       properties: { query: { type: string } }
//!       required: [query]
//! ```
//!
//! Each delivery carries [`SIGNATURE_HEADER`] (`sha256=<hex>`, the
//! HMAC-SHA256 of `timestamp + "." + deliveryId + "." + body` keyed with the
//! secret's value), [`TIMESTAMP_HEADER`] and [`DELIVERY_ID_HEADER`] (also
//! sent as [`IDEMPOTENCY_KEY_HEADER`]), all the same on every retry of one
//! call. This module is sans-IO: it checks a request you already read
//! ([`CallbackVerifier`]), types it ([`CallbackRequest`]), builds the answer
//! ([`CallbackResponse`]) and remembers answered deliveries
//! ([`DeliveryStore`]). The `agntz-client` crate (feature `callbacks`) wraps
//! all of it in a ready HTTP service.
//!
//! ```
//! use std::time::SystemTime;
//! use agntz_proto::callbacks::{CallbackResponse, CallbackVerifier};
//!
//! #[derive(serde::Deserialize)]
//! struct FindRecipes {
//!     query: String,
//! }
//!
//! # fn main() -> Result<(), agntz_proto::callbacks::CallbackError> {
//! let verifier = CallbackVerifier::new("whsec_0123"); // the secret's value
//! # let body = br#"{"tool":"find_recipes","args":{"query":"pasta"},"runtime":{"sessionId":"s","runId":"r","agentId":"a"},"delivery":{"id":"cbd_1","timestamp":"2026-12-06T07:28:21.126Z"}}"#;
//! # let headers = verifier.signed_headers("2026-12-06T07:28:21.126Z", "cbd_1", body);
//! # let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_796_542_101_126);
//! // In your HTTP handler: the request's headers, its raw body, the time now.
//! let call = verifier.verify(&headers, body, now)?;
//! let response = match call.tool.as_str() {
//!     "find_recipes" => {
//!         let call = call.decode::<FindRecipes>()?;
//!         CallbackResponse::json(&vec![format!("{} al forno", call.args.query)])
//!             .expect("a list of strings is JSON")
//!     }
//!     _ => CallbackResponse::unknown_tool(),
//! };
//! assert_eq!(response.status(), 200);
//! assert_eq!(&response.body()[..], br#"["pasta al forno"]"#);
//! # Ok(())
//! # }
//! ```
//!
//! What the worker does with the answer: a 2xx JSON body is the tool result
//! the model sees (a non-JSON body is taken as text); 408, 429, 5xx, a
//! network error or a timeout is retried (up to `maxRetries` more times,
//! after 100 ms, 200 ms, 400 ms…) with the same delivery id; any other 4xx
//! is final, and the model sees `{"error":"Callback delivery failed: HTTP
//! <status>: <body>","deliveryId":"cbd_…"}`. Answer 4xx for "invalid
//! arguments" or "forbidden", and 429/503 only where running the same call
//! again is safe; store each final answer under its delivery id so that a
//! retry gets it again instead of repeating a mutation.

mod dedupe;
mod request;
mod response;
mod verify;

use http::header::HeaderName;

pub use dedupe::{Claim, DeliveryStore, MemoryDeliveryStore};
pub use request::{CallbackDelivery, CallbackRequest, CallbackRuntime};
pub use response::CallbackResponse;
pub use verify::{CallbackError, CallbackVerifier, DEFAULT_TOLERANCE};

/// `X-Agntz-Signature`: `sha256=<hex HMAC-SHA256 of timestamp.deliveryId.body>`.
pub const SIGNATURE_HEADER: HeaderName = HeaderName::from_static("x-agntz-signature");
/// `X-Agntz-Timestamp`: when the call was made, ISO-8601 UTC with
/// milliseconds (`2026-12-06T07:28:21.126Z`).
pub const TIMESTAMP_HEADER: HeaderName = HeaderName::from_static("x-agntz-timestamp");
/// `X-Agntz-Delivery-Id`: `cbd_` + 24 characters, the same on every retry.
pub const DELIVERY_ID_HEADER: HeaderName = HeaderName::from_static("x-agntz-delivery-id");
/// `Idempotency-Key`: the delivery id again.
pub const IDEMPOTENCY_KEY_HEADER: HeaderName = HeaderName::from_static("idempotency-key");
