//! A body pump: a task next to the connection that reads a response body
//! ahead of its reader and hands over everything that arrived in one go.
//!
//! Why: on a multi-thread runtime the connection task runs on a worker
//! thread. A reader that is not a task of that runtime (the future given to
//! `block_on`, which is what `#[tokio::main]` runs) is woken on its own
//! thread for every chunk, and wakes the connection back for the next one:
//! two thread hand-overs per chunk, while the worker writes one chunk per
//! SSE frame. The pump takes the chunks on the worker, next to the
//! connection (a cheap same-thread hand-over), reads on while the
//! connection has more (giving it one more turn when it has nothing yet),
//! and only then wakes the reader, which takes all of them at once: one
//! hand-over per batch instead of two per chunk.
//!
//! What it keeps:
//! - bounded memory: the pump stops reading once [`LIMIT`] bytes wait for
//!   the reader, so back-pressure still reaches the socket;
//! - order: data, then the end or the error, exactly as the body gave them;
//! - dropping the reader's side aborts the pump, which drops the body and
//!   so closes (or releases) the connection at once.

use std::collections::VecDeque;
use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use agntz_proto::Error;
use bytes::{Bytes, BytesMut};
use http_body::Body;
use tokio::task::AbortHandle;

use crate::error::body_error;

/// Bytes waiting for the reader at which the pump stops reading (it may go
/// over by one chunk).
pub(crate) const LIMIT: usize = 64 * 1024;

/// Chunks shorter than this are copied together into one buffer when
/// several wait; longer ones are handed over as they are.
const SMALL: usize = 4 * 1024;

/// Bytes waiting at which the reader is woken without giving the
/// connection another turn first.
const BATCH: usize = 16 * 1024;

/// First capacity of a coalescing buffer (it grows as needed).
const FIRST_CAPACITY: usize = 4 * 1024;

/// The reader's side: takes what the pump received. Dropping it aborts the
/// pump (and so drops the body).
pub(crate) struct Pumped {
    shared: Arc<Shared>,
    task: AbortHandle,
}

impl Pumped {
    /// Moves `body` into a pump task spawned on `runtime`.
    pub(crate) fn spawn<B>(runtime: &tokio::runtime::Handle, body: B) -> Pumped
    where
        B: Body<Data = Bytes> + Send + Unpin + 'static,
        B::Error: StdError + Send + Sync + 'static,
    {
        let shared = Arc::new(Shared::default());
        let pump = Pump {
            body,
            shared: Arc::clone(&shared),
            stopped_full: false,
            yielded: false,
        };
        let task = runtime.spawn(pump.run()).abort_handle();
        Pumped { shared, task }
    }

    /// The next chunk, the end (`Ready(None)`), the body's error, or
    /// `Pending` (the waker is kept and woken by the pump).
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let mut state = self.shared.lock();
        if let Some(chunk) = state.ready.pop() {
            // Room again: let a waiting pump read on.
            let pump = if state.ready.bytes < LIMIT {
                state.pump.take()
            } else {
                None
            };
            drop(state);
            if let Some(pump) = pump {
                pump.wake();
            }
            return Poll::Ready(Some(Ok(chunk)));
        }
        match state.end.take() {
            Some(End::Error(e)) => {
                state.end = Some(End::Done);
                return Poll::Ready(Some(Err(e)));
            }
            Some(End::Done) => {
                state.end = Some(End::Done);
                return Poll::Ready(None);
            }
            None => {}
        }
        register(&mut state.reader, cx);
        Poll::Pending
    }
}

impl Drop for Pumped {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Neither side panics while holding the lock; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Default)]
struct State {
    ready: Ready,
    /// Set once the body ended or failed (after every chunk before it).
    end: Option<End>,
    /// The reader, waiting for data.
    reader: Option<Waker>,
    /// The pump, waiting for room.
    pump: Option<Waker>,
}

enum End {
    Done,
    Error(Error),
}

/// The chunks received and not yet handed out, in order: `queue`, then
/// `lone` or `tail` (never both).
#[derive(Default)]
struct Ready {
    queue: VecDeque<Bytes>,
    /// One small chunk, not copied yet (the usual case when the reader
    /// keeps up: no copy at all).
    lone: Option<Bytes>,
    /// Small chunks copied together.
    tail: BytesMut,
    bytes: usize,
}

impl Ready {
    fn push(&mut self, chunk: Bytes) {
        self.bytes += chunk.len();
        if chunk.len() >= SMALL {
            self.flush();
            self.queue.push_back(chunk);
        } else if let Some(lone) = self.lone.take() {
            let mut tail = BytesMut::with_capacity(FIRST_CAPACITY.max(lone.len() + chunk.len()));
            tail.extend_from_slice(&lone);
            tail.extend_from_slice(&chunk);
            self.tail = tail;
        } else if !self.tail.is_empty() {
            self.tail.extend_from_slice(&chunk);
        } else {
            self.lone = Some(chunk);
        }
    }

    /// Moves `lone` or `tail` to the queue.
    fn flush(&mut self) {
        if let Some(lone) = self.lone.take() {
            self.queue.push_back(lone);
        } else if !self.tail.is_empty() {
            self.queue
                .push_back(std::mem::take(&mut self.tail).freeze());
        }
    }

    fn pop(&mut self) -> Option<Bytes> {
        let chunk = match self.queue.pop_front() {
            Some(chunk) => chunk,
            None => match self.lone.take() {
                Some(lone) => lone,
                // The buffer goes with the chunk (no spare capacity is kept
                // for an idle stream).
                None if !self.tail.is_empty() => std::mem::take(&mut self.tail).freeze(),
                None => return None,
            },
        };
        self.bytes -= chunk.len();
        Some(chunk)
    }
}

/// The pump task: reads `body` into `shared` while there is room.
struct Pump<B> {
    body: B,
    shared: Arc<Shared>,
    /// It last stopped for want of room (so check before reading on: it may
    /// have been woken by the body rather than by the reader).
    stopped_full: bool,
    /// It last stopped to give the connection a turn before waking the
    /// reader.
    yielded: bool,
}

/// What a step of the pump asks for.
enum Step {
    /// Give the connection one more turn, then step again.
    Yield,
    /// The body ended or failed: the pump is done.
    Done,
}

impl<B> Pump<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: StdError + Send + Sync + 'static,
{
    /// The pump task's body.
    async fn run(mut self) {
        loop {
            match std::future::poll_fn(|cx| self.step(cx)).await {
                // `yield_now` defers the wake-up until the worker has run
                // what is ready and polled the IO driver: the connection
                // reads what arrived meanwhile. (Waking itself instead
                // counts as a yield to a multi-thread scheduler, which
                // then wakes a parked sibling worker to steal the pump;
                // the pump yields after about half of the chunks.)
                Step::Yield => tokio::task::yield_now().await,
                // Returning drops the body: the connection is released (or
                // closed) now, not when the reader gets to the end.
                Step::Done => return,
            }
        }
    }

    /// Reads what the body has into `shared`; `Pending` while waiting for
    /// the body or for room.
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Step> {
        if self.stopped_full {
            let mut state = self.shared.lock();
            if state.ready.bytes >= LIMIT {
                register(&mut state.pump, cx);
                return Poll::Pending;
            }
            self.stopped_full = false;
        }
        loop {
            let polled = Pin::new(&mut self.body).poll_frame(cx);
            let mut state = self.shared.lock();
            let done = match polled {
                Poll::Pending => {
                    if !self.yielded && state.reader.is_some() && state.ready.bytes < BATCH {
                        // Give the connection one more turn first: in a
                        // burst it has the next chunk by then, and the
                        // reader gets a batch rather than a chunk.
                        self.yielded = true;
                        return Poll::Ready(Step::Yield);
                    }
                    self.yielded = false;
                    // Everything that arrived is in: now wake the reader,
                    // once for the whole batch.
                    let reader = state.reader.take();
                    drop(state);
                    if let Some(reader) = reader {
                        reader.wake();
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => {
                        self.yielded = false;
                        state.ready.push(data);
                        false
                    }
                    // Empty chunks and trailers: nothing to hand out.
                    _ => continue,
                },
                Poll::Ready(Some(Err(e))) => {
                    state.end = Some(End::Error(body_error(e)));
                    true
                }
                Poll::Ready(None) => {
                    state.end = Some(End::Done);
                    true
                }
            };
            let full = !done && state.ready.bytes >= LIMIT;
            if !done && !full {
                // More may be there already: read on before waking the
                // reader, so that it takes a batch rather than a chunk.
                continue;
            }
            if full {
                register(&mut state.pump, cx);
            }
            let reader = state.reader.take();
            drop(state);
            if let Some(reader) = reader {
                reader.wake();
            }
            if done {
                return Poll::Ready(Step::Done);
            }
            self.stopped_full = true;
            return Poll::Pending;
        }
    }
}

/// Keeps `cx`'s waker in `slot` (without a clone when it is already there).
fn register(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(w) if w.will_wake(cx.waker()) => {}
        slot => *slot = Some(cx.waker().clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(n: usize, byte: u8) -> Bytes {
        Bytes::from(vec![byte; n])
    }

    fn drain(ready: &mut Ready) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(c) = ready.pop() {
            out.extend_from_slice(&c);
        }
        out
    }

    #[test]
    fn keeps_order_and_counts_bytes_whatever_the_sizes() {
        let mut ready = Ready::default();
        let mut expected = Vec::new();
        for (i, n) in [10, 20, 5000, 7, 9, 4096, 1, 100_000, 3]
            .into_iter()
            .enumerate()
        {
            let c = chunk(n, i as u8);
            expected.extend_from_slice(&c);
            ready.push(c);
        }
        assert_eq!(ready.bytes, expected.len());
        assert_eq!(drain(&mut ready), expected);
        assert_eq!(ready.bytes, 0);
    }

    #[test]
    fn a_lone_chunk_is_handed_over_without_a_copy() {
        let mut ready = Ready::default();
        let c = chunk(100, 1);
        let ptr = c.as_ptr();
        ready.push(c);
        assert_eq!(ready.pop().unwrap().as_ptr(), ptr);
        assert!(ready.pop().is_none());
    }

    #[test]
    fn small_chunks_come_out_as_one() {
        let mut ready = Ready::default();
        for i in 0..50 {
            ready.push(chunk(150, i));
        }
        assert_eq!(ready.pop().unwrap().len(), 50 * 150);
        assert!(ready.pop().is_none());
    }
}
