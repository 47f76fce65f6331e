//! Runs one decoding path over the transcript in a loop, for profilers
//! (`valgrind --tool=callgrind`, `perf record`).
//!
//! `cargo run --profile bench -p agntz-bench --example decode_profile -- <framing|typed|floor|memchr> [deltas] [iterations]`

use std::hint::black_box;

use agntz_bench::chunks::{fixed, frame_all};
use agntz_bench::floor::{count_frames, floor_parse};
use agntz_bench::transcript::transcript;
use agntz_proto::stream::{RunFrames, StreamDecoder};
use bytes::Bytes;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).map_or("typed", String::as_str);
    let deltas = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let iterations = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);
    let t = transcript(deltas);
    let chunks = fixed(&Bytes::from(t.runs_stream.clone()), 64 * 1024);
    let mut events = 0usize;
    for _ in 0..iterations {
        match what {
            "framing" => {
                events += frame_all(&chunks);
            }
            "floor" => events += floor_parse(black_box(&t.runs_stream)),
            "memchr" => events += count_frames(black_box(&t.runs_stream)),
            _ => {
                let mut d =
                    StreamDecoder::new(RunFrames::new(t.root_run_id.clone(), false), 1 << 24);
                for chunk in &chunks {
                    d.feed_bytes(chunk.clone());
                    while let Some(e) = d.next() {
                        black_box(e.unwrap());
                        events += 1;
                    }
                }
            }
        }
    }
    println!("{what}: {events} events");
}
