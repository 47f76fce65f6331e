//! `runs().stream` of the transcript served as one body (large reads), on
//! the current-thread runtime, against reading the raw body with the same
//! client plus the floor parse of the same bytes.

use std::time::{Duration, Instant};

use agntz_bench::alloc::{live_bytes, peak_bytes, reset_peak, Counts};
use agntz_bench::floor::floor_parse;
use agntz_bench::transcript::{frame_ranges, Transcript};

use crate::args::Args;
use crate::clients::Sdk;
use crate::measure::ms;
use crate::raw::{Raw, Target};
use crate::server::BODY_HEADER;
use crate::table::Table;

#[derive(Debug, Clone, Copy, Default)]
struct StreamFigures {
    time: Duration,
    first: Duration,
    allocations: u64,
    /// Peak live heap above the live heap at the start, in bytes.
    peak_heap: u64,
}

/// Runs `f` (which returns the time to first item and checks its count)
/// under the allocation counters.
async fn figures<F: std::future::Future<Output = Duration>>(f: F) -> StreamFigures {
    let heap_start = live_bytes();
    reset_peak();
    let counts = Counts::now();
    let start = Instant::now();
    let first = f.await;
    StreamFigures {
        time: start.elapsed(),
        first,
        allocations: Counts::since(counts).allocations,
        peak_heap: peak_bytes() - heap_start,
    }
}

fn median(mut v: Vec<StreamFigures>) -> StreamFigures {
    v.sort_by_key(|f| f.time);
    v[v.len() / 2]
}

pub async fn section(args: &Args, t: &Transcript, base: &str, table: &mut Table, name: &str) {
    let whole = [(BODY_HEADER, "whole".to_owned())];
    let sdk = Sdk::by_name(name, base, &whole);
    let raw = Raw::by_name(name);
    let target = Target::Runs(t.root_run_id.clone());
    let frames = frame_ranges(&t.runs_stream).len();
    let bytes = t.runs_stream.len();
    let sdk_once = || async {
        let start = Instant::now();
        let (n, first) = sdk.read_runs(&t.root_run_id, start).await;
        assert_eq!(n, frames, "events of the SDK stream");
        first
    };
    let raw_once = || async {
        let (n, first) = raw.read(base, &target, &whole).await;
        assert_eq!(n, bytes, "bytes of the raw stream");
        first
    };
    // Floor parse of the same bytes, in this process, same run.
    let floor_counts = Counts::now();
    assert_eq!(floor_parse(&t.runs_stream), frames);
    let floor_allocs = Counts::since(floor_counts).allocations;
    let mut floor_times = Vec::new();
    let (mut s, mut r) = (Vec::new(), Vec::new());
    // Warm-up.
    sdk_once().await;
    raw_once().await;
    for _ in 0..args.stream_reps {
        s.push(figures(sdk_once()).await);
        r.push(figures(raw_once()).await);
        let start = Instant::now();
        std::hint::black_box(floor_parse(std::hint::black_box(&t.runs_stream)));
        floor_times.push(start.elapsed());
    }
    let floor = crate::measure::median(floor_times);
    let (s, r) = (median(s), median(r));
    let base_time = r.time + floor;
    let per_s = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    let mb_s = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    let what = format!("`runs().stream` {name}, one body");
    table.row(
        &format!("{what}: events/s"),
        format!("{:.0}", per_s(frames, s.time)),
        format!(
            "{:.0} (raw read {} + floor parse {})",
            per_s(frames, base_time),
            ms(r.time),
            ms(floor)
        ),
        base_time.as_secs_f64() / s.time.as_secs_f64(),
        "≥ 0.8x",
    );
    table.info(
        &format!("{what}: MB/s"),
        format!("{:.1}", mb_s(s.time)),
        format!(
            "{:.1} with floor parse; raw read alone {:.1}",
            mb_s(base_time),
            mb_s(r.time)
        ),
    );
    table.info(
        &format!("{what}: time to first event"),
        ms(s.first),
        format!("{} (first raw chunk)", ms(r.first)),
    );
    let per_event = |a: u64| a as f64 / frames as f64;
    table.info(
        &format!("{what}: heap allocations per event"),
        format!("{:.2}", per_event(s.allocations)),
        format!(
            "raw read {:.2} + floor parse {:.2} (the owned strings)",
            per_event(r.allocations),
            per_event(floor_allocs)
        ),
    );
    table.info(
        &format!("{what}: peak heap growth while streaming"),
        format!("{:.0} KiB", s.peak_heap as f64 / 1024.0),
        format!("{:.0} KiB (raw read)", r.peak_heap as f64 / 1024.0),
    );
}
