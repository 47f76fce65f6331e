//! Remembering answered deliveries, so that a retry does not run the tool
//! twice.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use super::response::CallbackResponse;

/// What a [`DeliveryStore`] knows of a delivery id when a call comes in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Never seen (or forgotten): it is now claimed; run the tool, then
    /// [`complete`](DeliveryStore::complete) or
    /// [`release`](DeliveryStore::release) it.
    New,
    /// Claimed by a call still running (the worker gave up waiting and
    /// retried): answer "try again" so that the next retry gets the answer.
    InProgress,
    /// Answered before: send this answer again without running the tool.
    Answered(CallbackResponse),
}

/// "Have I answered this delivery id?": what a receiver asks before running
/// a tool, so that a retried delivery gets the stored answer instead of
/// running the tool (and its side effects) again.
///
/// Implement it over a shared store (a database, a cache) when several
/// processes receive calls; [`MemoryDeliveryStore`] serves one process.
/// Only final answers are stored ([`CallbackResponse::is_final`]): a
/// retryable failure releases the claim so that the retry runs again.
pub trait DeliveryStore: Send + Sync {
    /// Claims `delivery_id` unless it is running or answered.
    fn claim(&self, delivery_id: &str) -> Claim;
    /// Stores the final answer of a claimed delivery.
    fn complete(&self, delivery_id: &str, response: &CallbackResponse);
    /// Forgets a claim whose call ended without a final answer.
    fn release(&self, delivery_id: &str);
}

/// A [`DeliveryStore`] in memory, holding at most `capacity` delivery ids
/// (the oldest are forgotten first). Deliveries older than the verifier's
/// tolerance are refused anyway, so the capacity only has to cover the
/// calls of that window.
#[derive(Debug)]
pub struct MemoryDeliveryStore {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    /// Id → (claim number, answer; `None` while running).
    by_id: HashMap<String, (u64, Option<CallbackResponse>)>,
    /// Ids in claim order, with their claim number (a released and
    /// re-claimed id leaves a stale row behind, skipped on eviction).
    order: VecDeque<(u64, String)>,
    next: u64,
}

impl MemoryDeliveryStore {
    /// A store of at most `capacity` delivery ids (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDeliveryStore {
            capacity: capacity.max(1),
            inner: Mutex::new(Entries::default()),
        }
    }

    /// How many delivery ids are held (running or answered).
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// Whether no delivery id is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map stays consistent whatever panicked while it was held.
    fn lock(&self) -> MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Default for MemoryDeliveryStore {
    /// Room for 10,000 delivery ids.
    fn default() -> Self {
        Self::new(10_000)
    }
}

impl Entries {
    fn evict_to(&mut self, capacity: usize) {
        while self.by_id.len() > capacity {
            let Some((seq, id)) = self.order.pop_front() else {
                return;
            };
            if self.by_id.get(&id).is_some_and(|(s, _)| *s == seq) {
                self.by_id.remove(&id);
            }
        }
        // Stale rows of released ids: drop them once they outnumber the
        // live ones, so the queue stays bounded too.
        if self.order.len() > 2 * capacity {
            let by_id = &self.by_id;
            self.order
                .retain(|(seq, id)| by_id.get(id).is_some_and(|(s, _)| s == seq));
        }
    }
}

impl DeliveryStore for MemoryDeliveryStore {
    fn claim(&self, delivery_id: &str) -> Claim {
        let mut entries = self.lock();
        match entries.by_id.get(delivery_id) {
            Some((_, Some(answer))) => return Claim::Answered(answer.clone()),
            Some((_, None)) => return Claim::InProgress,
            None => {}
        }
        let seq = entries.next;
        entries.next += 1;
        entries.by_id.insert(delivery_id.to_owned(), (seq, None));
        entries.order.push_back((seq, delivery_id.to_owned()));
        entries.evict_to(self.capacity);
        Claim::New
    }

    fn complete(&self, delivery_id: &str, response: &CallbackResponse) {
        let mut entries = self.lock();
        if let Some((_, answer)) = entries.by_id.get_mut(delivery_id) {
            *answer = Some(response.clone());
            return;
        }
        // Evicted while running: remember it as a new entry.
        let seq = entries.next;
        entries.next += 1;
        entries
            .by_id
            .insert(delivery_id.to_owned(), (seq, Some(response.clone())));
        entries.order.push_back((seq, delivery_id.to_owned()));
        entries.evict_to(self.capacity);
    }

    fn release(&self, delivery_id: &str) {
        let mut entries = self.lock();
        if matches!(entries.by_id.get(delivery_id), Some((_, None))) {
            entries.by_id.remove(delivery_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_claimed_once_then_answered_from_the_store() {
        let store = MemoryDeliveryStore::new(8);
        assert_eq!(store.claim("cbd_1"), Claim::New);
        assert_eq!(store.claim("cbd_1"), Claim::InProgress);
        let answer = CallbackResponse::text("done");
        store.complete("cbd_1", &answer);
        assert_eq!(store.claim("cbd_1"), Claim::Answered(answer));
        // A released claim runs again.
        assert_eq!(store.claim("cbd_2"), Claim::New);
        store.release("cbd_2");
        assert_eq!(store.claim("cbd_2"), Claim::New);
        // Releasing an answered id keeps the answer.
        store.release("cbd_1");
        assert!(matches!(store.claim("cbd_1"), Claim::Answered(_)));
    }

    #[test]
    fn the_store_is_bounded_and_forgets_the_oldest_first() {
        let store = MemoryDeliveryStore::new(3);
        for i in 0..10 {
            let id = format!("cbd_{i}");
            assert_eq!(store.claim(&id), Claim::New);
            store.complete(&id, &CallbackResponse::text(id.clone()));
            assert!(store.len() <= 3);
        }
        assert_eq!(store.len(), 3);
        assert!(matches!(store.claim("cbd_9"), Claim::Answered(_)));
        assert_eq!(store.claim("cbd_0"), Claim::New);
        // Claims released over and over leave no unbounded queue behind.
        for _ in 0..100 {
            assert_eq!(store.claim("cbd_x"), Claim::New);
            store.release("cbd_x");
        }
        assert!(store.lock().order.len() <= 2 * 3 + 1);
        // Completing an id evicted while it ran stores it again.
        let small = MemoryDeliveryStore::new(1);
        assert_eq!(small.claim("a"), Claim::New);
        assert_eq!(small.claim("b"), Claim::New);
        small.complete("a", &CallbackResponse::text("late"));
        assert!(matches!(small.claim("a"), Claim::Answered(_)));
        assert_eq!(small.len(), 1);
    }
}
