//! Fuzzes the typed stream decoders (`StreamDecoder` over `AgentFrames`,
//! `RunFrames` and `TraceFrames`): no panics, nothing after an error or the
//! end, and chunking never changes what comes out.
#![no_main]

use agntz_proto::stream::{AgentFrames, Frames, RunFrames, StreamDecoder, TraceFrames};
use libfuzzer_sys::fuzz_target;

/// Items and errors (errors by their Debug form), then what `finish` said.
type Outcome<I> = (Vec<Result<I, String>>, Option<String>);

fn decode<F: Frames>(frames: F, max: usize, input: &[u8], chunk: usize) -> Outcome<F::Item>
where
    F::Item: std::fmt::Debug,
{
    let mut dec = StreamDecoder::new(frames, max);
    let mut out = Vec::new();
    let mut failed = false;
    for part in input.chunks(chunk.max(1)) {
        // In place, as the SDK's streams feed it (`feed` is covered by the
        // SSE target).
        dec.feed_bytes(bytes::Bytes::copy_from_slice(part));
        while let Some(r) = dec.next() {
            assert!(!failed, "yielded after an error: {r:?}");
            failed = r.is_err();
            out.push(r.map_err(|e| format!("{e:?}")));
        }
    }
    let end = dec.finish().map(|e| format!("{e:?}"));
    assert!(!(failed && end.is_some()), "a second error from finish");
    assert!(dec.finish().is_none(), "finish reported twice");
    dec.feed(b"event: run-complete\ndata: {}\n\n");
    assert!(dec.next().is_none(), "yielded after the end");
    (out, end)
}

fn invariant<F, M>(make: M, max: usize, input: &[u8], chunk: usize)
where
    F: Frames,
    F::Item: std::fmt::Debug + PartialEq,
    M: Fn() -> F,
{
    let whole = decode(make(), max, input, input.len());
    assert_eq!(decode(make(), max, input, chunk), whole);
}

fuzz_target!(|data: &[u8]| {
    // Byte 0 picks the frames kind (and RunFrames' start), byte 1 the chunk
    // size, byte 2 the event size limit; the rest is the body.
    let [kind, chunk, max, input @ ..] = data else {
        return;
    };
    let chunk = usize::from(*chunk);
    let max = if *max == 0 {
        16 << 20
    } else {
        usize::from(*max) * 16
    };
    match kind % 5 {
        0 => invariant(AgentFrames::new, max, input, chunk),
        1 => invariant(TraceFrames::new, max, input, chunk),
        2 => invariant(
            || RunFrames::new("run_abc".to_owned(), kind & 0x10 != 0),
            max,
            input,
            chunk,
        ),
        3 => invariant(
            || RunFrames::since("run_abc".to_owned(), u64::from(kind >> 4)),
            max,
            input,
            chunk,
        ),
        _ => invariant(
            || RunFrames::resuming_after("run_abc".to_owned(), Some(u64::from(kind >> 4))),
            max,
            input,
            chunk,
        ),
    }
});
