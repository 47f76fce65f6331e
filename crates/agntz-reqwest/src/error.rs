//! Mapping reqwest's errors onto the SDK's error kinds.
//!
//! reqwest errors carry the URL, never the request headers, so the
//! `Authorization` value cannot leak through them.

use std::time::Duration;

use agntz_proto::{Error, TimeoutError, TimeoutKind, TransportErrorKind};
use agntz_tokio::transport_error as transport;

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
