//! The idle-read timer of one exchange: over the response head, then over
//! the body.

use std::error::Error as StdError;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use agntz_proto::{Error, TimeoutError, TimeoutKind};
use bytes::Bytes;
use futures_core::Stream;
use http_body::Body;
use tokio::runtime::Handle;
use tokio::time::{Instant, Sleep};

use crate::error::body_error;
use crate::pump::Pumped;

/// The idle timer of one exchange, started when the request is sent.
///
/// [`head`](Self::head) waits for the response head under the timer, then
/// [`body`](Self::body) hands the same timer to the response body: one timer
/// serves the whole exchange, so on a fresh connection it also covers
/// connecting.
pub struct IdleTimer {
    idle: Duration,
    timer: Pin<Box<Sleep>>,
    /// The runtime (see [`IdleBody`]).
    runtime: Option<Handle>,
}

impl IdleTimer {
    /// Starts a timer of `idle`.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime (like `tokio::time::sleep`).
    pub fn start(idle: Duration) -> Self {
        let runtime = Handle::try_current().ok();
        IdleTimer {
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
            runtime,
        }
    }

    /// Runs `pending` (the request's future) until it resolves, or fails
    /// with an [`Error::Timeout`] of kind [`TimeoutKind::Idle`] when the
    /// timer fires first.
    pub async fn head<F: Future>(&mut self, pending: F) -> Result<F::Output, Error> {
        let mut pending = pin!(pending);
        let timer = &mut self.timer;
        let head = poll_fn(|cx| match pending.as_mut().poll(cx) {
            Poll::Ready(output) => Poll::Ready(Some(output)),
            Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
        })
        .await;
        head.ok_or_else(|| Error::Timeout(TimeoutError::new(TimeoutKind::Idle, self.idle)))
    }

    /// The response body `inner` behind this timer (read ahead by a pump
    /// in a burst, see [`IdleBody`]).
    pub fn body<B>(mut self, inner: B) -> IdleBody<B> {
        let runtime = self.runtime.take();
        self.into_body(inner, runtime)
    }

    /// The response body `inner` behind this timer, always read by its
    /// reader: for a body that does its connection's IO when polled (a pump
    /// would move that IO to another thread, which is what such a body
    /// avoids).
    pub fn direct_body<B>(self, inner: B) -> IdleBody<B> {
        self.into_body(inner, None)
    }

    fn into_body<B>(self, inner: B, runtime: Option<Handle>) -> IdleBody<B> {
        let now = Instant::now();
        IdleBody {
            source: Source::Direct(inner),
            idle: self.idle,
            timer: self.timer,
            deadline: deadline_after(now, self.idle),
            runtime,
            last_chunk: now,
            quick: 0,
        }
    }
}

impl fmt::Debug for IdleTimer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdleTimer")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

/// The body of a response: a stream of chunks that ends at the end of the
/// body, made by [`IdleTimer::body`].
///
/// When no chunk arrives for longer than the idle timeout, the stream yields
/// one `Err(Error::Timeout(..))` of kind [`TimeoutKind::Idle`] and then ends.
/// After an error or the end of the body the connection is released at once;
/// dropping the body early closes the connection (HTTP/1.1) or cancels the
/// stream (HTTP/2), which is how the worker learns that a run's client left.
/// Errors of `B` become [`Error::Transport`] of kind
/// [`TransportErrorKind::Body`](agntz_proto::TransportErrorKind::Body).
///
/// When chunks come in a burst (eight in a row, each within a millisecond
/// of the one before) and the body then has nothing to give, it moves into
/// a small task spawned next to the connection (a pump) that reads ahead
/// and hands over everything that arrived in one go, at most 64 KiB ahead
/// of the reader. (An idle or model-paced stream keeps reading directly:
/// a pump would cost it a task and gain nothing.)
/// A worker writes one chunk per event; without the pump, a reader outside
/// a multi-thread runtime's worker threads (the future given to `block_on`,
/// as in `#[tokio::main]`) would cross threads twice for every chunk, and
/// any reader would be woken and polled through every layer once per chunk.
/// Order, the idle timeout, errors after the data before them, and closing
/// the connection on drop are the same either way.
pub struct IdleBody<B> {
    source: Source<B>,
    idle: Duration,
    /// One timer per response, created when the request was sent.
    timer: Pin<Box<Sleep>>,
    /// When the idle timeout really expires. Moved forward on every chunk
    /// without touching the timer; the timer catches up lazily when it fires.
    deadline: Instant,
    /// The runtime to spawn a pump on.
    runtime: Option<Handle>,
    /// When the last chunk was read (directly).
    last_chunk: Instant,
    /// Chunks in a row that came within [`QUICK_GAP`] of the one before.
    quick: u8,
}

/// Chunks this close together are a burst (a replayed run, a fast model)...
const QUICK_GAP: Duration = Duration::from_millis(1);

/// ...and this many of them in a row start the pump. A stream that is idle
/// or paced like a model's tokens (tens of ms apart) gains nothing from a
/// pump (each chunk would still be handed over on its own) and is spared
/// its task: memory per open stream and CPU per event stay as without it.
const QUICK_CHUNKS: u8 = 8;

/// Where an [`IdleBody`] reads from.
enum Source<B> {
    /// The HTTP library's body, polled by the reader.
    Direct(B),
    /// A pump task that owns the body.
    Pumped(Pumped),
    /// The body ended or failed (it was dropped).
    Finished,
}

impl<B> IdleBody<B> {
    /// Polls the idle timer; `Ready` means the body has been silent too long.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            ready!(self.timer.as_mut().poll(cx));
            if self.timer.deadline() >= self.deadline {
                return Poll::Ready(());
            }
            // A chunk arrived since the timer was armed: re-arm it for the
            // real deadline and poll again to register the waker.
            let deadline = self.deadline;
            self.timer.as_mut().reset(deadline);
        }
    }
}

impl<B> Stream for IdleBody<B>
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: StdError + Send + Sync + 'static,
{
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let polled = match &mut this.source {
            Source::Direct(inner) => poll_direct(inner, cx),
            Source::Pumped(pumped) => pumped.poll_next(cx),
            Source::Finished => return Poll::Ready(None),
        };
        match polled {
            Poll::Ready(Some(Ok(data))) => {
                let now = Instant::now();
                if matches!(this.source, Source::Direct(_)) {
                    let burst = now.saturating_duration_since(this.last_chunk) <= QUICK_GAP;
                    this.quick = if burst {
                        this.quick.saturating_add(1)
                    } else {
                        0
                    };
                    this.last_chunk = now;
                }
                this.deadline = deadline_after(now, this.idle);
                return Poll::Ready(Some(Ok(data)));
            }
            Poll::Ready(other) => {
                // The end or an error: drop the body (releases the
                // connection at once).
                this.source = Source::Finished;
                return Poll::Ready(other);
            }
            Poll::Pending => {}
        }
        // Nothing yet. In a burst, from now on a pump reads ahead next to
        // the connection and hands over batches (polled once here so that
        // it holds the waker). Measured, this beats reading the body directly
        // from every place: outside the worker threads (`block_on`) a chunk
        // would cross threads twice, and even a task of a multi-thread
        // runtime is woken (and its SSE decoding interrupted) once per chunk
        // instead of once per batch.
        let pump_on = match (&this.runtime, &this.source) {
            (Some(handle), Source::Direct(_)) if this.quick >= QUICK_CHUNKS => Some(handle),
            _ => None,
        };
        if let Some(handle) = pump_on {
            let Source::Direct(inner) = std::mem::replace(&mut this.source, Source::Finished)
            else {
                unreachable!("checked above")
            };
            let mut pumped = Pumped::spawn(handle, inner);
            let polled = pumped.poll_next(cx);
            this.source = Source::Pumped(pumped);
            if let Poll::Ready(ready) = polled {
                if !matches!(ready, Some(Ok(_))) {
                    this.source = Source::Finished;
                }
                return Poll::Ready(ready);
            }
        }
        ready!(this.poll_idle(cx));
        this.timed_out()
    }
}

impl<B> IdleBody<B> {
    /// Ends the body with the idle timeout error.
    fn timed_out(&mut self) -> Poll<Option<Result<Bytes, Error>>> {
        // Dropping the body (or the pump that owns it) closes the connection.
        self.source = Source::Finished;
        let timeout = TimeoutError::new(TimeoutKind::Idle, self.idle);
        Poll::Ready(Some(Err(Error::Timeout(timeout))))
    }
}

/// The next data chunk of `inner`, skipping empty chunks and trailers.
fn poll_direct<B>(inner: &mut B, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: StdError + Send + Sync + 'static,
{
    loop {
        match ready!(Pin::new(&mut *inner).poll_frame(cx)) {
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                // Empty chunks and trailers: nothing to hand out.
                _ => continue,
            },
            Some(Err(e)) => return Poll::Ready(Some(Err(body_error(e)))),
            None => return Poll::Ready(None),
        }
    }
}

impl<B> fmt::Debug for IdleBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdleBody")
            .field("finished", &matches!(self.source, Source::Finished))
            .field("pumped", &matches!(self.source, Source::Pumped(_)))
            .field("idle", &self.idle)
            .finish()
    }
}

/// `now + idle`, saturating (an "infinite" idle timeout must not panic).
fn deadline_after(now: Instant, idle: Duration) -> Instant {
    now.checked_add(idle)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_infinite_idle_timeout_does_not_panic() {
        assert!(deadline_after(Instant::now(), Duration::MAX) > Instant::now());
    }
}
