//! The SSE decoder's work is linear in the input for any chunking: the
//! bytes it examines while searching for line ends equal the input size
//! whether the transcript arrives whole, per frame, in 64 KiB chunks or one
//! byte at a time, and every chunking yields the same events.

use agntz_bench::transcript::{frame_ranges, transcript};
use agntz_proto::sse::Decoder;

fn decode(bytes: &[u8], chunks: &[std::ops::Range<usize>], in_place: bool) -> (usize, u64) {
    let all = bytes::Bytes::copy_from_slice(bytes);
    let mut d = Decoder::new();
    let mut events = 0;
    for c in chunks {
        if in_place {
            d.feed_bytes(all.slice(c.clone()));
        } else {
            d.feed(&bytes[c.clone()]);
        }
        while let Some(e) = d.next_event() {
            e.unwrap();
            events += 1;
        }
    }
    d.finish().unwrap();
    (events, d.scanned_bytes())
}

fn fixed(len: usize, size: usize) -> Vec<std::ops::Range<usize>> {
    (0..len)
        .step_by(size)
        .map(|s| s..(s + size).min(len))
        .collect()
}

#[test]
fn scanned_bytes_equal_input_for_any_chunking() {
    let t = transcript(2_000);
    let bytes = &t.runs_stream;
    let frames = frame_ranges(bytes);
    for (name, chunks) in [
        ("one chunk", fixed(bytes.len(), bytes.len())),
        ("per frame", frames.clone()),
        ("64 KiB", fixed(bytes.len(), 64 * 1024)),
        ("7 bytes", fixed(bytes.len(), 7)),
        ("1 byte", fixed(bytes.len(), 1)),
    ] {
        for in_place in [false, true] {
            let (events, scanned) = decode(bytes, &chunks, in_place);
            assert_eq!(events, frames.len(), "{name}, in place: {in_place}");
            assert_eq!(scanned, bytes.len() as u64, "{name}, in place: {in_place}");
        }
    }
}
