//! The one error type of the SDK, split by the phase in which a call failed.
//!
//! | Phase | Variant |
//! |---|---|
//! | the request could not be built (bad base URL, bad input) | [`Error::InvalidRequest`] |
//! | the network failed (connect, TLS, reset) | [`Error::Transport`] |
//! | a timeout fired | [`Error::Timeout`] |
//! | the worker answered 401 / 404 / 429 / another non-2xx | [`Error::Authentication`], [`Error::NotFound`], [`Error::RateLimited`], [`Error::Api`] |
//! | an SSE stream broke its contract (truncated, bad payload, in-band error) | [`Error::Stream`] |
//! | a 2xx body could not be decoded | [`Error::Decode`] |
//! | a file or bytes content block could not be uploaded | [`Error::Content`] |
//! | a blocking call was made inside an async runtime (nothing was sent) | [`Error::Blocking`] |

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::StatusCode;

/// A boxed error from a lower layer (the HTTP stack, TLS, a socket).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in a call to the worker.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built: the configuration or the input was
    /// invalid. Nothing was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The HTTP exchange failed below the protocol (connect, TLS, reset).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A timeout fired.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// The worker answered `401 Unauthorized`: the API key is missing, unknown
    /// or revoked.
    #[error("authentication failed: {0}")]
    Authentication(Box<ApiError>),
    /// The worker answered `404 Not Found` (unknown agent, run, trace, or a
    /// resource of another tenant).
    #[error("not found: {0}")]
    NotFound(Box<ApiError>),
    /// The worker answered `429 Too Many Requests`; see
    /// [`ApiError::retry_after`].
    #[error("rate limited: {0}")]
    RateLimited(Box<ApiError>),
    /// Any other non-success status.
    #[error("api error: {0}")]
    Api(Box<ApiError>),
    /// An SSE stream broke its contract, or the worker reported an in-band
    /// stream failure.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A success response whose body could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A file or bytes content block could not be uploaded: a missing or
    /// unreadable file, an unknown media type or one the worker refuses for
    /// the block, more than 50 MiB. Found before the request that needed it
    /// was sent.
    #[error(transparent)]
    Content(#[from] crate::uploads::ContentError),
    /// A response body exceeded the configured maximum size
    /// ([`Limits::max_response_bytes`](crate::config::Limits)); reading
    /// stopped there.
    #[error("response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A blocking client (`agntz_client::blocking`) refused or could not
    /// run the call: it was made from inside an async runtime, or the
    /// client's own runtime could not start. Nothing was sent.
    #[error(transparent)]
    Blocking(#[from] BlockingError),
}

impl Error {
    /// The HTTP status, for API errors and decode errors.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Authentication(e)
            | Error::NotFound(e)
            | Error::RateLimited(e)
            | Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// The stable error code: the worker's `code` for API errors (for example
    /// `NOT_FOUND`, `MISSING_CLIENT_TOOLS`), or the client-side stream code
    /// (`STREAM_TRUNCATED`, `INVALID_SSE_PAYLOAD`, ...).
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Authentication(e)
            | Error::NotFound(e)
            | Error::RateLimited(e)
            | Error::Api(e) => e.code.as_deref(),
            Error::Stream(e) => Some(e.code.as_str()),
            _ => None,
        }
    }

    /// The API error details, for the four API variants.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Authentication(e)
            | Error::NotFound(e)
            | Error::RateLimited(e)
            | Error::Api(e) => Some(e.as_ref()),
            _ => None,
        }
    }

    /// Builds the variant matching `err.status` (401, 404, 429, other).
    pub fn from_api(err: ApiError) -> Self {
        let status = err.status.as_u16();
        let err = Box::new(err);
        match status {
            401 => Error::Authentication(err),
            404 => Error::NotFound(err),
            429 => Error::RateLimited(err),
            _ => Error::Api(err),
        }
    }

    /// This error with `secret` scrubbed from every text it carries: each
    /// occurrence (so `Bearer <secret>` too), and a cut-off start of it at
    /// the very end of a text, becomes `[REDACTED]`. The [`Client`](crate::Client)
    /// does this with its own API key for every error it returns; call it
    /// when parsing responses yourself through the sans-IO operations.
    pub fn redact(self, secret: &str) -> Error {
        crate::redact::Redactor::new(Some(secret)).error(self)
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidRequest(msg.into())
    }
}

/// A non-success answer from the worker.
///
/// The worker's error body is flat: `{"error": "...", "code"?: "...",
/// "details"?: [...]}`. Plain-text or empty bodies give the message
/// `HTTP <status>` and no code.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status of the response.
    pub status: StatusCode,
    /// The worker's stable error code (`NOT_FOUND`, `BAD_REQUEST`,
    /// `MISSING_CLIENT_TOOLS`, `STRUCTURED_OUTPUT_INVALID`, ...), when sent.
    pub code: Option<String>,
    /// Human-readable message (`error` in the body), or `HTTP <status>`.
    pub message: String,
    /// The `details` value, when sent (for example the missing client-tool
    /// names of `MISSING_CLIENT_TOOLS`).
    pub details: Option<serde_json::Value>,
    /// How long the server asked us to wait (`Retry-After` header, seconds or
    /// HTTP date, or the body's `retryAfterSeconds`).
    pub retry_after: Option<Duration>,
    /// The whole JSON body, when it was a JSON object (keeps context keys
    /// such as `sessionId` on a session-import conflict).
    pub body: Option<serde_json::Value>,
}

impl ApiError {
    /// An error with just a status and a message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: None,
            message: message.into(),
            details: None,
            retry_after: None,
            body: None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Stable codes of stream errors. The first three are the codes the official
/// clients use; the rest are ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamErrorCode {
    /// The body ended before the stream's terminal event.
    Truncated,
    /// A frame's `data` was not the JSON the event requires.
    InvalidPayload,
    /// The worker reported a failure in-band (`stream-error` frame).
    ServerError,
    /// A single SSE event exceeded the configured maximum size.
    EventTooLarge,
    /// A success response to an SSE call was not `text/event-stream`.
    UnexpectedContentType,
    /// `agents().run()` over the stream endpoint got a `run-error` frame.
    RunFailed,
    /// Answering a client-tool request failed.
    ClientTool,
    /// Resuming a dropped run stream failed after every allowed attempt.
    ResumeExhausted,
}

impl StreamErrorCode {
    /// The wire-stable string, e.g. `STREAM_TRUNCATED`.
    pub fn as_str(self) -> &'static str {
        match self {
            StreamErrorCode::Truncated => "STREAM_TRUNCATED",
            StreamErrorCode::InvalidPayload => "INVALID_SSE_PAYLOAD",
            StreamErrorCode::ServerError => "STREAM_ERROR",
            StreamErrorCode::EventTooLarge => "EVENT_TOO_LARGE",
            StreamErrorCode::UnexpectedContentType => "UNEXPECTED_CONTENT_TYPE",
            StreamErrorCode::RunFailed => "RUN_FAILED",
            StreamErrorCode::ClientTool => "CLIENT_TOOL_FAILED",
            StreamErrorCode::ResumeExhausted => "RESUME_EXHAUSTED",
        }
    }
}

impl fmt::Display for StreamErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An SSE stream broke its contract, or the worker reported an in-band
/// failure.
#[derive(Debug, thiserror::Error)]
#[error("stream error {code}: {message}")]
#[non_exhaustive]
pub struct StreamError {
    /// Stable code.
    pub code: StreamErrorCode,
    /// Human-readable message.
    pub message: String,
    /// The lower-level cause, when there is one.
    #[source]
    pub source: Option<BoxError>,
}

impl StreamError {
    /// A stream error with a code and message.
    pub fn new(code: StreamErrorCode, message: impl Into<String>) -> Self {
        StreamError {
            code,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches a cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// What kind of transport failure happened. Retry policy depends on it: only
/// a [`TransportErrorKind::Connect`] failure proves the request never reached
/// the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (DNS, refused, TLS handshake).
    /// The request was not sent.
    Connect,
    /// The request was (possibly) sent but the exchange failed: the
    /// connection closed or reset before or while the response head arrived.
    Request,
    /// Reading the response body failed after the head arrived.
    Body,
    /// The transport refused the request (for example a redirect policy or an
    /// invalid URI).
    Other,
}

/// A failure of the HTTP stack below the protocol.
#[derive(Debug, thiserror::Error)]
#[error("transport error ({kind:?}): {message}")]
#[non_exhaustive]
pub struct TransportError {
    /// What failed.
    pub kind: TransportErrorKind,
    /// Description (never contains the API key).
    pub message: String,
    /// The underlying error.
    #[source]
    pub source: Option<BoxError>,
}

impl TransportError {
    /// A transport error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// Which timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection (TCP + TLS) took too long.
    Connect,
    /// No byte arrived for longer than the idle-read timeout (waiting for the
    /// response head, or between body chunks).
    Idle,
    /// The whole call exceeded its overall deadline.
    Deadline,
    /// Polling for a finished run exceeded the bound of its
    /// [`Wait`](crate::client::Wait).
    Wait,
}

/// A timeout fired.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind:?} timeout after {after:?}")]
#[non_exhaustive]
pub struct TimeoutError {
    /// Which timeout.
    pub kind: TimeoutKind,
    /// The configured duration that elapsed.
    pub after: Duration,
}

impl TimeoutError {
    /// A timeout of `kind` after `after`.
    pub fn new(kind: TimeoutKind, after: Duration) -> Self {
        TimeoutError { kind, after }
    }
}

/// A success response whose body could not be decoded. Keeps the raw body.
#[derive(Debug, thiserror::Error)]
#[error("could not decode the {status} response body: {message}")]
#[non_exhaustive]
pub struct DecodeError {
    /// Status of the response.
    pub status: StatusCode,
    /// What was wrong.
    pub message: String,
    /// The raw body as received: whole when it arrived in one piece or
    /// with a `Content-Length` (kept without a copy); a body that arrived
    /// in several chunks without one keeps its first 64 KiB only, so a
    /// failed decode never copies a large body.
    pub body: Bytes,
}

impl DecodeError {
    /// A decode error for `body`.
    pub fn new(status: StatusCode, message: impl Into<String>, body: Bytes) -> Self {
        DecodeError {
            status,
            message: message.into(),
            body,
        }
    }
}

/// Why a blocking client refused a call or could not run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockingErrorKind {
    /// The call was made from inside an async runtime (a task, or a thread
    /// that entered a runtime's context), where blocking would stall the
    /// runtime's thread. Use the async client there.
    InsideAsyncRuntime,
    /// The blocking client's own runtime could not be started (the
    /// operating system refused a thread or an event loop).
    RuntimeStart,
}

/// A blocking client refused a call or could not run it; see
/// [`BlockingErrorKind`].
#[derive(Debug, thiserror::Error)]
#[error("blocking client: {message}")]
#[non_exhaustive]
pub struct BlockingError {
    /// What went wrong.
    pub kind: BlockingErrorKind,
    /// Description.
    pub message: String,
    /// The underlying error, when there is one.
    #[source]
    pub source: Option<BoxError>,
}

impl BlockingError {
    /// A blocking error of `kind`.
    pub fn new(kind: BlockingErrorKind, message: impl Into<String>) -> Self {
        BlockingError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }
}
