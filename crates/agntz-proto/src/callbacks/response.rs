//! The endpoint's answer, and what the worker makes of it.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;

use super::verify::CallbackError;

/// What a callback endpoint answers.
///
/// A 2xx body is the tool result (JSON, or text); the worker retries 408,
/// 429 and 5xx with the same delivery id and gives up at once on any other
/// 4xx, showing the model `HTTP <status>: <body>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackResponse {
    status: StatusCode,
    content_type: Option<&'static str>,
    retry_after: Option<u64>,
    allow: bool,
    body: Bytes,
}

/// `{"error": message}`.
fn error_body(message: &str) -> Bytes {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        error: &'a str,
    }
    // Serializing a struct of one string cannot fail.
    serde_json::to_vec(&ErrorBody { error: message })
        .map(Bytes::from)
        .unwrap_or_default()
}

impl CallbackResponse {
    fn new(status: StatusCode, content_type: Option<&'static str>, body: Bytes) -> Self {
        CallbackResponse {
            status,
            content_type,
            retry_after: None,
            allow: false,
            body,
        }
    }

    fn error(status: StatusCode, message: &str) -> Self {
        Self::new(status, Some("application/json"), error_body(message))
    }

    /// 200 with `value` as JSON: the tool result the model sees.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        let body = serde_json::to_vec(value)?;
        Ok(Self::new(
            StatusCode::OK,
            Some("application/json"),
            body.into(),
        ))
    }

    /// 200 with a JSON value.
    pub fn value(value: &serde_json::Value) -> Self {
        // A `Value` always serializes.
        Self::json(value).unwrap_or_else(|_| Self::internal_error())
    }

    /// 200 with plain text: the worker hands the text to the model as is
    /// (unless it happens to parse as JSON).
    pub fn text(text: impl Into<String>) -> Self {
        Self::new(
            StatusCode::OK,
            Some("text/plain; charset=utf-8"),
            Bytes::from(text.into()),
        )
    }

    /// 400 `{"error": message}`: the arguments are unusable. Not retried;
    /// the model sees the message.
    pub fn invalid_arguments(message: &str) -> Self {
        Self::error(StatusCode::BAD_REQUEST, message)
    }

    /// 403 `{"error": message}`: the call is not allowed (for this user,
    /// session…). Not retried; the model sees the message.
    pub fn forbidden(message: &str) -> Self {
        Self::error(StatusCode::FORBIDDEN, message)
    }

    /// 503: try again later. The worker retries with the same delivery id,
    /// so answer this only where repeating the call is safe.
    pub fn try_again() -> Self {
        Self::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "temporarily unavailable, try again",
        )
    }

    /// 429, with `Retry-After` when given (whole seconds, rounded up). The
    /// worker retries on its own schedule, not the header's.
    pub fn rate_limited(retry_after: Option<Duration>) -> Self {
        let mut response = Self::error(StatusCode::TOO_MANY_REQUESTS, "rate limited, try again");
        response.retry_after = retry_after.map(|d| d.as_secs() + u64::from(d.subsec_nanos() > 0));
        response
    }

    /// 404: no tool of that name here. Not retried.
    pub fn unknown_tool() -> Self {
        Self::error(StatusCode::NOT_FOUND, "unknown tool")
    }

    /// 500 without details: the handler failed. Retried by the worker.
    pub fn internal_error() -> Self {
        Self::error(StatusCode::INTERNAL_SERVER_ERROR, "the tool failed")
    }

    /// The answer to a refused delivery: 401 for authentication failures,
    /// 400 for a bad payload or arguments (neither retried). The message is
    /// the error's, which never quotes the secret.
    pub fn rejected(error: &CallbackError) -> Self {
        Self::error(error.status(), &error.to_string())
    }

    /// 204 with `Allow: POST, OPTIONS`: the answer to the worker's
    /// `OPTIONS` probe of the URL when a manifest is imported.
    pub fn options() -> Self {
        let mut response = Self::new(StatusCode::NO_CONTENT, None, Bytes::new());
        response.allow = true;
        response
    }

    /// 405 with `Allow: POST, OPTIONS`, for any other method.
    pub fn method_not_allowed() -> Self {
        let mut response = Self::error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
        response.allow = true;
        response
    }

    /// 413: the body is larger than the receiver accepts. Not retried.
    pub fn too_large() -> Self {
        Self::error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Whether the worker retries this answer (408, 429, 5xx): such an
    /// answer is not final, so it is not stored for the delivery id.
    pub fn is_retryable(&self) -> bool {
        let code = self.status.as_u16();
        code == 408 || code == 429 || self.status.is_server_error()
    }

    /// Whether this is a final answer to remember under the delivery id: a
    /// success, or a 4xx the worker does not retry.
    pub fn is_final(&self) -> bool {
        !self.is_retryable() && (self.status.is_success() || self.status.is_client_error())
    }

    /// The HTTP response.
    pub fn into_response(self) -> Response<Bytes> {
        let mut response = Response::new(self.body);
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(content_type) = self.content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.allow {
            headers.insert(ALLOW, HeaderValue::from_static("POST, OPTIONS"));
        }
        response
    }
}
