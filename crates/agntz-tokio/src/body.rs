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
use tokio::time::{Instant, Sleep};

use crate::error::body_error;

/// The idle timer of one exchange, started when the request is sent.
///
/// [`head`](Self::head) waits for the response head under the timer, then
/// [`body`](Self::body) hands the same timer to the response body: one timer
/// serves the whole exchange, so on a fresh connection it also covers
/// connecting.
pub struct IdleTimer {
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl IdleTimer {
    /// Starts a timer of `idle`.
    pub fn start(idle: Duration) -> Self {
        IdleTimer {
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
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

    /// The response body `inner` behind this timer.
    pub fn body<B>(self, inner: B) -> IdleBody<B> {
        IdleBody {
            inner: Some(inner),
            idle: self.idle,
            timer: self.timer,
            deadline: deadline_after(self.idle),
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
pub struct IdleBody<B> {
    /// `None` once the body ended or failed.
    inner: Option<B>,
    idle: Duration,
    /// One timer per response, created when the request was sent.
    timer: Pin<Box<Sleep>>,
    /// When the idle timeout really expires. Moved forward on every chunk
    /// without touching the timer; the timer catches up lazily when it fires.
    deadline: Instant,
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
    B: Body<Data = Bytes> + Unpin,
    B::Error: StdError + Send + Sync + 'static,
{
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            let Some(inner) = this.inner.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => {
                    this.deadline = deadline_after(this.idle);
                    match frame.into_data() {
                        Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                        // Empty chunks and trailers: nothing to hand out.
                        _ => continue,
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.inner = None;
                    return Poll::Ready(Some(Err(body_error(e))));
                }
                Poll::Ready(None) => {
                    this.inner = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => {}
            }
            ready!(this.poll_idle(cx));
            // Dropping the inner body closes the connection.
            this.inner = None;
            let timeout = TimeoutError::new(TimeoutKind::Idle, this.idle);
            return Poll::Ready(Some(Err(Error::Timeout(timeout))));
        }
    }
}

impl<B> fmt::Debug for IdleBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdleBody")
            .field("finished", &self.inner.is_none())
            .field("idle", &self.idle)
            .finish()
    }
}

/// `now + idle`, saturating (an "infinite" idle timeout must not panic).
fn deadline_after(idle: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(idle)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_infinite_idle_timeout_does_not_panic() {
        assert!(deadline_after(Duration::MAX) > Instant::now());
    }
}
