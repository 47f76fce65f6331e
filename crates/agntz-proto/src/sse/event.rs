//! The dispatched event type.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `None` when no non-empty `event:` field was given; never empty.
    event_type: Option<Text>,
    data: Bytes,
    id: Option<Text>,
}

impl Event {
    /// Creates an event with the given type (empty means the default
    /// `"message"`) and data, without an id.
    pub fn new(event_type: &str, data: impl Into<Bytes>) -> Self {
        Self {
            event_type: (!event_type.is_empty()).then(|| Text::from_lossy(event_type.as_bytes())),
            data: data.into(),
            id: None,
        }
    }

    /// Returns this event with the given last-event-id (empty means none).
    pub fn with_id(mut self, id: &str) -> Self {
        self.id = (!id.is_empty()).then(|| Text::from_lossy(id.as_bytes()));
        self
    }

    pub(crate) fn from_parts(event_type: Option<Text>, data: Bytes, id: Option<Text>) -> Self {
        Self {
            event_type,
            data,
            id,
        }
    }

    /// The `event:` field, or `"message"` when absent or empty.
    pub fn event_type(&self) -> &str {
        self.event_type.as_ref().map_or("message", Text::as_str)
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
        self.id.as_ref().map(Text::as_str)
    }

    /// Consumes the event, returning its raw data.
    pub fn into_data(self) -> Bytes {
        self.data
    }
}

/// Longest text kept inline (no allocation, no reference count).
pub(crate) const INLINE: usize = 24;

/// Short text (event types, ids) kept inline, longer text shared; always
/// valid UTF-8.
#[derive(Clone)]
pub(crate) enum Text {
    /// A well-known event type.
    Static(&'static str),
    /// `bytes[..len]`, valid UTF-8; the rest is zero.
    Inline { len: u8, bytes: [u8; INLINE] },
    /// Valid UTF-8, shared (often a slice of the decoder's input).
    Shared(Bytes),
}

impl Text {
    /// Copies `raw`, which the fast path already found to be plain ASCII,
    /// without checking it again (ids are pinned once per chunk).
    #[inline]
    pub(crate) fn ascii(raw: &[u8]) -> Self {
        debug_assert!(raw.is_ascii());
        let mut bytes = [0u8; INLINE];
        match bytes.get_mut(..raw.len()) {
            Some(head) => {
                head.copy_from_slice(raw);
                Text::Inline {
                    len: raw.len() as u8,
                    bytes,
                }
            }
            None => Text::Shared(Bytes::copy_from_slice(raw)),
        }
    }

    /// Copies `raw` inline when it is short valid UTF-8.
    #[inline]
    pub(crate) fn inline(raw: &[u8]) -> Option<Self> {
        if raw.len() > INLINE {
            return None;
        }
        let mut bytes = [0u8; INLINE];
        bytes.get_mut(..raw.len())?.copy_from_slice(raw);
        // Plain ASCII (the usual id or type) needs no UTF-8 check: test the
        // high bits of the three words at once.
        let high = bytes.chunks_exact(8).fold(0u64, |high, word| {
            high | u64::from_le_bytes(word.try_into().unwrap_or_default())
        });
        if high & 0x8080_8080_8080_8080 != 0 {
            std::str::from_utf8(raw).ok()?;
        }
        Some(Text::Inline {
            len: raw.len() as u8,
            bytes,
        })
    }

    /// Text of `raw`, invalid UTF-8 replaced by U+FFFD.
    #[inline]
    pub(crate) fn from_lossy(raw: &[u8]) -> Self {
        if let Some(text) = Self::inline(raw) {
            return text;
        }
        let text = String::from_utf8_lossy(raw);
        Self::inline(text.as_bytes())
            .unwrap_or_else(|| Text::Shared(Bytes::from(text.into_owned())))
    }

    /// The raw bytes (valid UTF-8).
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Static(text) => text.as_bytes(),
            Text::Inline { len, bytes } => bytes.get(..usize::from(*len)).unwrap_or_default(),
            Text::Shared(bytes) => bytes,
        }
    }

    /// The text. Validation is repeated because safe code cannot skip it;
    /// the text is short or already validated, and the fallback is unreachable.
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Text::Static(text) => text,
            _ => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
        }
    }

    /// Length in bytes.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Text::Static(text) => text.len(),
            Text::Inline { len, .. } => usize::from(*len),
            Text::Shared(bytes) => bytes.len(),
        }
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Text {}

impl fmt::Debug for Text {
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
    fn lossy_text() {
        assert_eq!(Text::from_lossy(b"x\xC3").as_str(), "x\u{FFFD}");
        assert_eq!(Text::from_lossy(b"ok").as_str(), "ok");
        let long = "y".repeat(INLINE + 1);
        let shared = Text::from_lossy(long.as_bytes());
        assert!(matches!(shared, Text::Shared(_)));
        assert_eq!(shared.as_str(), long);
        let bad = "\u{FFFD}".repeat(INLINE);
        let mut raw = b"\xFF".repeat(INLINE);
        assert_eq!(Text::from_lossy(&raw).as_str(), bad);
        raw.truncate(3);
        assert_eq!(Text::from_lossy(&raw).as_str(), "\u{FFFD}".repeat(3));
        assert_eq!(
            Text::from_lossy(b"ab"),
            Text::Shared(Bytes::from_static(b"ab"))
        );
    }
}
