//! The body of a response over a driven HTTP/1.1 connection.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use super::{Link, Origin, Pool};

/// A response body that drives its own connection: each poll first takes
/// what hyper already decoded, then lets the connection read and decode
/// more, on the reader's thread.
///
/// At the end of the body the connection goes back to the pool; dropped
/// before the end, it closes the connection.
pub struct DrivenBody {
    incoming: Incoming,
    /// The connection, until the body ends (or the connection does).
    link: Option<Link>,
    /// Where the connection goes back to.
    pool: Arc<Pool>,
    origin: Origin,
}

impl DrivenBody {
    pub(crate) fn new(
        incoming: Incoming,
        link: Option<Link>,
        pool: Arc<Pool>,
        origin: Origin,
    ) -> Self {
        DrivenBody {
            incoming,
            link,
            pool,
            origin,
        }
    }

    /// Polls the connection once; forgets it when it ended.
    fn drive(&mut self, cx: &mut Context<'_>) {
        if let Some(link) = &mut self.link {
            // Its outcome reaches `incoming` (an error, or the end).
            if link.conn.as_mut().poll(cx).is_ready() {
                self.link = None;
            }
        }
    }

    /// The body ended: the connection can take the next request.
    fn release(&mut self) {
        if let Some(link) = self.link.take() {
            self.pool.checkin(self.origin.clone(), link);
        }
    }
}

impl Body for DrivenBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let this = self.get_mut();
        let mut polled = Pin::new(&mut this.incoming).poll_frame(cx);
        if polled.is_pending() && this.link.is_some() {
            // Nothing decoded yet: let the connection read (registers the
            // socket's waker if there is nothing to read) and look again.
            this.drive(cx);
            polled = Pin::new(&mut this.incoming).poll_frame(cx);
        }
        match &polled {
            Poll::Ready(Some(Ok(_))) if this.incoming.is_end_stream() => this.release(),
            Poll::Ready(None) => this.release(),
            // An error: the connection is dropped with the body.
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.incoming.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.incoming.size_hint()
    }
}

impl fmt::Debug for DrivenBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DrivenBody")
            .field("origin", &self.origin)
            .field("connected", &self.link.is_some())
            .finish_non_exhaustive()
    }
}
