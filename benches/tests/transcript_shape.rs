//! The Rust transcript generator has the shape of the reference generator
//! (the Python script the figures below were taken from): the same frame
//! count and event mix, and byte sizes within a few percent.

use std::collections::BTreeMap;

use agntz_bench::floor::{floor_parse, payloads};
use agntz_bench::transcript::{frame_parts, frame_ranges, run_body, transcript, Transcript};
use agntz_proto::events::RunEvent;

/// Reference figures: `(deltas, frames, runs-stream bytes, agent-stream
/// bytes, allowed relative size difference)`. The generators draw from
/// different PRNGs, so sizes agree only statistically: the small transcript
/// (about 2,700 words of answer) varies by a few percent, the large one by
/// well under one.
const REFERENCE: &[(usize, usize, usize, usize, f64)] = &[
    (1_000, 1_012, 181_518, 20_039, 0.05),
    (100_000, 100_012, 16_359_653, 1_919_547, 0.01),
];
/// `POST /run` body of the reference generator, in bytes.
const REFERENCE_RUN_BODY: usize = 1_139;

fn assert_close(what: &str, got: usize, want: usize, tolerance: f64) {
    let diff = (got as f64 - want as f64).abs() / want as f64;
    assert!(
        diff <= tolerance,
        "{what}: {got} bytes vs reference {want} ({:.1}% off)",
        diff * 100.0
    );
}

fn event_mix(bytes: &[u8]) -> BTreeMap<String, usize> {
    let mut mix = BTreeMap::new();
    for frame in frame_ranges(bytes) {
        let (name, _) = frame_parts(&bytes[frame]).expect("event and data lines");
        *mix.entry(String::from_utf8(name.to_vec()).unwrap())
            .or_default() += 1;
    }
    mix
}

fn check(t: &Transcript, frames: usize, bytes: usize, agent_bytes: usize, tolerance: f64) {
    let n = t.deltas;
    assert_eq!(frame_ranges(&t.runs_stream).len(), frames);
    assert_eq!(
        frame_ranges(&t.runs_stream).last().unwrap().end,
        t.runs_stream.len()
    );
    assert_close("runs stream", t.runs_stream.len(), bytes, tolerance);
    assert_eq!(frame_ranges(&t.agent_stream).len(), 2);
    assert_close("agent stream", t.agent_stream.len(), agent_bytes, tolerance);
    let want: BTreeMap<String, usize> = [
        ("run-spawn", 2),
        ("text-delta", n),
        ("tool-call-start", 3),
        ("tool-call-end", 3),
        ("step-complete", 2),
        ("run-complete", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(event_mix(&t.runs_stream), want);
}

#[test]
fn small_transcript_matches_reference_shape() {
    let (n, frames, bytes, agent, tolerance) = REFERENCE[0];
    check(&transcript(n), frames, bytes, agent, tolerance);
}

#[test]
fn large_transcript_matches_reference_shape() {
    let (n, frames, bytes, agent, tolerance) = REFERENCE[1];
    check(&transcript(n), frames, bytes, agent, tolerance);
}

#[test]
fn run_body_matches_reference_size() {
    assert_close("run body", run_body().len(), REFERENCE_RUN_BODY, 0.03);
    let parsed: serde_json::Value = serde_json::from_slice(&run_body()).unwrap();
    assert_eq!(parsed["status"], "completed");
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(transcript(1_000).runs_stream, transcript(1_000).runs_stream);
}

#[test]
fn every_frame_decodes_into_its_typed_event() {
    let t = transcript(1_000);
    for (kind, data) in payloads(&t.runs_stream) {
        assert!(agntz_bench::floor::parse_payload(
            kind,
            &t.runs_stream[data]
        ));
    }
    assert_eq!(floor_parse(&t.runs_stream), 1_012);
    for frame in frame_ranges(&t.runs_stream) {
        let (name, data) = frame_parts(&t.runs_stream[frame]).unwrap();
        let event = RunEvent::from_frame(std::str::from_utf8(name).unwrap(), data).unwrap();
        assert!(!matches!(event, RunEvent::Unknown(_)));
        assert!(event.seq().is_some());
    }
}

#[test]
fn the_framing_floors_count_every_frame_at_every_chunking() {
    use agntz_bench::chunks::{fixed, Chunkings};
    use agntz_bench::floor::{count_frames, count_frames_chunked};
    let t = transcript(1_000);
    let bytes = t.runs_stream.as_slice();
    let frames = frame_ranges(bytes).len();
    assert_eq!(count_frames(bytes), frames);
    let chunkings = Chunkings::new(bytes);
    let all = bytes::Bytes::copy_from_slice(bytes);
    for chunks in [
        chunkings.whole,
        chunkings.per_frame,
        chunkings.k64,
        fixed(&all, 1),
        fixed(&all, 7),
    ] {
        assert_eq!(count_frames_chunked(&chunks), frames);
    }
}
