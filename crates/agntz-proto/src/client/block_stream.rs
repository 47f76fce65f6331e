//! The stream of a block run (`POST /run/block/stream`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::event_stream::FrameStream;
use super::{Client, ClientTools};
use crate::error::{Error, StreamError, StreamErrorCode};
use crate::events::BlockEvent;
use crate::ops::{RunIds, SubmitToolResult, ToolOutcome};
use crate::stream::{BlockFrame, BlockFrames};
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::{BlockRunResult, ClientToolRequest};

type Pending = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

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
    client: Client<T>,
    frames: FrameStream<T::Body, BlockFrames>,
    tools: Option<ClientTools>,
    answering: Option<Pending>,
    trace: Trace,
}

impl<T: Transport> std::fmt::Debug for BlockStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockStream")
            .field("complete", &self.frames.is_complete())
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
            frames: FrameStream::new(body, frames, client.config.clone()),
            client,
            tools,
            answering: None,
            trace,
        }
    }

    /// The next event, `None` after the terminal event.
    pub async fn next(&mut self) -> Option<Result<BlockEvent, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Reads to the end and returns the `Complete` payload; a `run-error`
    /// becomes an [`Error::Stream`] with code `RUN_FAILED`.
    pub async fn into_result(mut self) -> Result<BlockRunResult, Error> {
        while let Some(event) = self.next().await {
            match event? {
                BlockEvent::Complete(done) => return Ok(*done),
                BlockEvent::Error(failed) => {
                    return Err(StreamError::new(StreamErrorCode::RunFailed, failed.error).into())
                }
                _ => {}
            }
        }
        Err(StreamError::new(
            StreamErrorCode::Truncated,
            "Stream closed before completion",
        )
        .into())
    }

    fn answer(&self, request: ClientToolRequest) -> Pending {
        let client = self.client.clone();
        let handler = self.tools.as_ref().and_then(|tools| tools.call(&request));
        // Inside the stream's span: the answer's call becomes its child.
        Box::pin(self.trace.instrument(async move {
            let outcome = match handler {
                Some(running) => ToolOutcome::checked(&request.name, running.await),
                None => ToolOutcome::no_handler(&request.name),
            };
            let op = SubmitToolResult::new(request.root_run_id, request.request_id, outcome);
            client.execute(&op).await.map(drop)
        }))
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<BlockEvent, Error>>> {
        loop {
            if let Some(pending) = self.answering.as_mut() {
                let result = std::task::ready!(pending.as_mut().poll(cx));
                self.answering = None;
                if let Err(e) = result {
                    let e: Error = StreamError::new(
                        StreamErrorCode::ClientTool,
                        format!("could not answer a client-tool request: {e}"),
                    )
                    .with_source(e)
                    .into();
                    self.trace.failed(&e);
                    return Poll::Ready(Some(Err(e)));
                }
            }
            match std::task::ready!(self.frames.poll_item(cx)) {
                Some(Ok(BlockFrame::ToolRequest(request))) => {
                    self.answering = Some(self.answer(request));
                }
                Some(Ok(BlockFrame::Event(event))) => {
                    self.trace.item();
                    if let BlockEvent::Start(start) = &event {
                        let (run, session) = (&start.run_id, &start.session_id);
                        self.trace
                            .run_ids(|| RunIds::new(run.as_deref(), session.as_deref()));
                    }
                    return Poll::Ready(Some(Ok(event)));
                }
                Some(Err(e)) => {
                    self.trace.failed(&e);
                    return Poll::Ready(Some(Err(e)));
                }
                None => return Poll::Ready(None),
            }
        }
    }
}

impl<T: Transport> Stream for BlockStream<T> {
    type Item = Result<BlockEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}
