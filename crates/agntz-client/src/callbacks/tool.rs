//! Tool handlers: typed arguments in, a `Serialize` result or a
//! [`ToolError`] out, erased so that one router holds tools of many types.

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use agntz_proto::callbacks::{CallbackRequest, CallbackResponse};
use agntz_proto::BoxError;
use futures_util::FutureExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why a tool did not answer with a result, and so what the worker is told.
///
/// Any error converts into [`ToolError::failed`] with `?`: a 500 the worker
/// retries. The error's text is never sent.
#[non_exhaustive]
pub enum ToolError {
    /// 400 `{"error": message}`: unusable arguments. Not retried; the
    /// model sees the message.
    InvalidArguments(String),
    /// 403 `{"error": message}`: not allowed. Not retried; the model sees
    /// the message.
    Forbidden(String),
    /// 503: try again. Retried with the same delivery id.
    TryAgain,
    /// 429, with `Retry-After` when given. Retried with the same delivery id.
    RateLimited(Option<Duration>),
    /// 500 without details. Retried with the same delivery id.
    Failed(BoxError),
    /// This exact answer.
    Respond(CallbackResponse),
}

impl ToolError {
    /// 400 with `message` for the model.
    pub fn invalid_arguments(message: impl Into<String>) -> Self {
        ToolError::InvalidArguments(message.into())
    }

    /// 403 with `message` for the model.
    pub fn forbidden(message: impl Into<String>) -> Self {
        ToolError::Forbidden(message.into())
    }

    /// 503: the worker tries again (only where repeating is safe).
    pub fn try_again() -> Self {
        ToolError::TryAgain
    }

    /// 429: the worker tries again (only where repeating is safe).
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        ToolError::RateLimited(retry_after)
    }

    /// 500 for `error`, whose text stays here.
    pub fn failed(error: impl Into<BoxError>) -> Self {
        ToolError::Failed(error.into())
    }

    /// This answer as it is.
    pub fn respond(response: CallbackResponse) -> Self {
        ToolError::Respond(response)
    }

    /// The answer sent to the worker.
    pub fn to_response(&self) -> CallbackResponse {
        match self {
            ToolError::InvalidArguments(message) => CallbackResponse::invalid_arguments(message),
            ToolError::Forbidden(message) => CallbackResponse::forbidden(message),
            ToolError::TryAgain => CallbackResponse::try_again(),
            ToolError::RateLimited(after) => CallbackResponse::rate_limited(*after),
            ToolError::Failed(_) => CallbackResponse::internal_error(),
            ToolError::Respond(response) => response.clone(),
        }
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::InvalidArguments(m) => f.debug_tuple("InvalidArguments").field(m).finish(),
            ToolError::Forbidden(m) => f.debug_tuple("Forbidden").field(m).finish(),
            ToolError::TryAgain => f.write_str("TryAgain"),
            ToolError::RateLimited(after) => f.debug_tuple("RateLimited").field(after).finish(),
            ToolError::Failed(e) => f.debug_tuple("Failed").field(e).finish(),
            ToolError::Respond(r) => f.debug_tuple("Respond").field(&r.status()).finish(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ToolError::InvalidArguments(m) => write!(f, "invalid arguments: {m}"),
            ToolError::Forbidden(m) => write!(f, "forbidden: {m}"),
            ToolError::TryAgain => f.write_str("try again"),
            ToolError::RateLimited(_) => f.write_str("rate limited"),
            ToolError::Failed(e) => write!(f, "the tool failed: {e}"),
            ToolError::Respond(r) => write!(f, "answered {}", r.status()),
        }
    }
}

// `ToolError` is not itself an `Error`, so that every error converts into
// it with `?` (as `anyhow` does).
impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(error: E) -> Self {
        ToolError::Failed(Box::new(error))
    }
}

/// How a handler's call ended.
pub(crate) enum Outcome {
    /// The answer to send (a result or a [`ToolError`]'s).
    Answer(CallbackResponse, Option<ToolError>),
    /// The handler panicked: 500, with the panic's message for the
    /// failure hook only.
    Panicked(CallbackResponse, String),
}

pub(crate) type Running = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// A call whose arguments decoded, ready to run the handler.
pub(crate) type Start = Box<dyn FnOnce() -> Running + Send>;

/// A handler with its argument type erased: decodes the arguments (`Err`:
/// the 400 to answer at once), and hands back the call to start, so that
/// nothing of the handler runs before the delivery id is claimed.
pub(crate) type Erased =
    dyn Fn(CallbackRequest<Value>) -> Result<Start, CallbackResponse> + Send + Sync;

/// The text of a panic's payload.
fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Erases `handler`.
pub(crate) fn erase<A, R, F, Fut>(handler: F) -> Box<Erased>
where
    A: DeserializeOwned + Send + 'static,
    R: Serialize,
    F: Fn(CallbackRequest<A>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
{
    let handler = Arc::new(handler);
    Box::new(move |request: CallbackRequest<Value>| {
        let request = request
            .decode::<A>()
            .map_err(|e| CallbackResponse::rejected(&e))?;
        let handler = handler.clone();
        Ok(Box::new(move || run(handler.as_ref(), request)) as Start)
    })
}

/// Runs `handler`, catching a panic before its future exists or while it
/// runs.
fn run<A, R, F, Fut>(handler: &F, request: CallbackRequest<A>) -> Running
where
    R: Serialize,
    F: Fn(CallbackRequest<A>) -> Fut,
    Fut: Future<Output = Result<R, ToolError>> + Send + 'static,
{
    let future = match std::panic::catch_unwind(AssertUnwindSafe(|| handler(request))) {
        Ok(future) => future,
        Err(payload) => {
            let text = panic_text(payload.as_ref());
            return Box::pin(
                async move { Outcome::Panicked(CallbackResponse::internal_error(), text) },
            );
        }
    };
    Box::pin(async move {
        match AssertUnwindSafe(future).catch_unwind().await {
            Ok(Ok(result)) => match CallbackResponse::json(&result) {
                Ok(response) => Outcome::Answer(response, None),
                Err(e) => Outcome::Answer(
                    CallbackResponse::internal_error(),
                    Some(ToolError::failed(e)),
                ),
            },
            Ok(Err(error)) => Outcome::Answer(error.to_response(), Some(error)),
            Err(payload) => Outcome::Panicked(
                CallbackResponse::internal_error(),
                panic_text(payload.as_ref()),
            ),
        }
    })
}
