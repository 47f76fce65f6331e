//! Mapping hyper's errors onto the SDK's error kinds.
//!
//! hyper's errors never contain request headers, so the `Authorization`
//! value cannot leak through them.

use std::error::Error as StdError;

use agntz_proto::{Error, TimeoutError, TimeoutKind, TransportError, TransportErrorKind};

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

/// An error while reading the response body.
pub(crate) fn body_error(err: hyper::Error) -> Error {
    transport(
        TransportErrorKind::Body,
        "reading the response body failed",
        err,
    )
}

fn transport<E>(kind: TransportErrorKind, what: &str, err: E) -> Error
where
    E: StdError + Send + Sync + 'static,
{
    let message = match root_cause(&err) {
        Some(cause) => format!("{what}: {cause}"),
        None => format!("{what}: {err}"),
    };
    Error::Transport(TransportError::new(kind, message).with_source(err))
}

/// The first error of type `T` in the source chain of `err`.
fn find<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cause = e.source();
    }
    None
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
