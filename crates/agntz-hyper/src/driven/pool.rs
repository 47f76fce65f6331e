//! Idle HTTP/1.1 connections of the driven sender, by origin.
//!
//! Nobody polls an idle connection while it waits. One idle for longer
//! than [`IDLE_FOR`] is dropped when found; one the server closed is found
//! out by the next request (see [`Pool::checkout`]). While any wait, a
//! reaper task wakes every [`IDLE_FOR`] and drops those past their time or
//! closed by the server, so a client that goes quiet does not keep them
//! (and their sockets) until its next stream.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Waker};
use std::time::Duration;

use http::uri::{Authority, Scheme};
use tokio::task::AbortHandle;
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
    /// The reaper task, while one is scheduled (it ends once nothing
    /// waits, or with its runtime).
    reaper: Option<AbortHandle>,
}

struct Idle {
    link: Link,
    since: Instant,
}

impl Idle {
    /// Whether it has waited less than [`IDLE_FOR`] at `now`.
    fn in_time(&self, now: Instant) -> bool {
        now.duration_since(self.since) < IDLE_FOR
    }
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
            if idle.in_time(now) && idle.link.send.is_ready() {
                return Some(idle.link);
            }
        }
    }

    /// Puts a connection whose exchange ended back, if it can take another
    /// request; drops it otherwise. Schedules the reaper on the current
    /// runtime if none is (outside a runtime, connections are only dropped
    /// when found).
    pub(crate) fn checkin(self: &Arc<Self>, origin: Origin, mut link: Link) {
        if !still_open(&mut link) {
            return;
        }
        let now = Instant::now();
        let mut state = self.lock();
        let idle = state.idle.entry(origin).or_default();
        idle.retain(|i| i.in_time(now));
        idle.push(Idle { link, since: now });
        let scheduled = state.reaper.as_ref().is_some_and(|r| !r.is_finished());
        if !scheduled {
            state.reaper = tokio::runtime::Handle::try_current()
                .ok()
                .map(|runtime| runtime.spawn(reap(Arc::downgrade(self))).abort_handle());
        }
    }

    /// Drops the connections idle for [`IDLE_FOR`] at `now` or closed by
    /// their server. Returns whether any still wait; when none does, the
    /// reaper is no longer scheduled (the next checkin schedules one).
    fn sweep(&self, now: Instant) -> bool {
        let mut state = self.lock();
        state.idle.retain(|_, idle| {
            idle.retain_mut(|i| i.in_time(now) && still_open(&mut i.link));
            !idle.is_empty()
        });
        let waiting = !state.idle.is_empty();
        if !waiting {
            state.reaper = None;
        }
        waiting
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

/// The reaper: sweeps every [`IDLE_FOR`] while connections wait and the
/// pool exists.
async fn reap(pool: Weak<Pool>) {
    loop {
        tokio::time::sleep(IDLE_FOR).await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        if !pool.sweep(Instant::now()) {
            return;
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use agntz_proto::transport::read_body;
    use agntz_proto::Transport;
    use bytes::Bytes;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A loopback server answering every request on a connection with a
    /// short body, keeping the connection open; `closed` counts the
    /// connections the client closed.
    async fn server(closed: Arc<AtomicUsize>) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let closed = Arc::clone(&closed);
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    let mut head = Vec::new();
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                        if head.ends_with(b"\r\n\r\n") {
                            head.clear();
                            let answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                            if stream.write_all(answer.as_bytes()).await.is_err() {
                                break;
                            }
                        }
                    }
                    closed.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        port
    }

    fn idle_count(pool: &Pool) -> usize {
        pool.lock().idle.values().map(Vec::len).sum()
    }

    #[tokio::test]
    async fn a_quiet_pool_drops_its_connections_after_the_idle_time() {
        let closed = Arc::new(AtomicUsize::new(0));
        let port = server(Arc::clone(&closed)).await;
        let transport = crate::HyperTransport::new();
        let request = http::Request::get(format!("http://127.0.0.1:{port}/stream"))
            .header("accept", "text/event-stream")
            .body(Bytes::new())
            .unwrap();
        let mut body = transport.send(request).await.unwrap().into_body();
        read_body(&mut body, 1 << 10).await.unwrap();
        drop(body);

        let pool = &transport.driven.as_ref().expect("a built transport").pool;
        assert_eq!(idle_count(pool), 1, "the connection waits in the pool");
        let scheduled = pool
            .lock()
            .reaper
            .as_ref()
            .is_some_and(|r| !r.is_finished());
        assert!(scheduled, "a reaper is scheduled while a connection waits");

        assert!(pool.sweep(Instant::now()), "kept before its idle time");
        assert_eq!(idle_count(pool), 1);
        assert!(!pool.sweep(Instant::now() + IDLE_FOR), "dropped after it");
        assert_eq!(idle_count(pool), 0);
        assert!(pool.lock().reaper.is_none(), "no reaper once nothing waits");

        // Dropped means closed: the server sees the end of the connection.
        for _ in 0..2000 {
            if closed.load(Ordering::SeqCst) == 1 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("the server never saw the connection closed");
    }
}
