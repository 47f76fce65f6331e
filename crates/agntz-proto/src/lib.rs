//! Sans-IO protocol core of the Agntz agent worker API.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod error;
pub mod events;
pub mod sse;
pub mod types;

pub use error::{
    ApiError, BoxError, DecodeError, Error, StreamError, StreamErrorCode, TimeoutError,
    TimeoutKind, TransportError, TransportErrorKind,
};
