//! The dispatched event type.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `None` when no non-empty `event:` field was given; never empty.
    event_type: Option<Arc<str>>,
    data: Bytes,
    id: Option<Utf8Bytes>,
}

impl Event {
    /// Creates an event with the given type (empty means the default
    /// `"message"`) and data, without an id.
    pub fn new(event_type: &str, data: impl Into<Bytes>) -> Self {
        Self {
            event_type: (!event_type.is_empty()).then(|| Arc::from(event_type)),
            data: data.into(),
            id: None,
        }
    }

    /// Returns this event with the given last-event-id (empty means none).
    pub fn with_id(mut self, id: &str) -> Self {
        self.id =
            (!id.is_empty()).then(|| Utf8Bytes::from_lossy(Bytes::copy_from_slice(id.as_bytes())));
        self
    }

    pub(crate) fn from_parts(
        event_type: Option<Arc<str>>,
        data: Bytes,
        id: Option<Utf8Bytes>,
    ) -> Self {
        Self {
            event_type,
            data,
            id,
        }
    }

    /// The `event:` field, or `"message"` when absent or empty.
    pub fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or("message")
    }

    /// Whether an explicit non-empty `event:` field was given.
    pub fn has_event_type(&self) -> bool {
        self.event_type.is_some()
    }

    /// The data as text; invalid UTF-8 is replaced by U+FFFD.
    pub fn data(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.data)
    }

    /// The raw data: all `data:` lines joined with `'\n'`, without a trailing `'\n'`.
    pub fn data_bytes(&self) -> &Bytes {
        &self.data
    }

    /// The last-event-id in effect when this event was dispatched.
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().map(Utf8Bytes::as_str)
    }

    /// Consumes the event, returning its raw data.
    pub fn into_data(self) -> Bytes {
        self.data
    }
}

/// Bytes known to hold valid UTF-8, so ids can share the input buffer.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Utf8Bytes(Bytes);

impl Utf8Bytes {
    /// Keeps `bytes` as is when valid, else copies a lossy conversion.
    pub(crate) fn from_lossy(bytes: Bytes) -> Self {
        match String::from_utf8_lossy(&bytes) {
            Cow::Borrowed(_) => Self(bytes),
            Cow::Owned(fixed) => Self(Bytes::from(fixed)),
        }
    }

    /// The text. Validation is repeated because safe code cannot skip it;
    /// ids are short, and the fallback is unreachable.
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Utf8Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_defaults_and_accessors() {
        let e = Event::new("", "hi");
        assert_eq!(e.event_type(), "message");
        assert!(!e.has_event_type());
        assert_eq!(e.id(), None);
        let e = Event::new("ping", &b"a\xFFb"[..]).with_id("7");
        assert_eq!(e.event_type(), "ping");
        assert!(e.has_event_type());
        assert_eq!(e.data(), "a\u{FFFD}b");
        assert_eq!(e.data_bytes().as_ref(), b"a\xFFb");
        assert_eq!(e.id(), Some("7"));
        assert_eq!(e.into_data().as_ref(), b"a\xFFb");
    }

    #[test]
    fn lossy_ids() {
        assert_eq!(
            Utf8Bytes::from_lossy(Bytes::from_static(b"x\xC3")).as_str(),
            "x\u{FFFD}"
        );
        assert_eq!(
            Utf8Bytes::from_lossy(Bytes::from_static(b"ok")).as_str(),
            "ok"
        );
    }
}
