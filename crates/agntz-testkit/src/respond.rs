//! Response construction helpers and the response body type.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{header, HeaderValue, Response, StatusCode};
use http_body::Frame;
use http_body_util::{combinators::BoxBody, BodyExt, Full, StreamBody};
use serde::Serialize;
use tokio::sync::mpsc;

/// Body of every response: either full bytes or a channel-fed stream whose
/// `Err` items abort the connection mid-body (used by fault injection).
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// Complete body from bytes.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// A streaming body fed by `rx`.
pub(crate) fn channel_body(rx: mpsc::Receiver<Result<Bytes, std::io::Error>>) -> Body {
    StreamBody::new(ChannelStream(rx)).boxed()
}

struct ChannelStream(mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl futures_core::Stream for ChannelStream {
    type Item = Result<Frame<Bytes>, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0
            .poll_recv(cx)
            .map(|item| item.map(|r| r.map(Frame::data)))
    }
}

/// `application/json` response with the given status.
pub(crate) fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(full(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// `{"error": msg}` with the given status.
pub(crate) fn error(status: u16, msg: &str) -> Response<Body> {
    json(status, &crate::wire::ErrorBody { error: msg })
}

/// `{"error": msg, "code": code}` with the given status.
pub(crate) fn error_code(status: u16, msg: &str, code: &str) -> Response<Body> {
    #[derive(Serialize)]
    struct E<'a> {
        error: &'a str,
        code: &'a str,
    }
    json(status, &E { error: msg, code })
}

/// Plain-text response (`text/plain; charset=UTF-8`), as Hono's defaults.
pub(crate) fn text(status: u16, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    resp
}

/// Hono's plain-text 500 (what the worker answers to an unhandled error).
pub(crate) fn internal_error() -> Response<Body> {
    text(500, "Internal Server Error")
}

/// Hono's default 404.
pub(crate) fn not_found() -> Response<Body> {
    text(404, "404 Not Found")
}

/// 204 with the `text/plain; charset=UTF-8` content type the worker sends.
pub(crate) fn no_content() -> Response<Body> {
    let mut resp = text(204, "");
    *resp.body_mut() = full(Bytes::new());
    resp
}
