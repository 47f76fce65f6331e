use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::event_stream::FrameStream;
use super::Client;
use crate::config::Config;
use crate::error::{Error, StreamErrorCode, TimeoutKind};
use crate::events::{RunEvent, TraceEvent};
use crate::ops::{RunIds, StreamRun};
use crate::stream::{RunFrames, TraceFrames};
use crate::trace::Trace;
use crate::transport::Transport;

type Reconnect<B> = Pin<Box<dyn Future<Output = Result<B, Error>> + Send>>;

/// The events of a run tree (`GET /runs/{id}/stream`), in `seq` order.
///
/// Ends after `Snapshot` or the requested run's own `Complete` / `Error` /
/// `Cancelled`. If the connection drops, times out while idle, or ends early,
/// the stream reconnects with `?since=<last seq>` (bounded by
/// [`RetryPolicy::max_stream_reconnects`](crate::retry::RetryPolicy), with
/// backoff) and skips events it already yielded, so each event arrives
/// exactly once. When the run has been evicted from the worker's memory the
/// reconnect yields a `Snapshot` of the stored run and the stream ends.
///
/// It never ends silently before the terminal event: a reconnect that
/// brings nothing new (an empty body, or only events already yielded) is a
/// failed attempt, and once the reconnects in a row without a new event
/// reach the limit the stream ends with the error that stopped it
/// (`STREAM_TRUNCATED` for a body that ended early), after every event
/// received. Only the caller's own [`stream_since`](super::Runs::stream_since)
/// ends normally on an empty body (nothing happened after `since`).
pub struct RunStream<T: Transport> {
    client: Client<T>,
    run_id: String,
    current: Option<FrameStream<T::Body, RunFrames>>,
    reconnect: Option<Reconnect<T::Body>>,
    last_seq: Option<u64>,
    reconnects: u32,
    done: bool,
    trace: Trace,
}

impl<T: Transport> std::fmt::Debug for RunStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunStream")
            .field("run_id", &self.run_id)
            .field("last_seq", &self.last_seq)
            .field("reconnects", &self.reconnects)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> RunStream<T> {
    pub(crate) fn new(client: Client<T>, op: &StreamRun, body: T::Body, trace: Trace) -> Self {
        use crate::ops::StreamOperation;
        RunStream {
            current: Some(FrameStream::new(body, op.frames(), client.config.clone())),
            client,
            run_id: op.run_id().to_owned(),
            reconnect: None,
            last_seq: op.since_seq(),
            reconnects: 0,
            done: false,
            trace,
        }
    }

    /// The next event, `None` after the terminal event.
    pub async fn next(&mut self) -> Option<Result<RunEvent, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// The highest `seq` delivered so far (pass it as `since` to resume
    /// elsewhere).
    pub fn last_seq(&self) -> Option<u64> {
        self.last_seq
    }

    /// How many times the stream has reconnected in a row without receiving
    /// a new event.
    pub fn reconnects(&self) -> u32 {
        self.reconnects
    }

    fn can_resume(&self, error: &Error) -> bool {
        let resumable = match error {
            Error::Transport(_) => true,
            Error::Timeout(t) => t.kind == TimeoutKind::Idle,
            Error::Stream(s) => s.code == StreamErrorCode::Truncated,
            _ => false,
        };
        resumable && self.reconnects < self.client.config().retry_policy().max_stream_reconnects
    }

    /// The error that ends the stream. A cut that every allowed reconnect
    /// failed to get past says so (the code stays `STREAM_TRUNCATED`: the
    /// stream is still cut).
    fn give_up(&self, error: Error) -> Error {
        match error {
            Error::Stream(mut s) if s.code == StreamErrorCode::Truncated && self.reconnects > 0 => {
                s.message = format!(
                    "{}; {} reconnect(s) in a row brought no new event",
                    s.message, self.reconnects
                );
                Error::Stream(s)
            }
            other => other,
        }
    }

    fn start_reconnect(&mut self, cause: &Error) {
        let client = self.client.clone();
        let wait = client
            .config()
            .retry_policy()
            .backoff(self.reconnects, client.transport().jitter());
        let mut op = StreamRun::new(self.run_id.clone());
        if let Some(seq) = self.last_seq {
            op = op.since(seq);
        }
        self.reconnects += 1;
        self.trace
            .reconnect(self.reconnects, wait, self.last_seq, cause);
        let trace = self.trace.clone();
        self.reconnect = Some(Box::pin(async move {
            client.transport().sleep(wait).await;
            client.open_traced(&op, &trace).await
        }));
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<RunEvent, Error>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            if let Some(pending) = self.reconnect.as_mut() {
                let opened = std::task::ready!(pending.as_mut().poll(cx));
                self.reconnect = None;
                match opened {
                    Ok(body) => {
                        let frames = RunFrames::resuming_after(self.run_id.clone(), self.last_seq);
                        let config = self.client.config.clone();
                        self.current = Some(FrameStream::new(body, frames, config));
                    }
                    Err(e) if self.can_resume(&e) => {
                        self.start_reconnect(&e);
                        continue;
                    }
                    Err(e) => {
                        self.done = true;
                        let e = self.give_up(e);
                        self.trace.failed(&e);
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            let Some(current) = self.current.as_mut() else {
                self.done = true;
                return Poll::Ready(None);
            };
            match std::task::ready!(current.poll_item(cx)) {
                Some(Ok(event)) => {
                    let seq = current.decoder().frames().last_seq();
                    // Progress is a higher seq (or the end): an event the
                    // stream cannot place (no seq) does not reset the count,
                    // so a server that resends such events cannot make the
                    // stream reconnect forever.
                    if seq > self.last_seq || current.is_complete() {
                        self.reconnects = 0;
                    }
                    self.last_seq = seq.or(self.last_seq);
                    self.trace.item();
                    self.trace.run_ids(|| event_ids(&event));
                    return Poll::Ready(Some(Ok(event)));
                }
                Some(Err(e)) if self.can_resume(&e) => {
                    self.current = None;
                    self.start_reconnect(&e);
                }
                Some(Err(e)) => {
                    self.done = true;
                    let e = self.give_up(e);
                    self.trace.failed(&e);
                    return Poll::Ready(Some(Err(e)));
                }
                None => {
                    self.done = true;
                    return Poll::Ready(None);
                }
            }
        }
    }
}

/// The session a run stream's event names: a run's `run-complete` result or
/// a snapshot of the stored run (other events carry child run ids only).
fn event_ids(event: &RunEvent) -> RunIds<'_> {
    match event {
        RunEvent::Complete(done) => RunIds::new(None, Some(&done.result.session_id)),
        RunEvent::Snapshot(run) => RunIds::new(None, run.session_id.as_deref()),
        _ => RunIds::default(),
    }
}

impl<T: Transport> Stream for RunStream<T> {
    type Item = Result<RunEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

/// The live events of a trace (`GET /traces/{id}/stream`): span starts and
/// ends then `TraceDone`, or a single `Snapshot` for a finished trace.
///
/// Not resumable: the worker keeps no replay for traces. A subscriber only
/// sees spans that start after it subscribed, so expect `SpanEnd` for spans
/// never announced, and fetch the full trace with `traces().get()` after
/// `TraceDone`.
pub struct TraceStream<T: Transport> {
    frames: FrameStream<T::Body, TraceFrames>,
    trace: Trace,
}

impl<T: Transport> std::fmt::Debug for TraceStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceStream")
            .field("complete", &self.frames.is_complete())
            .finish_non_exhaustive()
    }
}

impl<T: Transport> TraceStream<T> {
    pub(crate) fn new(
        body: T::Body,
        frames: TraceFrames,
        config: Arc<Config>,
        trace: Trace,
    ) -> Self {
        TraceStream {
            frames: FrameStream::new(body, frames, config),
            trace,
        }
    }

    /// The next event, `None` after the terminal event.
    pub async fn next(&mut self) -> Option<Result<TraceEvent, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<TraceEvent, Error>>> {
        let item = std::task::ready!(self.frames.poll_item(cx));
        match &item {
            Some(Ok(_)) => self.trace.item(),
            Some(Err(e)) => self.trace.failed(e),
            None => {}
        }
        Poll::Ready(item)
    }
}

impl<T: Transport> Stream for TraceStream<T> {
    type Item = Result<TraceEvent, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}
