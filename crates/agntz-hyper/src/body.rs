//! The response body: hyper's body behind an idle-read timer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use agntz_proto::{Error, TimeoutError, TimeoutKind};
use bytes::Bytes;
use futures_core::Stream;
use http_body::Body as _;
use tokio::time::{Instant, Sleep};

use crate::error::body_error;
use hyper::body::Incoming;

/// The body of a response sent by [`HyperTransport`](crate::HyperTransport):
/// a stream of chunks that ends at the end of the body.
///
/// When no chunk arrives for longer than the idle timeout, the stream yields
/// one `Err(Error::Timeout(..))` of kind [`TimeoutKind::Idle`] and then ends.
/// After an error or the end of the body the connection is released at once;
/// dropping the body early closes the connection (HTTP/1.1) or cancels the
/// stream (HTTP/2), which is how the worker learns that a run's client left.
pub struct HyperBody {
    /// `None` once the body ended or failed.
    inner: Option<Incoming>,
    idle: Duration,
    /// One timer per response, created when the request was sent.
    timer: Pin<Box<Sleep>>,
    /// When the idle timeout really expires. Moved forward on every chunk
    /// without touching the timer; the timer catches up lazily when it fires.
    deadline: Instant,
}

impl HyperBody {
    pub(crate) fn new(inner: Incoming, idle: Duration, timer: Pin<Box<Sleep>>) -> Self {
        let deadline = deadline_after(idle);
        HyperBody {
            inner: Some(inner),
            idle,
            timer,
            deadline,
        }
    }

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

impl Stream for HyperBody {
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

/// `now + idle`, saturating (an "infinite" idle timeout must not panic).
fn deadline_after(idle: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(idle)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 3600))
}

impl fmt::Debug for HyperBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperBody")
            .field("finished", &self.inner.is_none())
            .field("idle", &self.idle)
            .finish()
    }
}
