//! Mapping an HTTP library's errors onto the SDK's error kinds.

use std::error::Error as StdError;

use agntz_proto::{BoxError, Error, TransportError, TransportErrorKind};

/// An [`Error::Transport`] of `kind` whose message is `what` followed by
/// the innermost cause of `err` (or `err` itself), with `err` as its source
/// (any error, boxed or not).
///
/// The innermost cause (for example `Connection refused (os error 111)` or
/// a TLS certificate complaint) is the useful part of the message.
pub fn transport_error<E>(kind: TransportErrorKind, what: &str, err: E) -> Error
where
    E: Into<BoxError>,
{
    let err = err.into();
    let message = match root_cause(&*err) {
        Some(cause) => format!("{what}: {cause}"),
        None => format!("{what}: {err}"),
    };
    Error::Transport(TransportError::new(kind, message).with_source(err))
}

/// An error while reading the response body: an [`Error::Transport`] of
/// kind [`TransportErrorKind::Body`].
pub fn body_error<E>(err: E) -> Error
where
    E: StdError + Send + Sync + 'static,
{
    transport_error(
        TransportErrorKind::Body,
        "reading the response body failed",
        err,
    )
}

/// The innermost source of `err`, if it has any.
fn root_cause(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut cause = err.source()?;
    while let Some(next) = cause.source() {
        cause = next;
    }
    Some(cause.to_string())
}
