use crate::error::{Error, StreamError, StreamErrorCode};
use crate::sse::{self, SseError};

use super::Frames;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    /// The terminal item was returned.
    Done,
    /// An error was returned.
    Failed,
}

/// Decodes one SSE response into typed items (see the [module docs](crate::stream)).
#[derive(Debug)]
pub struct StreamDecoder<F> {
    sse: sse::Decoder,
    frames: F,
    state: State,
    items: u64,
}

impl<F: Frames> StreamDecoder<F> {
    /// A decoder using `frames`, with SSE events capped at `max_event_bytes`.
    pub fn new(frames: F, max_event_bytes: usize) -> Self {
        StreamDecoder {
            sse: sse::Decoder::with_max_event_size(max_event_bytes),
            frames,
            state: State::Open,
            items: 0,
        }
    }

    /// Adds body bytes (copied). Never fails; problems surface from
    /// [`next`](Self::next). Prefer [`feed_bytes`](Self::feed_bytes).
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.state == State::Open {
            self.sse.feed(chunk);
        }
    }

    /// Adds body bytes, read in place (see [`sse::Decoder::feed_bytes`]).
    pub fn feed_bytes(&mut self, chunk: bytes::Bytes) {
        if self.state == State::Open {
            self.sse.feed_bytes(chunk);
        }
    }

    /// The next item, an error, or `None` when more input is needed (or the
    /// stream is over).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Option<Result<F::Item, Error>> {
        while self.state == State::Open {
            let frame = match self.sse.next_frame()? {
                Ok(frame) => frame,
                Err(e) => {
                    self.state = State::Failed;
                    return Some(Err(Error::Stream(sse_error(e))));
                }
            };
            let item = self.frames.decode(frame);
            // The frame is decoded: free the chunk it was read from now
            // rather than at the next call, which may be a long wait away.
            self.sse.release();
            match item {
                Ok(None) => continue,
                Ok(Some(item)) => {
                    self.items += 1;
                    if self.frames.is_terminal(&item) {
                        self.state = State::Done;
                    }
                    return Some(Ok(item));
                }
                Err(e) => return Some(Err(self.fail(e))),
            }
        }
        None
    }

    /// End of body. Returns the error for a stream cut short (before its
    /// terminal event, or inside a frame), at most once.
    pub fn finish(&mut self) -> Option<Error> {
        if self.state != State::Open {
            return None;
        }
        let cut = self.sse.finish();
        let error = match cut {
            Err(SseError::Truncated { pending }) => Some(StreamError::new(
                StreamErrorCode::Truncated,
                format!("stream closed inside an event ({pending} bytes of an unfinished frame)"),
            )),
            Err(other) => Some(sse_error(other)),
            Ok(()) => self.frames.end_without_terminal(self.items),
        };
        match error {
            Some(e) => Some(self.fail(e)),
            None => {
                self.state = State::Done;
                None
            }
        }
    }

    /// Marks the stream failed by an outside error (a transport failure), so
    /// nothing more is decoded.
    pub fn abort(&mut self) {
        self.state = State::Failed;
    }

    /// Whether the stream is over (terminal item returned, or failed).
    pub fn is_done(&self) -> bool {
        self.state != State::Open
    }

    /// Whether the terminal item was returned.
    pub fn is_complete(&self) -> bool {
        self.state == State::Done
    }

    /// The frame interpreter (for its state, e.g. the last `seq` seen).
    pub fn frames(&self) -> &F {
        &self.frames
    }

    /// Bytes buffered in the SSE decoder (bounded by the event size limit).
    pub fn buffered_len(&self) -> usize {
        self.sse.buffered_len()
    }

    fn fail(&mut self, e: StreamError) -> Error {
        self.state = State::Failed;
        Error::Stream(e)
    }
}

fn sse_error(e: SseError) -> StreamError {
    let code = match e {
        SseError::EventTooLarge { .. } => StreamErrorCode::EventTooLarge,
        _ => StreamErrorCode::Truncated,
    };
    StreamError::new(code, e.to_string()).with_source(e)
}
