//! The small tokio runtime a blocking client owns, and the one place that
//! blocks on it.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use agntz_proto::error::{BlockingError, BlockingErrorKind, Error};
use tokio::runtime::{Builder, EnterGuard, Handle, Runtime};

/// A multi-thread runtime with one worker thread, shared by every clone of
/// a blocking client and by the streams it opened.
///
/// Why this shape: the worker thread drives sockets and timers (and the
/// connection tasks of the pool) while callers are away, so pooled
/// connections stay healthy between calls; each call's future is polled on
/// the calling thread itself (`Runtime::block_on` of a multi-thread
/// runtime), so several threads can call at once and a stream's events
/// reach the caller without a channel in between.
pub(crate) struct BlockingRuntime {
    // An `Option` only so `Drop` can take it for `shutdown_background`.
    runtime: Option<Runtime>,
}

impl std::fmt::Debug for BlockingRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingRuntime").finish_non_exhaustive()
    }
}

impl BlockingRuntime {
    /// Starts the runtime (its worker thread is named `agntz-blocking`).
    pub(crate) fn start() -> Result<Self, Error> {
        let runtime = Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("agntz-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                BlockingError::new(
                    BlockingErrorKind::RuntimeStart,
                    "could not start the blocking client's runtime",
                )
                .with_source(e)
            })?;
        Ok(BlockingRuntime {
            runtime: Some(runtime),
        })
    }

    /// Enters the runtime's context (to build transports that look for
    /// one).
    pub(crate) fn enter(&self) -> Option<EnterGuard<'_>> {
        self.runtime.as_ref().map(Runtime::enter)
    }

    /// Runs `future` to completion on the calling thread.
    ///
    /// Refuses with [`BlockingErrorKind::InsideAsyncRuntime`] when the
    /// calling thread is inside an async runtime's context: blocking there
    /// would stall that runtime's thread (and tokio would panic).
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if Handle::try_current().is_ok() {
            return Err(BlockingError::new(
                BlockingErrorKind::InsideAsyncRuntime,
                "called from inside an async runtime; use the async client \
                 (agntz_client::AgntzClient) there, or call from a thread of your own",
            )
            .into());
        }
        // Only `Drop` takes the runtime, and nothing runs after it.
        let Some(runtime) = &self.runtime else {
            return Err(BlockingError::new(
                BlockingErrorKind::RuntimeStart,
                "the blocking client's runtime has shut down",
            )
            .into());
        };
        let mut future = std::pin::pin!(future);
        // Fast path: a stream's next item is usually decoded from a chunk
        // already received, so one poll in the runtime's context settles
        // it without `block_on`'s park machinery (several times the cost
        // of entering the context). Otherwise `block_on` polls again with
        // a real waker, which replaces the no-op one.
        {
            let _context = runtime.enter();
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
                return Ok(output);
            }
        }
        Ok(runtime.block_on(future))
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        // `shutdown_background` never blocks, so the last clone of a client
        // may be dropped anywhere, even inside another async runtime (where
        // dropping a `Runtime` normally panics).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
