//! Racing a call against a timer, without a runtime.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// `Some(output)` if `fut` finishes first, `None` if `timer` does.
pub(crate) async fn race<F: Future>(fut: F, timer: impl Future<Output = ()>) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut timer = pin!(timer);
    poll_fn(|cx| {
        if let Poll::Ready(output) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if timer.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
