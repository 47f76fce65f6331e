//! In-process benchmarks of the sans-IO core, each next to its floor.
//!
//! - `framing/*`: the SSE decoder over the 100k-delta transcript fed as one
//!   chunk, one chunk per frame, and 64 KiB chunks; floor: a memchr scan
//!   for the `\n\n` frame boundaries of the same bytes.
//! - `typed/*`: framing plus typed `RunEvent`s (`StreamDecoder<RunFrames>`),
//!   and `RunEvent::from_frame` alone; floor: `serde_json::from_slice` of
//!   the same payloads into the same types, boundaries precomputed.
//! - `run/*`: building the `POST /run` request and parsing a ~1 KB result;
//!   floors: the same request built by hand, and `serde_json::from_slice`.
//! - `body/*`: parsing a ~1 MiB `GET /runs` page held in one buffer (a
//!   declared length), and in 16 KiB chunks (no declared length: decoded
//!   through a reader across them); floor: the chunks joined, then parsed
//!   from one buffer (what a join costs in time instead of memory).
//!
//! Sizes: `AGNTZ_BENCH_DELTAS` (default 100000) text deltas.

use std::hint::black_box;
use std::time::Duration;

use agntz_bench::chunks::{events_all, frame_all, Chunkings};
use agntz_bench::floor::{count_frames, parse_payload, payloads};
use agntz_bench::transcript::{frame_ranges, run_body, transcript};
use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::events::RunEvent;
use agntz_proto::ops::{ListRuns, Operation, RunAgent};
use agntz_proto::stream::{RunFrames, StreamDecoder};
use agntz_proto::types::{RunFilter, RunRequest, RunResult};
use bytes::Bytes;
use criterion::{criterion_main, Criterion, Throughput};

fn deltas() -> usize {
    std::env::var("AGNTZ_BENCH_DELTAS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn framing(c: &mut Criterion) {
    let t = transcript(deltas());
    let bytes = t.runs_stream.as_slice();
    let chunks = Chunkings::new(bytes);
    let expected = chunks.per_frame.len();
    let mut g = c.benchmark_group("framing");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(4));

    g.bench_function("memchr_floor", |b| {
        b.iter(|| assert_eq!(count_frames(black_box(bytes)), expected))
    });
    g.bench_function("decoder_one_chunk", |b| {
        b.iter(|| assert_eq!(frame_all(black_box(&chunks.whole)), expected))
    });
    g.bench_function("decoder_chunk_per_frame", |b| {
        b.iter(|| assert_eq!(frame_all(black_box(&chunks.per_frame)), expected))
    });
    g.bench_function("decoder_64k_chunks", |b| {
        b.iter(|| assert_eq!(frame_all(black_box(&chunks.k64)), expected))
    });
    // Owned events (`next_event`): the data shares the chunk, the type and
    // id are copied inline.
    g.bench_function("owned_events_64k_chunks", |b| {
        b.iter(|| assert_eq!(events_all(black_box(&chunks.k64)), expected))
    });
    g.finish();
}

fn typed(c: &mut Criterion) {
    let t = transcript(deltas());
    let bytes = t.runs_stream.as_slice();
    let payloads = payloads(bytes);
    let expected = payloads.len();
    let names: Vec<&str> = frame_ranges(bytes)
        .into_iter()
        .map(|f| {
            let (name, _) = agntz_bench::transcript::frame_parts(&bytes[f]).unwrap();
            std::str::from_utf8(name).unwrap()
        })
        .collect();
    let mut g = c.benchmark_group("typed");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));

    g.bench_function("serde_floor", |b| {
        b.iter(|| {
            let mut n = 0;
            for (kind, data) in &payloads {
                n += usize::from(parse_payload(*kind, black_box(&bytes[data.clone()])));
            }
            assert_eq!(n, expected);
        })
    });
    g.bench_function("from_frame", |b| {
        b.iter(|| {
            for ((_, data), name) in payloads.iter().zip(&names) {
                let event = RunEvent::from_frame(name, black_box(&bytes[data.clone()]));
                black_box(event.expect("valid payload"));
            }
        })
    });
    let chunks = Chunkings::new(bytes);
    let stream = |chunks: &[Bytes]| {
        let mut d = StreamDecoder::new(
            RunFrames::new(t.root_run_id.clone(), false),
            agntz_proto::sse::DEFAULT_MAX_EVENT_SIZE,
        );
        let mut n = 0;
        for piece in black_box(chunks) {
            d.feed_bytes(piece.clone());
            while let Some(event) = d.next() {
                black_box(event.expect("valid transcript"));
                n += 1;
            }
        }
        assert!(d.finish().is_none());
        assert_eq!(n, expected);
    };
    g.bench_function("stream_decoder_one_chunk", |b| {
        b.iter(|| stream(&chunks.whole))
    });
    g.bench_function("stream_decoder_64k_chunks", |b| {
        b.iter(|| stream(&chunks.k64))
    });
    g.finish();
}

fn run(c: &mut Criterion) {
    let config = Config::builder()
        .base_url("http://127.0.0.1:4001")
        .api_key("ar_live_bench_0123456789abcdef")
        .build()
        .expect("valid config");
    let request = RunRequest::new("research-writer")
        .input(serde_json::json!({ "topic": "SSE client performance", "depth": 3 }))
        .session_id("sess_1kq9Wc7xR2pM");
    let op = RunAgent::new(request.clone());
    let body = Bytes::from(run_body());
    let mut g = c.benchmark_group("run");
    g.sample_size(50);
    g.measurement_time(Duration::from_secs(3));

    g.bench_function("build_request", |b| {
        b.iter(|| black_box(op.build(black_box(&config)).expect("valid request")))
    });
    // Floor: what the same request costs by hand: serialize the body and
    // build an `http::Request` with the same headers.
    let uri: http::Uri = "http://127.0.0.1:4001/run".parse().unwrap();
    let auth = http::HeaderValue::from_static("Bearer ar_live_bench_0123456789abcdef");
    g.bench_function("build_request_floor", |b| {
        b.iter(|| {
            let body = serde_json::to_vec(black_box(&request)).unwrap();
            let req = http::Request::builder()
                .method(http::Method::POST)
                .uri(uri.clone())
                .header(http::header::AUTHORIZATION, auth.clone())
                .header(http::header::USER_AGENT, "agntz-rust/0.1.0")
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Bytes::from(body))
                .unwrap();
            black_box(req)
        })
    });
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("parse_response", |b| {
        b.iter(|| {
            let response = http::Response::builder()
                .status(200)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(WholeBody::from(body.clone()))
                .unwrap();
            black_box(op.parse(black_box(response)).expect("valid body"))
        })
    });
    // Floor: the same response, checked for success and parsed by hand.
    g.bench_function("parse_response_floor", |b| {
        b.iter(|| {
            let response = http::Response::builder()
                .status(200)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .unwrap();
            let response = black_box(response);
            assert!(response.status().is_success());
            let parsed: RunResult = serde_json::from_slice(response.body()).unwrap();
            black_box(parsed)
        })
    });
    g.finish();
}

fn body(c: &mut Criterion) {
    // A `GET /runs` page of about 1 MiB: well past the size up to which a
    // body in chunks is joined, so the chunked case reads across them.
    let row = r#"{"id":"run_0123456789ab","rootId":"run_0123456789ab","agentId":"support-agent","status":"completed","input":"a question with caf\u00e9 and \"quotes\"","startedAt":1795896514194,"depth":0}"#;
    let mut text = String::from(r#"{"rows":["#);
    while text.len() < 1 << 20 {
        text.push_str(row);
        text.push(',');
    }
    text.push_str(row);
    text.push_str(r#"],"cursor":"abc"}"#);
    let bytes = Bytes::from(text);
    let contiguous = WholeBody::from(bytes.clone());
    let chunks: Vec<Bytes> = bytes
        .chunks(16 * 1024)
        .map(Bytes::copy_from_slice)
        .collect();
    let chunked = WholeBody::from(chunks);
    let op = ListRuns::new(RunFilter::new());
    let parse = |body: WholeBody| {
        let response = http::Response::builder().status(200).body(body).unwrap();
        op.parse(response).expect("valid page")
    };
    let rows = parse(contiguous.clone()).rows.len();
    assert_eq!(parse(chunked.clone()).rows.len(), rows);

    let mut g = c.benchmark_group("body");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("one_buffer", |b| {
        b.iter(|| black_box(parse(black_box(contiguous.clone()))))
    });
    g.bench_function("chunks", |b| {
        b.iter(|| black_box(parse(black_box(chunked.clone()))))
    });
    g.bench_function("chunks_joined_floor", |b| {
        b.iter(|| black_box(parse(black_box(chunked.to_bytes()).into())))
    });
    g.finish();
}

/// Criterion's generated group function has no docs.
#[allow(missing_docs)]
mod harness {
    use super::{body, framing, run, typed};
    use criterion::criterion_group;

    criterion_group!(benches, framing, typed, run, body);
}

criterion_main!(harness::benches);
