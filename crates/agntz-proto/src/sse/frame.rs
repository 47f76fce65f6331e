//! A dispatched event borrowed from the decoder.

use std::borrow::Cow;

use bytes::Bytes;

use super::event::{Event, Text};

/// A borrowed last event id.
#[derive(Debug, Clone, Copy)]
pub(super) enum IdRef<'a> {
    Text(&'a Text),
    /// Plain ASCII (checked by the fast path).
    Ascii(&'a [u8]),
}

impl<'a> IdRef<'a> {
    #[inline]
    pub(super) fn as_str(self) -> Option<&'a str> {
        match self {
            IdRef::Text(text) => Some(text.as_str()),
            IdRef::Ascii(raw) => std::str::from_utf8(raw).ok(),
        }
    }

    fn to_text(self) -> Text {
        match self {
            IdRef::Text(text) => text.clone(),
            IdRef::Ascii(raw) => Text::ascii(raw),
        }
    }
}

/// One dispatched server-sent event, borrowed from the [`Decoder`](super::Decoder)
/// until the next call on it.
///
/// This is what [`Decoder::next_frame`](super::Decoder::next_frame) returns:
/// reading a frame copies nothing, so code that turns each event into its
/// own type (JSON parsing, say) should read frames rather than [`Event`]s.
/// [`to_event`](Self::to_event) makes an owned event.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    event_type: Option<&'a Text>,
    data: &'a [u8],
    id: Option<IdRef<'a>>,
    /// The buffer `data` lies in, when it is shared, so an owned copy can
    /// share it too.
    shared: Option<&'a Bytes>,
}

impl<'a> Frame<'a> {
    #[inline]
    pub(super) fn new(
        event_type: Option<&'a Text>,
        data: &'a [u8],
        id: Option<IdRef<'a>>,
        shared: Option<&'a Bytes>,
    ) -> Self {
        Frame {
            event_type,
            data,
            id,
            shared,
        }
    }

    /// The `event:` field, or `"message"` when absent or empty.
    #[inline]
    pub fn event_type(&self) -> &'a str {
        self.event_type.map_or("message", Text::as_str)
    }

    /// Whether an explicit non-empty `event:` field was given.
    #[inline]
    pub fn has_event_type(&self) -> bool {
        self.event_type.is_some()
    }

    /// The raw data: all `data:` lines joined with `'\n'`, without a trailing `'\n'`.
    ///
    /// Not checked for UTF-8: a JSON parser checks it anyway
    /// (`serde_json::from_slice`), so checking here would do it twice.
    #[inline]
    pub fn data_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The data as text; invalid UTF-8 is replaced by U+FFFD.
    pub fn data(&self) -> Cow<'a, str> {
        String::from_utf8_lossy(self.data)
    }

    /// The last-event-id in effect when this event was dispatched.
    #[inline]
    pub fn id(&self) -> Option<&'a str> {
        self.id.and_then(IdRef::as_str)
    }

    /// An owned copy. The data shares the input chunk when it was read in
    /// place (no copy), and is copied otherwise.
    pub fn to_event(&self) -> Event {
        let data = match self.shared {
            Some(chunk) => chunk.slice_ref(self.data),
            None => Bytes::copy_from_slice(self.data),
        };
        Event::from_parts(self.event_type.cloned(), data, self.id.map(IdRef::to_text))
    }
}
