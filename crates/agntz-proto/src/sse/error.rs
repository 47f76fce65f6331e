//! Errors of the SSE decoder.

/// An error reported by [`Decoder`](super::Decoder).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// One event grew past the limit; the decoder is failed afterwards (next_event returns None).
    #[error("SSE event exceeds the maximum size of {limit} bytes")]
    EventTooLarge {
        /// The configured maximum event size in bytes.
        limit: usize,
    },
    /// finish() found an unterminated frame (bytes after the last blank line that would have formed/continued an event).
    #[error("stream ended inside an unterminated SSE frame ({pending} bytes pending)")]
    Truncated {
        /// Bytes of the unterminated frame: its field lines (without line
        /// terminators) plus any partial last line.
        pending: usize,
    },
}
