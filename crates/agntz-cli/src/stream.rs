//! Server-sent-event streams read through the SDK's frame interpreters,
//! keeping each event's JSON payload as it was sent (for `--json` and for
//! the official CLI's `runs stream` output).

use std::pin::Pin;

use agntz_client::bytes::Bytes;
use agntz_client::proto::stream::{Frames, StreamDecoder};
use agntz_client::sse::Frame;
use agntz_client::{Error, Stream, StreamError};
use serde_json::Value;

/// A typed item with the event name and JSON payload it was decoded from.
#[derive(Debug)]
pub struct RawItem<I> {
    /// The SDK's typed item.
    pub item: I,
    /// The SSE event name.
    pub name: String,
    /// The payload (`null` if it was not JSON; the typed decode decides
    /// whether that is an error).
    pub data: Value,
}

/// Wraps an SDK frame interpreter (its terminal rules, `seq` tracking and
/// duplicate skipping) and keeps each frame's payload.
#[derive(Debug)]
pub struct RawFrames<F> {
    /// The SDK's interpreter.
    pub inner: F,
}

impl<F: Frames> Frames for RawFrames<F> {
    type Item = RawItem<F::Item>;

    fn decode(&mut self, frame: Frame<'_>) -> Result<Option<Self::Item>, StreamError> {
        let name = frame.event_type();
        let data = frame.data_bytes();
        Ok(self.inner.decode(frame)?.map(|item| RawItem {
            item,
            name: name.to_owned(),
            data: serde_json::from_slice(data).unwrap_or(Value::Null),
        }))
    }

    fn is_terminal(&self, item: &Self::Item) -> bool {
        self.inner.is_terminal(&item.item)
    }

    fn end_without_terminal(&self, items: u64) -> Option<StreamError> {
        self.inner.end_without_terminal(items)
    }
}

/// The next item of `body` through `decoder`: decoded items first, then a
/// body error, then the end-of-body verdict (`None` after a clean end).
pub async fn next_item<B, F>(
    body: &mut B,
    decoder: &mut StreamDecoder<F>,
) -> Option<Result<F::Item, Error>>
where
    B: Stream<Item = Result<Bytes, Error>> + Unpin,
    F: Frames,
{
    loop {
        if let Some(item) = decoder.next() {
            return Some(item);
        }
        if decoder.is_done() {
            return None;
        }
        match std::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await {
            Some(Ok(chunk)) => decoder.feed_bytes(chunk),
            Some(Err(e)) => {
                decoder.abort();
                return Some(Err(e));
            }
            None => return decoder.finish().map(Err),
        }
    }
}
