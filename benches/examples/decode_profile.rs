//! Runs one decoding path over the transcript in a loop, for profilers
//! (`valgrind --tool=callgrind`, `perf record`).
//!
//! `cargo run --profile bench -p agntz-bench --example decode_profile -- <mode> [deltas] [iterations]`
//!
//! Modes: `framing` (SSE decoder, borrowed frames, 64 KiB chunks;
//! `framing-whole`, `framing-per-frame` for the other chunkings),
//! `typed-whole` (the same in one chunk), `typed` (`StreamDecoder`
//! into `RunEvent`s), `memchr` (the framing floor; `memchr-per-frame` fed
//! one chunk per frame), `serde` (the typed floor:
//! payloads parsed with boundaries precomputed; `serde-str` parses them as the
//! SDK does, one UTF-8 check then `from_str`), `floor` (memchr framing plus
//! serde parsing). Each pass is one `profile_*` function, so callgrind can
//! count it alone: `--toggle-collect='*profile_*'`.

use std::hint::black_box;
use std::ops::Range;

use agntz_bench::chunks::{frame_all, Chunkings};
use agntz_bench::floor::{
    count_frames, count_frames_chunked, floor_parse, parse_payload_with, payloads, Kind, Parse,
};
use agntz_bench::transcript::transcript;
use agntz_proto::stream::{RunFrames, StreamDecoder};
use bytes::Bytes;

#[inline(never)]
fn profile_framing(chunks: &[Bytes]) -> usize {
    frame_all(chunks)
}

#[inline(never)]
fn profile_typed(chunks: &[Bytes], root: &str) -> usize {
    let mut d = StreamDecoder::new(RunFrames::new(root.to_owned(), false), 1 << 24);
    let mut events = 0;
    for chunk in chunks {
        d.feed_bytes(chunk.clone());
        while let Some(e) = d.next() {
            black_box(e.unwrap());
            events += 1;
        }
    }
    events
}

#[inline(never)]
fn profile_memchr(bytes: &[u8]) -> usize {
    count_frames(black_box(bytes))
}

#[inline(never)]
fn profile_memchr_chunked(chunks: &[Bytes]) -> usize {
    count_frames_chunked(black_box(chunks))
}

#[inline(never)]
fn profile_serde(bytes: &[u8], payloads: &[(Kind, Range<usize>)], how: Parse) -> usize {
    payloads
        .iter()
        .map(|(kind, data)| {
            usize::from(parse_payload_with(
                how,
                *kind,
                black_box(&bytes[data.clone()]),
            ))
        })
        .sum()
}

#[inline(never)]
fn profile_floor(bytes: &[u8]) -> usize {
    floor_parse(black_box(bytes))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("typed", String::as_str);
    let deltas = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let iterations = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let t = transcript(deltas);
    let bytes = t.runs_stream.as_slice();
    let chunkings = Chunkings::new(bytes);
    let chunks = &chunkings.k64;
    let payloads = payloads(bytes);
    let mut events = 0usize;
    for _ in 0..iterations {
        events += match what {
            "framing" => profile_framing(chunks),
            "framing-whole" => profile_framing(&chunkings.whole),
            "framing-per-frame" => profile_framing(&chunkings.per_frame),
            "typed-whole" => profile_typed(&chunkings.whole, &t.root_run_id),
            "memchr" => profile_memchr(bytes),
            "memchr-per-frame" => profile_memchr_chunked(&chunkings.per_frame),
            "serde" => profile_serde(bytes, &payloads, Parse::Slice),
            "serde-str" => profile_serde(bytes, &payloads, Parse::Str),
            "floor" => profile_floor(bytes),
            _ => profile_typed(chunks, &t.root_run_id),
        };
    }
    println!("{what}: {events} events");
}
