//! Mapping hyper's errors onto the SDK's error kinds.
//!
//! hyper's errors never contain request headers, so the `Authorization`
//! value cannot leak through them.

use std::error::Error as StdError;

use agntz_proto::{Error, TimeoutError, TimeoutKind, TransportErrorKind};
use agntz_tokio::transport_error as transport;

use crate::connect::ConnectTimedOut;

/// An error of the legacy client's request future (before the head).
pub(crate) fn send_error(err: hyper_util::client::legacy::Error) -> Error {
    if let Some(timed_out) = find::<ConnectTimedOut>(&err) {
        return Error::Timeout(TimeoutError::new(TimeoutKind::Connect, timed_out.0));
    }
    if err.is_connect() {
        return transport(
            TransportErrorKind::Connect,
            "connecting to the worker failed",
            err,
        );
    }
    transport(
        TransportErrorKind::Request,
        "the request failed after it may have been sent",
        err,
    )
}

/// A failure of a driven exchange before the response head: of kind
/// `Connect` when the request was not sent, `Request` when it may have been.
pub(crate) fn request_error(kind: TransportErrorKind, err: hyper::Error) -> Error {
    let what = match kind {
        TransportErrorKind::Connect => "connecting to the worker failed",
        _ => "the request failed after it may have been sent",
    };
    transport(kind, what, err)
}

/// The first error of type `T` in the source chain of `err`.
pub(crate) fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cause = e.source();
    }
    None
}
