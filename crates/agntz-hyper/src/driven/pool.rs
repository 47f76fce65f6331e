//! Idle HTTP/1.1 connections of the driven sender, by origin.
//!
//! Nobody polls an idle connection while it waits. One idle for longer
//! than [`IDLE_FOR`] is dropped when found; one the server closed is found
//! out by the next request (see [`Pool::checkout`]).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Waker};
use std::time::Duration;

use http::uri::{Authority, Scheme};
use tokio::time::Instant;

use super::Link;

/// How long a connection may wait in the pool (what `hyper-util`'s pool
/// keeps by default).
pub(crate) const IDLE_FOR: Duration = Duration::from_secs(90);

/// Where a connection goes: scheme and authority.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Origin {
    pub(crate) scheme: Scheme,
    pub(crate) authority: Authority,
}

/// The idle connections, and the origins that answered TLS with HTTP/2
/// (those are sent through `hyper-util`'s client, which multiplexes them).
#[derive(Default)]
pub(crate) struct Pool {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    idle: HashMap<Origin, Vec<Idle>>,
    http2: HashSet<Origin>,
}

struct Idle {
    link: Link,
    since: Instant,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the map half-updated
        // (every change is one insert or remove), so a poisoned lock is fine.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection to `origin` that can take a request, the most
    /// recently used first.
    ///
    /// Not polled here (that would cost a read per request): one that the
    /// server closed meanwhile shows its end when the request polls it,
    /// before the request is written, and the request is sent again on a
    /// new connection (see `Driven::send`).
    pub(crate) fn checkout(&self, origin: &Origin) -> Option<Link> {
        let now = Instant::now();
        loop {
            let idle = self.lock().idle.get_mut(origin)?.pop()?;
            let link = idle.link;
            if now.duration_since(idle.since) < IDLE_FOR && link.send.is_ready() {
                return Some(link);
            }
        }
    }

    /// Puts a connection whose exchange ended back, if it can take another
    /// request; drops it otherwise.
    pub(crate) fn checkin(&self, origin: Origin, mut link: Link) {
        if !still_open(&mut link) {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        let idle = state.idle.entry(origin).or_default();
        idle.retain(|i| now.duration_since(i.since) < IDLE_FOR);
        idle.push(Idle { link, since: now });
    }

    /// Whether `origin` negotiated HTTP/2 before.
    pub(crate) fn is_http2(&self, origin: &Origin) -> bool {
        self.lock().http2.contains(origin)
    }

    /// Remembers that `origin` negotiates HTTP/2.
    pub(crate) fn set_http2(&self, origin: Origin) {
        self.lock().http2.insert(origin);
    }
}

/// Lets the connection take in what happened while nobody polled it (the
/// end of its last exchange, or the server closing it) and says whether it
/// can send a request now.
fn still_open(link: &mut Link) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    if link.conn.as_mut().poll(&mut cx).is_ready() {
        return false;
    }
    link.send.is_ready() && !link.send.is_closed()
}
