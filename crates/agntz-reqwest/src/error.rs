//! Mapping reqwest's errors onto the SDK's error kinds.
//!
//! reqwest errors carry the URL, never the request headers, so the
//! `Authorization` value cannot leak through them.

use std::error::Error as StdError;
use std::time::Duration;

use agntz_proto::{Error, TimeoutError, TimeoutKind, TransportError, TransportErrorKind};

/// An error of `client.execute` (before the response head arrived).
pub(crate) fn send_error(err: reqwest::Error, connect_timeout: Duration) -> Error {
    if err.is_connect() {
        if err.is_timeout() {
            return Error::Timeout(TimeoutError::new(TimeoutKind::Connect, connect_timeout));
        }
        return transport(
            TransportErrorKind::Connect,
            "connecting to the worker failed",
            err,
        );
    }
    if err.is_builder() || err.is_redirect() {
        return transport(TransportErrorKind::Other, "the request was refused", err);
    }
    if err.is_timeout() {
        // A timeout of a user-supplied client (`ReqwestClient::timeout`).
        return transport(TransportErrorKind::Request, "the request timed out", err);
    }
    transport(
        TransportErrorKind::Request,
        "the request failed after it may have been sent",
        err,
    )
}

/// An error while reading the response body.
pub(crate) fn body_error(err: reqwest::Error) -> Error {
    transport(
        TransportErrorKind::Body,
        "reading the response body failed",
        err,
    )
}

fn transport(kind: TransportErrorKind, what: &str, err: reqwest::Error) -> Error {
    let message = match root_cause(&err) {
        Some(cause) => format!("{what}: {cause}"),
        None => format!("{what}: {err}"),
    };
    Error::Transport(TransportError::new(kind, message).with_source(err))
}

/// The innermost cause (for example `Connection refused (os error 111)` or
/// a TLS certificate complaint), which is the useful part of the message.
fn root_cause(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut cause = err.source()?;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Some(cause.to_string())
}
