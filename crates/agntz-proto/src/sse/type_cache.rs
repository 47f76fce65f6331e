//! A tiny cache of recent event types.
//!
//! Short event types are kept inline in each event; longer ones are shared.
//! Streams repeat a handful of event types, so sharing one buffer per long
//! type avoids an allocation per event.

use bytes::Bytes;

use super::event::Text;

/// Number of distinct types remembered.
const SLOTS: usize = 8;
/// Longer types are not cached, so the cache cannot pin large buffers.
const MAX_CACHED_LEN: usize = 64;

/// Round-robin cache of the most recently seen event types.
#[derive(Debug, Default)]
pub(crate) struct TypeCache {
    slots: Vec<Bytes>,
    next: usize,
}

impl TypeCache {
    /// Returns the event type for the raw field value (lossy UTF-8).
    pub(crate) fn get(&mut self, raw: &[u8]) -> Text {
        if let Some(text) = known(raw) {
            return Text::Static(text);
        }
        if let Some(text) = Text::inline(raw) {
            return text;
        }
        if let Some(hit) = self.slots.iter().find(|t| t.as_ref() == raw) {
            return Text::Shared(hit.clone());
        }
        let fresh = Text::from_lossy(raw);
        if let Text::Shared(bytes) = &fresh {
            if raw.len() <= MAX_CACHED_LEN && bytes.as_ref() == raw {
                if self.slots.len() < SLOTS {
                    self.slots.push(bytes.clone());
                } else if let Some(slot) = self.slots.get_mut(self.next) {
                    *slot = bytes.clone();
                    self.next = (self.next + 1) % SLOTS;
                }
            }
        }
        fresh
    }
}

/// The event types of the worker API, so the common ones cost nothing to
/// keep and read (no copy, no UTF-8 check).
#[inline]
fn known(raw: &[u8]) -> Option<&'static str> {
    Some(match raw {
        b"text-delta" => "text-delta",
        b"run-spawn" => "run-spawn",
        b"run-start" => "run-start",
        b"run-complete" => "run-complete",
        b"run-error" => "run-error",
        b"run-cancelled" => "run-cancelled",
        b"tool-call-start" => "tool-call-start",
        b"tool-call-end" => "tool-call-end",
        b"step-complete" => "step-complete",
        b"client-tool-request" => "client-tool-request",
        b"draining" => "draining",
        b"reply" => "reply",
        b"snapshot" => "snapshot",
        b"stream-error" => "stream-error",
        b"span-start" => "span-start",
        b"span-end" => "span-end",
        b"trace-done" => "trace-done",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_types_share_one_allocation() {
        let mut cache = TypeCache::default();
        let name = b"a-rather-long-event-type-name";
        let (Text::Shared(a), Text::Shared(b)) = (cache.get(name), cache.get(name)) else {
            panic!("long types are shared");
        };
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert!(matches!(cache.get(b"run-spawn"), Text::Static("run-spawn")));
        assert!(matches!(cache.get(b"custom"), Text::Inline { .. }));
    }

    #[test]
    fn evicts_round_robin_and_stays_bounded() {
        let mut cache = TypeCache::default();
        for i in 0..100 {
            let name = format!("a-long-event-type-name-{i}");
            assert_eq!(cache.get(name.as_bytes()).as_str(), name);
        }
        assert_eq!(cache.slots.len(), SLOTS);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_not_cached() {
        let mut cache = TypeCache::default();
        assert_eq!(cache.get(b"a\xFFb").as_str(), "a\u{FFFD}b");
        let long = b"a-long-event-type-name-\xFF";
        assert_eq!(cache.get(long).as_str(), "a-long-event-type-name-\u{FFFD}");
        assert!(cache.slots.is_empty());
    }

    #[test]
    fn long_types_are_not_cached() {
        let mut cache = TypeCache::default();
        let long = "x".repeat(MAX_CACHED_LEN + 1);
        assert_eq!(cache.get(long.as_bytes()).as_str(), long);
        assert!(cache.slots.is_empty());
    }
}
