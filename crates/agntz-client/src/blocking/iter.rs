//! [`Iter`]: every SDK stream as a blocking `Iterator`.

use std::pin::Pin;
use std::sync::Arc;

use agntz_proto::error::Error;
use agntz_proto::transport::Transport;
use agntz_proto::types::{BlockRunResult, RunResult};
use futures_core::Stream;

use super::runtime::BlockingRuntime;

/// One of the SDK's streams read as an `Iterator`: each `next()` blocks
/// until the next item has arrived.
///
/// Its aliases name what it wraps: [`AgentStream`](super::AgentStream),
/// [`RunStream`](super::RunStream), [`TraceStream`](super::TraceStream),
/// [`BlockStream`](super::BlockStream), [`Pages`](super::Pages),
/// [`BatchResults`](super::BatchResults) and
/// [`Body`](super::Body). Items, their order, and the errors are those of
/// the async stream (events received before an error come first; a
/// truncated stream is an error); the wrapped stream's own methods are
/// here too ([`into_result`](Self::into_result),
/// [`last_seq`](Self::last_seq), [`collect_all`](Self::collect_all), ...).
///
/// Dropping it drops the async stream (for `agents().stream()` that
/// closes the connection, which cancels the run on the worker). It keeps
/// the client's runtime alive, so it may outlive the client.
///
/// Called from inside an async runtime, `next()` yields one
/// [`Error::Blocking`] and the iterator ends.
pub struct Iter<S> {
    stream: S,
    runtime: Arc<BlockingRuntime>,
    refused: bool,
}

impl<S> std::fmt::Debug for Iter<S>
where
    S: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iter")
            .field("stream", &self.stream)
            .field("refused", &self.refused)
            .finish_non_exhaustive()
    }
}

impl<S> Iter<S> {
    pub(crate) fn new(stream: S, runtime: Arc<BlockingRuntime>) -> Self {
        Iter {
            stream,
            runtime,
            refused: false,
        }
    }

    /// The async stream inside (for its non-async accessors).
    pub fn get_ref(&self) -> &S {
        &self.stream
    }
}

impl<S, R> Iterator for Iter<S>
where
    S: Stream<Item = Result<R, Error>> + Unpin,
{
    type Item = Result<R, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.refused {
            return None;
        }
        let stream = &mut self.stream;
        let next = std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx));
        match self.runtime.block_on(next) {
            Ok(item) => item,
            Err(refused) => {
                self.refused = true;
                Some(Err(refused))
            }
        }
    }
}

impl<S, R> Iter<S>
where
    S: Stream<Item = Result<R, Error>> + Unpin,
{
    /// Reads every remaining item into a `Vec`, stopping at the first
    /// error.
    pub fn collect_all(self) -> Result<Vec<R>, Error> {
        self.collect()
    }
}

impl<T: Transport> Iter<crate::AgentStream<T>> {
    /// Reads to the end and returns the `Complete` payload; a `run-error`
    /// becomes an [`Error::Stream`] with code `RUN_FAILED` (see
    /// [`AgentStream::into_result`](crate::AgentStream::into_result)).
    pub fn into_result(self) -> Result<RunResult, Error> {
        let Iter {
            stream, runtime, ..
        } = self;
        runtime.block_on(stream.into_result())?
    }
}

impl<T: Transport> Iter<crate::BlockStream<T>> {
    /// Reads to the end and returns the block's result; a block error
    /// becomes an [`Error::Stream`] with code `RUN_FAILED` (see
    /// [`BlockStream::into_result`](crate::BlockStream::into_result)).
    pub fn into_result(self) -> Result<BlockRunResult, Error> {
        let Iter {
            stream, runtime, ..
        } = self;
        runtime.block_on(stream.into_result())?
    }
}

impl<T: Transport> Iter<crate::RunStream<T>> {
    /// The highest `seq` delivered so far (pass it to
    /// [`Runs::stream_since`](super::Runs::stream_since) to resume
    /// elsewhere).
    pub fn last_seq(&self) -> Option<u64> {
        self.stream.last_seq()
    }

    /// How many times the stream has reconnected in a row without
    /// receiving an event.
    pub fn reconnects(&self) -> u32 {
        self.stream.reconnects()
    }
}
