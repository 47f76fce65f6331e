//! The run registry's per-root event log: sequence numbers, replay buffer and
//! live fan-out for `/runs/{id}/stream`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::store::lock;
use crate::wire::RunEvent;

/// Events kept for replay per root (as the reference registry).
const REPLAY_CAPACITY: usize = 1000;

/// One emitted event, serialized once.
#[derive(Debug)]
pub(crate) struct LoggedEvent {
    pub seq: u64,
    pub name: &'static str,
    pub json: String,
    /// `true` for the root's own terminal event (the stream ends after it).
    pub root_terminal: bool,
}

struct LogInner {
    seq: u64,
    buffer: VecDeque<Arc<LoggedEvent>>,
    done: bool,
}

/// Event log of one run tree.
pub(crate) struct EventLog {
    root_id: String,
    inner: Mutex<LogInner>,
    tx: broadcast::Sender<Arc<LoggedEvent>>,
}

/// What a subscriber gets: replayed events and, unless the root already
/// finished, a receiver for live ones.
pub(crate) type Subscription = (
    Vec<Arc<LoggedEvent>>,
    Option<broadcast::Receiver<Arc<LoggedEvent>>>,
);

impl EventLog {
    pub(crate) fn new(root_id: &str) -> Arc<EventLog> {
        let (tx, _) = broadcast::channel(REPLAY_CAPACITY + 64);
        Arc::new(EventLog {
            root_id: root_id.to_string(),
            inner: Mutex::new(LogInner {
                seq: 0,
                buffer: VecDeque::new(),
                done: false,
            }),
            tx,
        })
    }

    /// Assigns the next `seq`, records and broadcasts the event; returns it.
    pub(crate) fn emit(&self, mut event: RunEvent) -> Arc<LoggedEvent> {
        let mut inner = lock(&self.inner);
        inner.seq += 1;
        let seq = inner.seq;
        event.set_seq(seq);
        let root_terminal = event.is_terminal() && event.run_id() == self.root_id;
        let logged = Arc::new(LoggedEvent {
            seq,
            name: event.name(),
            json: serde_json::to_string(&event).unwrap_or_else(|_| "{}".into()),
            root_terminal,
        });
        if inner.buffer.len() == REPLAY_CAPACITY {
            inner.buffer.pop_front();
        }
        inner.buffer.push_back(logged.clone());
        if root_terminal {
            inner.done = true;
        }
        let _ = self.tx.send(logged.clone());
        logged
    }

    /// Resolves once the root's terminal event has been emitted.
    pub(crate) async fn ended(&self) {
        let (_, live) = self.subscribe(None);
        let Some(mut rx) = live else {
            return;
        };
        loop {
            match rx.recv().await {
                Ok(e) if e.root_terminal => return,
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {
                    if lock(&self.inner).done {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// Replay (events with `seq > since`) plus a live receiver if still running.
    pub(crate) fn subscribe(&self, since: Option<i64>) -> Subscription {
        let inner = lock(&self.inner);
        let replay = inner
            .buffer
            .iter()
            .filter(|e| since.is_none_or(|s| (e.seq as i64) > s))
            .cloned()
            .collect();
        let live = if inner.done {
            None
        } else {
            Some(self.tx.subscribe())
        };
        (replay, live)
    }
}
