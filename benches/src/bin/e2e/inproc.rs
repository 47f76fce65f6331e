//! In-process decoding: the criterion benches' framing and typed decoding
//! measurements with the SDK and its floors interleaved round by round
//! (median of `--rounds` x 3), so that drift of a shared machine hits both
//! sides of each ratio alike; allocations per event.

use std::time::Duration;

use agntz_bench::alloc::{live_bytes, peak_bytes, reset_peak, Counts};
use agntz_bench::floor::floor_parse;
use agntz_bench::transcript::frame_ranges;
use bytes::Bytes;

use crate::args::Args;
use crate::measure::{interleaved_medians, ms, ratio};
use crate::table::Table;

pub fn section(args: &Args, t: &agntz_bench::transcript::Transcript, table: &mut Table) {
    use agntz_bench::chunks::{frame_all, Chunkings};
    use agntz_bench::floor::{
        count_frames, count_frames_chunked, parse_payload_with, payloads, Parse,
    };
    use agntz_proto::stream::{RunFrames, StreamDecoder};
    use std::hint::black_box;

    let bytes = t.runs_stream.as_slice();
    let frames = frame_ranges(bytes);
    let expected = frames.len();
    let payloads = payloads(bytes);
    let chunks = Chunkings::new(bytes);
    let all = Bytes::copy_from_slice(bytes);
    let framing = |chunks: &[Bytes]| assert_eq!(frame_all(chunks), expected);
    let typed = |chunk: usize| {
        let mut d = StreamDecoder::new(
            RunFrames::new(t.root_run_id.clone(), false),
            agntz_proto::sse::DEFAULT_MAX_EVENT_SIZE,
        );
        let mut n = 0;
        for c in agntz_bench::chunks::fixed(&all, chunk) {
            d.feed_bytes(c);
            while let Some(e) = d.next() {
                black_box(e.expect("event"));
                n += 1;
            }
        }
        assert!(d.finish().is_none());
        assert_eq!(n, expected);
    };
    let serde_floor = |how: Parse| {
        let mut n = 0;
        for (kind, data) in &payloads {
            n += usize::from(parse_payload_with(
                how,
                *kind,
                black_box(&bytes[data.clone()]),
            ));
        }
        assert_eq!(n, expected);
    };
    let rounds = args.rounds * 3;
    let m = interleaved_medians(
        rounds,
        &mut [
            &mut || assert_eq!(count_frames(black_box(bytes)), expected),
            &mut || framing(&chunks.whole),
            &mut || framing(&chunks.per_frame),
            &mut || framing(&chunks.k64),
            &mut || assert_eq!(count_frames_chunked(&chunks.per_frame), expected),
        ],
    );
    let gbs = |d: Duration| format!("{:.2} GB/s", bytes.len() as f64 / 1e9 / d.as_secs_f64());
    for (name, d) in [
        ("one chunk", m[1]),
        ("one chunk per frame", m[2]),
        ("64 KiB chunks", m[3]),
    ] {
        table.row(
            &format!("SSE framing, {name} (throughput vs memchr `\\n\\n` scan)"),
            format!("{} ({})", ms(d), gbs(d)),
            format!("{} ({})", ms(m[0]), gbs(m[0])),
            ratio(m[0], d),
            "≥ 0.5x",
        );
    }
    // What the floor itself costs when fed one chunk per frame: the bound
    // for any decoder fed those chunks.
    table.row(
        "framing floor itself on one chunk per frame (memchr `\\n\\n` scan of each chunk as handed over) vs on one chunk",
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[4]),
        "-",
    );
    table.row(
        "SSE framing, one chunk per frame, vs the floor on the same chunks",
        format!("{} ({})", ms(m[2]), gbs(m[2])),
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        ratio(m[4], m[2]),
        "-",
    );
    let m = interleaved_medians(
        rounds,
        &mut [
            &mut || serde_floor(Parse::Slice),
            &mut || typed(bytes.len()),
            &mut || typed(64 * 1024),
            &mut || assert_eq!(floor_parse(black_box(bytes)), expected),
            &mut || serde_floor(Parse::Str),
        ],
    );
    for (name, d) in [("one chunk", m[1]), ("64 KiB chunks", m[2])] {
        table.row(
            &format!("typed decoding (framing + `RunEvent`), {name}, vs serde_json floor"),
            format!("{} ({})", ms(d), gbs(d)),
            format!("{} ({})", ms(m[0]), gbs(m[0])),
            ratio(m[0], d),
            "≥ 0.8x",
        );
    }
    // The least framing there is (not a conforming SSE decoder: it splits
    // at `\n\n` and cuts the two lines of this exact format) plus the same
    // parsing: how much room the typed target leaves for framing.
    table.row(
        "typed floor plus the least framing (memchr `\\n\\n` split, fixed-format cut, serde_json) vs serde_json floor",
        format!("{} ({})", ms(m[3]), gbs(m[3])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[3]),
        "-",
    );
    // The SDK checks each payload's UTF-8 once and parses it as a `&str`
    // (`from_slice` checks every string on its own): what that alone is
    // worth, with no framing.
    table.row(
        "typed floor parsing as the SDK does (one UTF-8 check per payload, then `serde_json::from_str`) vs serde_json floor",
        format!("{} ({})", ms(m[4]), gbs(m[4])),
        format!("{} ({})", ms(m[0]), gbs(m[0])),
        ratio(m[0], m[4]),
        "-",
    );
    // Allocations: the decoder path vs the floor (which allocates exactly
    // the owned strings, vectors and boxes handed to the user).
    let heap_start = live_bytes();
    reset_peak();
    let c = Counts::now();
    typed(64 * 1024);
    let sdk_allocs = Counts::since(c).allocations;
    let sdk_peak = peak_bytes() - heap_start;
    let heap_start = live_bytes();
    reset_peak();
    typed(1024);
    let sdk_peak_1k = peak_bytes() - heap_start;
    let c = Counts::now();
    serde_floor(Parse::Slice);
    let floor_allocs = Counts::since(c).allocations;
    let per = |a: u64| a as f64 / expected as f64;
    table.row(
        "decoder path: heap allocations per event beyond the owned strings (64 KiB chunks)",
        format!(
            "{:.3} ({:.2} in all)",
            per(sdk_allocs.saturating_sub(floor_allocs)),
            per(sdk_allocs)
        ),
        format!("{:.2} (serde floor: the owned strings)", per(floor_allocs)),
        per(sdk_allocs.saturating_sub(floor_allocs)) / 2.0,
        "≤ 1.00x",
    );
    table.info(
        "decoder path: peak heap growth while decoding the transcript",
        format!(
            "{:.0} KiB in 64 KiB chunks, {:.0} KiB in 1 KiB chunks",
            sdk_peak as f64 / 1024.0,
            sdk_peak_1k as f64 / 1024.0
        ),
        "(largest frame: the root `run-complete`, ~1.9 MB)".into(),
    );
}
