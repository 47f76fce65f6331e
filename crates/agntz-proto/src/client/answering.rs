//! What the streams of `POST /run/stream` and `POST /run/block/stream`
//! share: reading typed frames, answering client-tool requests in place
//! (never shown as events), and ending with the run's result.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::event_stream::FrameStream;
use super::{Client, ClientTools};
use crate::error::{Error, StreamError, StreamErrorCode};
use crate::events::{BlockEvent, StreamEvent};
use crate::ops::{RunIds, SubmitToolResult, ToolOutcome};
use crate::redact::Scrub;
use crate::stream::{AgentFrame, AgentFrames, BlockFrame, BlockFrames, Frames};
use crate::trace::Trace;
use crate::transport::Transport;
use crate::types::ClientToolRequest;
use crate::types::{BlockRunResult, RunResult};

/// Frames that carry public events and client-tool requests.
pub(super) trait ToolFrames: Frames<Item: Scrub> {
    /// A public event.
    type Event;
    /// What `into_result` returns: the `Complete` payload.
    type Output;

    /// The item as an event or a request to answer.
    fn split(item: Self::Item) -> Split<Self::Event>;

    /// The run and session a `Start` event names.
    fn run_ids(event: &Self::Event) -> Option<RunIds<'_>>;

    /// `Some(Ok(..))` for `Complete`, `Some(Err(message))` for `Error`.
    fn outcome(event: Self::Event) -> Option<Result<Self::Output, String>>;
}

/// A frame's item: an event to show, or a request to answer.
pub(super) enum Split<E> {
    Event(E),
    ToolRequest(ClientToolRequest),
}

type Pending = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// The events of one run whose client-tool requests are answered in place.
pub(super) struct Answering<T: Transport, F> {
    client: Client<T>,
    frames: FrameStream<T::Body, F>,
    tools: Option<ClientTools>,
    answering: Option<Pending>,
    trace: Trace,
}

impl<T: Transport, F: ToolFrames> Answering<T, F> {
    pub(super) fn new(
        client: Client<T>,
        body: T::Body,
        frames: F,
        tools: Option<ClientTools>,
        trace: Trace,
    ) -> Self {
        Answering {
            frames: FrameStream::new(body, frames, client.config.clone()),
            client,
            tools,
            answering: None,
            trace,
        }
    }

    /// Whether the terminal event was delivered.
    pub(super) fn is_complete(&self) -> bool {
        self.frames.is_complete()
    }

    /// Reads to the end and returns the `Complete` payload; a `run-error`
    /// becomes an [`Error::Stream`] with code `RUN_FAILED`.
    pub(super) async fn into_result(mut self) -> Result<F::Output, Error> {
        while let Some(event) = std::future::poll_fn(|cx| self.poll_event(cx)).await {
            match F::outcome(event?) {
                Some(Ok(done)) => return Ok(done),
                Some(Err(message)) => {
                    return Err(StreamError::new(StreamErrorCode::RunFailed, message).into())
                }
                None => {}
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

    /// The next event; a client-tool request is answered before reading on.
    pub(super) fn poll_event(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<F::Event, Error>>> {
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
                Some(Ok(item)) => match F::split(item) {
                    Split::ToolRequest(request) => self.answering = Some(self.answer(request)),
                    Split::Event(event) => {
                        self.trace.item();
                        if let Some(ids) = F::run_ids(&event) {
                            self.trace.run_ids(|| ids);
                        }
                        return Poll::Ready(Some(Ok(event)));
                    }
                },
                Some(Err(e)) => {
                    self.trace.failed(&e);
                    return Poll::Ready(Some(Err(e)));
                }
                None => return Poll::Ready(None),
            }
        }
    }
}

impl ToolFrames for AgentFrames {
    type Event = StreamEvent;
    type Output = RunResult;

    fn split(item: AgentFrame) -> Split<StreamEvent> {
        match item {
            AgentFrame::Event(event) => Split::Event(event),
            AgentFrame::ToolRequest(request) => Split::ToolRequest(request),
        }
    }

    fn run_ids(event: &StreamEvent) -> Option<RunIds<'_>> {
        match event {
            StreamEvent::Start(start) => Some(RunIds::new(
                start.run_id.as_deref(),
                start.session_id.as_deref(),
            )),
            _ => None,
        }
    }

    fn outcome(event: StreamEvent) -> Option<Result<RunResult, String>> {
        match event {
            StreamEvent::Complete(done) => Some(Ok(*done)),
            StreamEvent::Error(failed) => Some(Err(failed.error)),
            _ => None,
        }
    }
}

impl ToolFrames for BlockFrames {
    type Event = BlockEvent;
    type Output = BlockRunResult;

    fn split(item: BlockFrame) -> Split<BlockEvent> {
        match item {
            BlockFrame::Event(event) => Split::Event(event),
            BlockFrame::ToolRequest(request) => Split::ToolRequest(request),
        }
    }

    fn run_ids(event: &BlockEvent) -> Option<RunIds<'_>> {
        match event {
            BlockEvent::Start(start) => Some(RunIds::new(
                start.run_id.as_deref(),
                start.session_id.as_deref(),
            )),
            _ => None,
        }
    }

    fn outcome(event: BlockEvent) -> Option<Result<BlockRunResult, String>> {
        match event {
            BlockEvent::Complete(done) => Some(Ok(*done)),
            BlockEvent::Error(failed) => Some(Err(failed.error)),
            _ => None,
        }
    }
}
