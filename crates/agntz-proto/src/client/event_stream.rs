//! Polling a transport body through a [`StreamDecoder`].

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use crate::config::{ApiKey, Config};
use crate::error::Error;
use crate::redact::{Redactor, Scrub};
use crate::stream::{Frames, StreamDecoder};

/// One SSE response being decoded. Drops the body (closing the connection)
/// as soon as the stream is over.
pub(crate) struct FrameStream<B, F> {
    body: Option<B>,
    decoder: StreamDecoder<F>,
    /// For the event size limit and the key to scrub from server text.
    config: Arc<Config>,
}

impl<B, F> FrameStream<B, F>
where
    B: Stream<Item = Result<Bytes, Error>> + Unpin,
    F: Frames,
    F::Item: Scrub,
{
    pub(crate) fn new(body: B, frames: F, config: Arc<Config>) -> Self {
        let max_event_bytes = config.limits().max_event_bytes;
        FrameStream {
            body: Some(body),
            decoder: StreamDecoder::new(frames, max_event_bytes),
            config,
        }
    }

    /// The next item with the client's key scrubbed from its server text.
    pub(crate) fn poll_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<F::Item, Error>>> {
        let item = std::task::ready!(self.poll_raw(cx));
        let redactor = Redactor::new(self.config.api_key().map(ApiKey::expose));
        Poll::Ready(item.map(|item| redactor.item(item)))
    }

    pub(crate) fn decoder(&self) -> &StreamDecoder<F> {
        &self.decoder
    }

    /// Whether the terminal item was delivered.
    pub(crate) fn is_complete(&self) -> bool {
        self.decoder.is_complete()
    }

    /// The next item: decoded items first, then body errors, then the
    /// end-of-body verdict.
    fn poll_raw(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<F::Item, Error>>> {
        loop {
            if let Some(item) = self.decoder.next() {
                if self.decoder.is_done() {
                    self.body = None;
                }
                return Poll::Ready(Some(item));
            }
            if self.decoder.is_done() {
                self.body = None;
                return Poll::Ready(None);
            }
            let Some(body) = self.body.as_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(body).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.decoder.feed_bytes(chunk),
                Poll::Ready(Some(Err(e))) => {
                    self.body = None;
                    self.decoder.abort();
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    self.body = None;
                    if let Some(e) = self.decoder.finish() {
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
        }
    }
}
