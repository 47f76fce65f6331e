//! A tiny cache of recent event types.
//!
//! Streams repeat a handful of event types, so sharing one `Arc<str>` per
//! type avoids an allocation per event while `event_type()` stays a plain
//! `&str` borrow.

use std::sync::Arc;

/// Number of distinct types remembered.
const SLOTS: usize = 8;
/// Longer types are not cached, so the cache cannot pin large buffers.
const MAX_CACHED_LEN: usize = 64;

/// Round-robin cache of the most recently seen event types.
#[derive(Debug, Default)]
pub(crate) struct TypeCache {
    slots: Vec<Arc<str>>,
    next: usize,
}

impl TypeCache {
    /// Returns the event type for the raw field value (lossy UTF-8).
    pub(crate) fn get(&mut self, raw: &[u8]) -> Arc<str> {
        if let Some(hit) = self.slots.iter().find(|t| t.as_bytes() == raw) {
            return Arc::clone(hit);
        }
        let fresh: Arc<str> = Arc::from(String::from_utf8_lossy(raw).as_ref());
        if raw.len() <= MAX_CACHED_LEN && fresh.as_bytes() == raw {
            if self.slots.len() < SLOTS {
                self.slots.push(Arc::clone(&fresh));
            } else if let Some(slot) = self.slots.get_mut(self.next) {
                *slot = Arc::clone(&fresh);
                self.next = (self.next + 1) % SLOTS;
            }
        }
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_types_share_one_allocation() {
        let mut cache = TypeCache::default();
        let a = cache.get(b"run-spawn");
        let b = cache.get(b"run-spawn");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn evicts_round_robin_and_stays_bounded() {
        let mut cache = TypeCache::default();
        for i in 0..100 {
            let name = format!("type-{i}");
            assert_eq!(&*cache.get(name.as_bytes()), name);
        }
        assert_eq!(cache.slots.len(), SLOTS);
    }

    #[test]
    fn invalid_utf8_is_replaced_and_not_cached() {
        let mut cache = TypeCache::default();
        assert_eq!(&*cache.get(b"a\xFFb"), "a\u{FFFD}b");
        assert!(cache.slots.is_empty());
    }

    #[test]
    fn long_types_are_not_cached() {
        let mut cache = TypeCache::default();
        let long = "x".repeat(MAX_CACHED_LEN + 1);
        assert_eq!(&*cache.get(long.as_bytes()), long);
        assert!(cache.slots.is_empty());
    }
}
