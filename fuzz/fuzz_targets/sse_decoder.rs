//! Fuzzes the SSE decoder: no panics, and neither chunking nor the way
//! chunks are fed (copied, read in place, several before draining) changes
//! the result.
#![no_main]

use agntz_proto::sse::{Decoder, Event, SseError};
use libfuzzer_sys::fuzz_target;

type Outcome = (
    Vec<Result<Event, SseError>>,
    Result<(), SseError>,
    Option<u64>,
);

/// How chunks reach the decoder.
#[derive(Clone, Copy)]
enum Feed {
    /// `feed(&[u8])`, draining after each.
    Copied,
    /// `feed_bytes`, draining after each.
    InPlace,
    /// `feed_bytes` of two chunks at a time, then a drain.
    Undrained,
}

fn decode(input: &[u8], chunk: usize, max: usize, feed: Feed) -> Outcome {
    let mut dec = Decoder::with_max_event_size(max);
    let mut out = Vec::new();
    let all = bytes::Bytes::copy_from_slice(input);
    for (i, part) in input.chunks(chunk.max(1)).enumerate() {
        match feed {
            Feed::Copied => dec.feed(part),
            Feed::InPlace | Feed::Undrained => {
                let at = part.as_ptr() as usize - input.as_ptr() as usize;
                dec.feed_bytes(all.slice(at..at + part.len()));
            }
        }
        if matches!(feed, Feed::Undrained) && i % 2 == 0 {
            continue;
        }
        while let Some(r) = dec.next_event() {
            out.push(r);
        }
    }
    while let Some(r) = dec.next_event() {
        out.push(r);
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
    let whole = decode(input, input.len(), max, Feed::Copied);
    for feed in [Feed::Copied, Feed::InPlace, Feed::Undrained] {
        assert_eq!(decode(input, chunk, max, feed), whole);
    }
});
