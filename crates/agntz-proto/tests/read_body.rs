//! `read_body` / `read_body_sized` return exactly the bytes of the body, or
//! `BodyTooLarge`, whatever the chunking and whatever length the head
//! declares; a declared length over the limit fails before reading. The
//! body comes back in one buffer when it had a declared length or arrived
//! in one chunk, else as a bounded number of chunks (never joined).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use agntz_proto::transport::{read_body, read_body_sized};
use agntz_proto::Error;
use bytes::Bytes;
use futures_core::Stream;
use proptest::prelude::*;

struct Chunks {
    chunks: VecDeque<Bytes>,
    polled: usize,
}

impl Stream for Chunks {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.polled += 1;
        Poll::Ready(self.chunks.pop_front().map(Ok))
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

/// `body` cut into chunks of the given sizes (cycled).
fn chunked(body: &[u8], sizes: &[usize]) -> Chunks {
    let body = Bytes::copy_from_slice(body);
    let mut chunks = VecDeque::new();
    let mut at = 0;
    let mut i = 0;
    while at < body.len() {
        let n = sizes[i % sizes.len()].min(body.len() - at);
        chunks.push_back(body.slice(at..at + n));
        at += n;
        i += 1;
    }
    Chunks { chunks, polled: 0 }
}

proptest! {
    #[test]
    fn same_bytes_or_too_large(
        len in 0usize..40_000,
        sizes in proptest::collection::vec(prop_oneof![1usize..64, 4000usize..9000, 0usize..2], 1..6),
        limit in 0usize..50_000,
        declared in prop_oneof![Just(None), Just(Some(0i64)), (-100i64..100).prop_map(Some)],
    ) {
        let sizes: Vec<usize> = sizes.into_iter().map(|s| s.max(1)).collect();
        let body: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        // A declared length near the real one: exact, short or long.
        let declared = declared.map(|d| (len as i64 + d).max(0) as u64);
        let mut chunks = chunked(&body, &sizes);
        let sent = chunks.chunks.len();
        let big = chunks.chunks.iter().filter(|c| c.len() >= 4096).count();
        let got = block_on(read_body_sized(&mut chunks, limit, declared));
        let too_large = len > limit || declared.is_some_and(|d| d > limit as u64);
        match got {
            Ok(whole) => {
                prop_assert!(!too_large);
                prop_assert_eq!(&whole, &body[..]);
                prop_assert_eq!(whole.len(), len);
                if declared.is_some() || sent <= 1 {
                    prop_assert!(whole.as_contiguous().is_some(), "one buffer");
                } else {
                    // Big chunks held as they came, small ones packed into
                    // 16 KiB blocks between them.
                    prop_assert!(whole.chunks().len() <= 2 * big + len / 16384 + 1);
                }
            }
            Err(Error::BodyTooLarge { limit: l }) => {
                prop_assert!(too_large);
                prop_assert_eq!(l, limit);
            }
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
        let mut chunks = chunked(&body, &sizes);
        let plain = block_on(read_body(&mut chunks, limit));
        prop_assert_eq!(plain.is_ok(), len <= limit);
        if let Ok(whole) = plain {
            prop_assert_eq!(whole.into_bytes(), &body[..]);
        }
    }
}

#[test]
fn declared_length_over_the_limit_fails_before_reading() {
    let mut chunks = chunked(&[1u8; 100], &[10]);
    let err = block_on(read_body_sized(&mut chunks, 50, Some(200_000_000))).unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { limit: 50 }), "{err:?}");
    assert_eq!(chunks.polled, 0, "not read at all");
}

#[test]
fn one_chunk_is_returned_without_a_copy() {
    let body = Bytes::from(vec![7u8; 10_000]);
    for declared in [None, Some(10_000)] {
        let mut chunks = Chunks {
            chunks: VecDeque::from([body.clone()]),
            polled: 0,
        };
        let got = block_on(read_body_sized(&mut chunks, 1 << 20, declared)).unwrap();
        let got = got.as_contiguous().expect("one buffer");
        assert_eq!(got.as_ptr(), body.as_ptr(), "{declared:?}");
    }
}

#[test]
fn chunks_without_a_declared_length_are_kept_not_joined() {
    let big = Bytes::from(vec![1u8; 8192]);
    let mut chunks = Chunks {
        chunks: VecDeque::from([
            big.clone(),
            Bytes::from_static(b"ab"),
            Bytes::from_static(b"cd"),
            big.clone(),
        ]),
        polled: 0,
    };
    let got = block_on(read_body(&mut chunks, 1 << 20)).unwrap();
    assert!(got.as_contiguous().is_none());
    let held: Vec<&Bytes> = got.chunks().collect();
    // The big chunks are the very buffers that arrived; the small ones
    // were copied into one block between them.
    assert_eq!(held.len(), 3);
    assert_eq!(held[0].as_ptr(), big.as_ptr());
    assert_eq!(held[1], "abcd");
    assert_eq!(held[2].as_ptr(), big.as_ptr());
}
