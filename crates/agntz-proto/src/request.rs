//! Turning an operation's method, path and body into an `http::Request`.

use bytes::Bytes;
use http::header::{HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{Method, Request};

use crate::config::{Config, USER_AGENT as UA};
use crate::error::Error;

/// How a request authenticates and what it expects back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Send `Authorization: Bearer <key>` (everything but `GET /health`).
    pub auth: bool,
    /// Send `Accept: text/event-stream`.
    pub sse: bool,
}

pub(crate) const JSON: Shape = Shape {
    auth: true,
    sse: false,
};
pub(crate) const SSE: Shape = Shape {
    auth: true,
    sse: true,
};
pub(crate) const PUBLIC: Shape = Shape {
    auth: false,
    sse: false,
};

/// Builds the request. `Content-Type: application/json` is set only when a
/// JSON body is sent. The configured timeouts ride along as an extension for
/// the transport.
pub(crate) fn build(
    config: &Config,
    method: Method,
    path_and_query: &str,
    json_body: Option<Bytes>,
    shape: Shape,
) -> Result<Request<Bytes>, Error> {
    let mut request = Request::new(Bytes::new());
    *request.method_mut() = method;
    *request.uri_mut() = config.uri(path_and_query)?;
    let headers = request.headers_mut();
    for (name, value) in config.default_headers() {
        headers.append(name, value.clone());
    }
    headers.insert(USER_AGENT, HeaderValue::from_static(UA));
    if shape.auth {
        if let Some(auth) = config.auth_header() {
            headers.insert(AUTHORIZATION, auth.clone());
        }
    }
    if shape.sse {
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
    }
    if let Some(body) = json_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *request.body_mut() = body;
    }
    request.extensions_mut().insert(*config.timeouts());
    Ok(request)
}

/// Builds a request with a non-JSON body and its own content type (for
/// `multipart/form-data` uploads).
pub(crate) fn build_with_body(
    config: &Config,
    method: Method,
    path_and_query: &str,
    body: Bytes,
    content_type: &str,
    shape: Shape,
) -> Result<Request<Bytes>, Error> {
    let content_type = HeaderValue::from_str(content_type)
        .map_err(|_| Error::invalid(format!("invalid content type {content_type:?}")))?;
    let mut request = build(config, method, path_and_query, None, shape)?;
    request.headers_mut().insert(CONTENT_TYPE, content_type);
    *request.body_mut() = body;
    Ok(request)
}
