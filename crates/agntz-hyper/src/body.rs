//! The body type of [`HyperTransport`](crate::HyperTransport)'s responses.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;

use crate::driven::DrivenBody;

/// A response body as hyper gives it: over an HTTP/1.1 connection that the
/// reader drives itself (see [`HyperTransport`](crate::HyperTransport)), or
/// from `hyper-util`'s client (HTTP/2, or a transport made with
/// [`HyperTransport::from_client`](crate::HyperTransport::from_client)).
pub struct ResponseBody(Inner);

enum Inner {
    Driven(DrivenBody),
    Pooled(Incoming),
}

impl ResponseBody {
    pub(crate) fn driven(body: DrivenBody) -> Self {
        ResponseBody(Inner::Driven(body))
    }

    pub(crate) fn pooled(body: Incoming) -> Self {
        ResponseBody(Inner::Pooled(body))
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match &mut self.get_mut().0 {
            Inner::Driven(body) => Pin::new(body).poll_frame(cx),
            Inner::Pooled(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            Inner::Driven(body) => body.is_end_stream(),
            Inner::Pooled(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            Inner::Driven(body) => body.size_hint(),
            Inner::Pooled(body) => body.size_hint(),
        }
    }
}

impl fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Driven(body) => body.fmt(f),
            Inner::Pooled(body) => body.fmt(f),
        }
    }
}
