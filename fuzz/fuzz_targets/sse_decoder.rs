//! Fuzzes the SSE decoder: no panics, and chunking never changes the result.
#![no_main]

use agntz_proto::sse::{Decoder, Event, SseError};
use libfuzzer_sys::fuzz_target;

type Outcome = (
    Vec<Result<Event, SseError>>,
    Result<(), SseError>,
    Option<u64>,
);

fn decode(input: &[u8], chunk: usize, max: usize) -> Outcome {
    let mut dec = Decoder::with_max_event_size(max);
    let mut out = Vec::new();
    for part in input.chunks(chunk.max(1)) {
        dec.feed(part);
        while let Some(r) = dec.next_event() {
            out.push(r);
        }
    }
    let end = dec.finish();
    (out, end, dec.retry())
}

fuzz_target!(|data: &[u8]| {
    // The first two bytes pick a chunk size and a limit; the rest is the stream.
    let (chunk, max, input) = match data {
        [c, m, rest @ ..] => (usize::from(*c), usize::from(*m) * 64, rest),
        _ => return,
    };
    let whole = decode(input, input.len(), max);
    assert_eq!(decode(input, chunk, max), whole);
});
