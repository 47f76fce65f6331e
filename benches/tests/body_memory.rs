//! Peak heap while reading a whole body stays near the limit (or near the
//! body, when the head declares its length), measured with a counting
//! global allocator that counts a `realloc` as old and new block together.
//!
//! One `#[test]` runs every case in turn: the allocator's counters are
//! process-wide, so cases must not overlap.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use agntz_bench::alloc::{live_bytes, peak_bytes, reset_peak, CountingAlloc};
use agntz_proto::transport::{read_body, read_body_sized};
use agntz_proto::Error;
use bytes::Bytes;
use futures_core::Stream;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MIB: usize = 1024 * 1024;

/// A body of `len` bytes sent in fresh `chunk`-byte allocations, as a
/// transport hands them over.
struct Generated {
    left: usize,
    chunk: usize,
}

impl Stream for Generated {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        let n = self.chunk.min(self.left);
        self.left -= n;
        Poll::Ready(Some(Ok(Bytes::from(vec![b'x'; n]))))
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Reads a generated body; returns (the result's length or the error,
/// peak heap above what was live before, in bytes).
fn measure(
    len: usize,
    chunk: usize,
    limit: usize,
    declared: Option<u64>,
) -> (Result<usize, Error>, usize) {
    let mut body = Generated { left: len, chunk };
    let before = live_bytes();
    reset_peak();
    let result = match declared {
        None => block_on(read_body(&mut body, limit)),
        Some(_) => block_on(read_body_sized(&mut body, limit, declared)),
    };
    let peak = peak_bytes().saturating_sub(before) as usize;
    (result.map(|b| b.len()), peak)
}

#[track_caller]
fn assert_within(what: &str, peak: usize, bound: f64, of: usize) {
    let ratio = peak as f64 / of as f64;
    println!(
        "{what}: peak {:.2} MiB = {ratio:.3}x",
        peak as f64 / MIB as f64
    );
    assert!(
        ratio <= bound,
        "{what}: peak {peak} B is {ratio:.3}x, over {bound}x"
    );
}

#[test]
fn peak_heap_stays_near_the_limit_or_the_body() {
    let limit = 16 * MIB;

    // No declared length, three times the limit in 16 KiB chunks: fails at
    // the limit having held no more than the limit and a chunk.
    let (result, peak) = measure(3 * limit, 16 * 1024, limit, None);
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert_within("over the limit, 16 KiB chunks", peak, 1.1, limit);

    // The same in 100-byte chunks: small chunks are copied into blocks,
    // not held one allocation each.
    let small = 2 * MIB;
    let (result, peak) = measure(3 * small, 100, small, None);
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert_within("over the limit, 100 B chunks", peak, 1.1, small);

    // A declared length over the limit: nothing is read.
    let (result, peak) = measure(3 * limit, 16 * 1024, limit, Some(3 * limit as u64));
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert!(peak < 64 * 1024, "read nothing: {peak}");

    // A declared length within the limit: one buffer of that size.
    let len = limit - limit / 10;
    let (result, peak) = measure(len, 16 * 1024, limit, Some(len as u64));
    assert_eq!(result.unwrap(), len);
    assert_within("declared length, within the limit", peak, 1.01, len);

    // No declared length, within the limit: the pieces, then one join
    // (the body twice, for that moment), never a doubling buffer.
    let (result, peak) = measure(len, 16 * 1024, limit, None);
    assert_eq!(result.unwrap(), len);
    assert_within("no declared length, within the limit", peak, 2.01, len);
}
