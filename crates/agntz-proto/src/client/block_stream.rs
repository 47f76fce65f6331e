//! The stream of a block run (`POST /run/block/stream`).

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::answering::Answering;
use super::{Client, ClientTools};
use crate::error::Error;
use crate::events::BlockEvent;
use crate::stream::BlockFrames;
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::BlockRunResult;

/// The events of one `POST /run/block/stream` run.
///
/// Like [`AgentStream`](super::AgentStream): use the inherent
/// [`next`](BlockStream::next) or the [`Stream`](futures_core::Stream) impl;
/// it ends after `Complete` or `Error`, a body that ends before either
/// yields a `STREAM_TRUNCATED` [`Error::Stream`] after every event received,
/// and client-tool requests are answered in place (by the attached
/// handlers, or with the worker's "no handler was supplied" error).
/// Dropping it cancels the run.
pub struct BlockStream<T: Transport> {
    inner: Answering<T, BlockFrames>,
}

impl<T: Transport> std::fmt::Debug for BlockStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockStream")
            .field("complete", &self.inner.is_complete())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> BlockStream<T> {
    pub(super) fn new(
        client: Client<T>,
        body: T::Body,
        frames: BlockFrames,
        tools: Option<ClientTools>,
        trace: Trace,
    ) -> Self {
        BlockStream {
            inner: Answering::new(client, body, frames, tools, trace),
        }
    }

    /// The next event, `None` after the terminal event.
    pub async fn next(&mut self) -> Option<Result<BlockEvent, Error>> {
        std::future::poll_fn(|cx| self.inner.poll_event(cx)).await
    }

    /// Reads to the end and returns the `Complete` payload; a `run-error`
    /// becomes an [`Error::Stream`] with code `RUN_FAILED`.
    pub async fn into_result(self) -> Result<BlockRunResult, Error> {
        self.inner.into_result().await
    }
}

impl<T: Transport> Stream for BlockStream<T> {
    type Item = Result<BlockEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().inner.poll_event(cx)
    }
}
