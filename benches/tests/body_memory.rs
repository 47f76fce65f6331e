//! Peak heap while reading a whole body stays near the limit (or near the
//! body, when the head declares its length), and so does decoding it: a
//! body without a declared length is kept as the chunks it arrived in and
//! decoded across them, never joined into a second copy. Measured with a
//! counting global allocator that counts a `realloc` as old and new block
//! together.
//!
//! One `#[test]` runs every case in turn: the allocator's counters are
//! process-wide, so cases must not overlap.

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use agntz_bench::alloc::{live_bytes, peak_bytes, reset_peak, CountingAlloc};
use agntz_proto::body::WholeBody;
use agntz_proto::response::parse_json;
use agntz_proto::transport::{read_body, read_body_sized};
use agntz_proto::Error;
use bytes::Bytes;
use futures_core::Stream;
use serde::de::IgnoredAny;
use serde::Deserialize;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MIB: usize = 1024 * 1024;

/// A body of `head`, then `unit` `units` times, then `tail`, sent in fresh
/// `chunk`-byte allocations, as a transport hands them over.
struct Generated {
    head: &'static [u8],
    unit: &'static [u8],
    units: usize,
    tail: &'static [u8],
    at: usize,
    chunk: usize,
}

impl Generated {
    /// `len` bytes of `x` (not JSON).
    fn plain(len: usize, chunk: usize) -> Self {
        Self::json(b"", b"x", len, b"", chunk)
    }

    fn json(
        head: &'static [u8],
        unit: &'static [u8],
        units: usize,
        tail: &'static [u8],
        chunk: usize,
    ) -> Self {
        Generated {
            head,
            unit,
            units,
            tail,
            at: 0,
            chunk,
        }
    }

    /// The units for a body of about `len` bytes.
    fn units_for(len: usize, head: &[u8], unit: &[u8], tail: &[u8]) -> usize {
        (len - head.len() - tail.len()) / unit.len()
    }

    fn len(&self) -> usize {
        self.head.len() + self.unit.len() * self.units + self.tail.len()
    }

    /// Bytes `from..from + n` of the body, appended to `out`.
    fn fill(&self, mut from: usize, n: usize, out: &mut Vec<u8>) {
        let end = from + n;
        let middle = self.unit.len() * self.units;
        while from < end {
            let (part, off) = if from < self.head.len() {
                (self.head, from)
            } else if from < self.head.len() + middle {
                (self.unit, (from - self.head.len()) % self.unit.len())
            } else {
                (self.tail, from - self.head.len() - middle)
            };
            let take = (part.len() - off).min(end - from);
            out.extend_from_slice(&part[off..off + take]);
            from += take;
        }
    }
}

impl Stream for Generated {
    type Item = Result<Bytes, Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let n = self.chunk.min(self.len() - self.at);
        if n == 0 {
            return Poll::Ready(None);
        }
        let mut out = Vec::with_capacity(n);
        self.fill(self.at, n, &mut out);
        self.at += n;
        Poll::Ready(Some(Ok(Bytes::from(out))))
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

/// Reads a generated body, then hands it to `decode` (which still holds it
/// while decoding); returns (what `decode` made of it or the error, peak
/// heap above what was live before, in bytes).
fn measure<T>(
    mut body: Generated,
    limit: usize,
    declared: Option<u64>,
    decode: impl FnOnce(WholeBody) -> Result<T, Error>,
) -> (Result<T, Error>, usize) {
    let before = live_bytes();
    reset_peak();
    let read = match declared {
        None => block_on(read_body(&mut body, limit)),
        Some(_) => block_on(read_body_sized(&mut body, limit, declared)),
    };
    let result = read.and_then(decode);
    let peak = peak_bytes().saturating_sub(before) as usize;
    (result, peak)
}

/// Just the body's length, no decoding.
fn length(body: WholeBody) -> Result<usize, Error> {
    Ok(body.len())
}

/// Decodes a 200 response's body the way every operation does.
fn decode<T: serde::de::DeserializeOwned>(body: WholeBody) -> Result<T, Error> {
    parse_json(&http::Response::new(body))
}

/// A run result whose large `output` is not kept.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RunSummary {
    run_id: String,
    status: String,
}

/// A page whose rows are counted, not kept.
#[derive(Debug, Deserialize)]
struct RowCount {
    rows: Vec<IgnoredAny>,
    cursor: String,
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
    let (result, peak) = measure(Generated::plain(3 * limit, 16 * 1024), limit, None, length);
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert_within("over the limit, 16 KiB chunks", peak, 1.1, limit);

    // The same in 100-byte chunks: small chunks are copied into blocks,
    // not held one allocation each.
    let small = 2 * MIB;
    let (result, peak) = measure(Generated::plain(3 * small, 100), small, None, length);
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert_within("over the limit, 100 B chunks", peak, 1.1, small);

    // A declared length over the limit: nothing is read.
    let (result, peak) = measure(
        Generated::plain(3 * limit, 16 * 1024),
        limit,
        Some(3 * limit as u64),
        length,
    );
    assert!(
        matches!(result, Err(Error::BodyTooLarge { .. })),
        "{result:?}"
    );
    assert!(peak < 64 * 1024, "read nothing: {peak}");

    // A declared length within the limit: one buffer of that size.
    let len = limit - limit / 10;
    let (result, peak) = measure(
        Generated::plain(len, 16 * 1024),
        limit,
        Some(len as u64),
        length,
    );
    assert_eq!(result.unwrap(), len);
    assert_within("declared length, within the limit", peak, 1.01, len);

    // No declared length, within the limit: the chunks are kept as they
    // are (no join, no doubling buffer): the body once.
    let (result, peak) = measure(Generated::plain(len, 16 * 1024), limit, None, length);
    assert_eq!(result.unwrap(), len);
    assert_within("no declared length, within the limit", peak, 1.02, len);

    // Decoding, no declared length, a JSON body of 0.95x the limit: read
    // and decoded across its chunks into a small value, the whole stays
    // within 1.1x the limit (joining first would hold the body twice).
    let near = limit - limit / 20;
    for chunk in [16 * 1024, 100] {
        // One large string, skipped by the target type.
        let (head, unit, tail): (&[u8], &[u8], &[u8]) = (
            br#"{"runId":"run_1","status":"completed","output":""#,
            br#"caf\u00e9 \"x\" \u00e9t\u00e9 "#,
            br#"","usage":{"totalTokens":3}}"#,
        );
        let units = Generated::units_for(near, head, unit, tail);
        let body = Generated::json(head, unit, units, tail, chunk);
        let (result, peak) = measure(body, limit, None, decode::<RunSummary>);
        let run = result.unwrap();
        assert_eq!(
            (run.run_id.as_str(), run.status.as_str()),
            ("run_1", "completed")
        );
        assert_within(
            &format!("a {near} B run result in {chunk} B chunks, decoded"),
            peak,
            1.1,
            limit,
        );

        // Many small rows, counted.
        let (head, unit, tail): (&[u8], &[u8], &[u8]) = (
            br#"{"rows":["#,
            "{\"id\":\"run_é\",\"n\":1,\"tags\":[\"a\",\"b\"]},".as_bytes(),
            br#"{"id":"last","n":2}],"cursor":"next"}"#,
        );
        let units = Generated::units_for(near, head, unit, tail);
        let body = Generated::json(head, unit, units, tail, chunk);
        let (result, peak) = measure(body, limit, None, decode::<RowCount>);
        let page = result.unwrap();
        assert_eq!((page.rows.len(), page.cursor.as_str()), (units + 1, "next"));
        assert_within(
            &format!("a {near} B page in {chunk} B chunks, decoded"),
            peak,
            1.1,
            limit,
        );
    }

    // A body that is not JSON fails to decode keeping a bounded prefix of
    // it for the error, not a joined copy.
    let (result, peak) = measure(
        Generated::plain(near, 16 * 1024),
        limit,
        None,
        decode::<RowCount>,
    );
    match result {
        Err(Error::Decode(e)) => assert!(e.body.len() <= 64 * 1024, "{}", e.body.len()),
        other => panic!("{other:?}"),
    }
    assert_within(
        "a body that is not JSON, in 16 KiB chunks",
        peak,
        1.1,
        limit,
    );
}
