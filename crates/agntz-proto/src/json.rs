//! JSON decoding of wire bytes.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::body::{BodyReader, WholeBody};

/// Deserializes `bytes` as JSON into `T`.
///
/// The bytes are checked as UTF-8 once, then parsed as a `&str`:
/// `serde_json::from_slice` instead checks every string it meets on its
/// own, a call per key and value, which on small event payloads costs more
/// than one pass over the whole payload. Bytes that are not UTF-8 go to
/// `from_slice`, so what is accepted and every error message stay the same.
#[inline]
pub(crate) fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    // simdutf8: the same answer as `std::str::from_utf8`, several times
    // faster on these sizes.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Deserializes a whole body as JSON into `T` (see [`Source`] for where
/// from). What is accepted, and every error's kind and message, are the
/// same whatever the chunking; an error read across chunks may name the
/// position one byte further on (a reader counts the byte it peeked at):
/// the next column, or the start of the next line when that byte is a
/// line break.
#[inline]
pub(crate) fn from_body<T: DeserializeOwned>(body: &WholeBody) -> serde_json::Result<T> {
    match Source::of(body) {
        Source::Slice(bytes) => from_bytes(bytes),
        Source::Joined(bytes) => from_bytes(&bytes),
        Source::Chunks(reader) => serde_json::from_reader(reader),
    }
}

/// A body in chunks up to this size is joined and parsed in place: the
/// copy is small next to any useful size limit, and parsing from one slice
/// takes about half the time of parsing through a reader (the `body/*`
/// benchmark, on a 1 MiB page).
pub(crate) const JOIN_UP_TO: usize = 256 * 1024;

/// Where [`from_body`] parses from.
#[derive(Debug)]
enum Source<'a> {
    /// A contiguous body's one buffer, in place (no copy).
    Slice(&'a [u8]),
    /// A small body in chunks, joined (at most [`JOIN_UP_TO`] bytes).
    Joined(Bytes),
    /// A larger body in chunks, read across them: never held twice.
    Chunks(BodyReader<'a>),
}

impl<'a> Source<'a> {
    #[inline]
    fn of(body: &'a WholeBody) -> Self {
        match body.as_contiguous() {
            Some(bytes) => Source::Slice(bytes),
            None if body.len() <= JOIN_UP_TO => Source::Joined(body.to_bytes()),
            None => Source::Chunks(body.reader()),
        }
    }
}

#[cfg(test)]
mod tests;
