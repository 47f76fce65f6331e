//! Property tests: response parsers and stream decoders never panic, on any
//! status, header or body bytes, and neither the parsers nor the stream
//! decoders are affected by how the body is cut into chunks.

use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::ops::*;
use agntz_proto::response::{api_error, classify, unexpected_content_type};
use agntz_proto::stream::{AgentFrames, Frames, RunFrames, StreamDecoder, TraceFrames};
use agntz_proto::types::*;
use agntz_proto::Error;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use proptest::prelude::*;
use proptest::sample::Index;

fn cases() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

/// A response head and body as arbitrary as `http` lets them be.
#[derive(Debug, Clone)]
struct Raw {
    status: u16,
    content_type: Option<Vec<u8>>,
    retry_after: Option<Vec<u8>>,
    date: Option<Vec<u8>>,
    location: bool,
    body: Vec<u8>,
    /// Where the body is cut for the chunked copy of the response.
    cuts: Vec<Index>,
}

impl Raw {
    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        let mut put = |name: &'static str, v: &Option<Vec<u8>>| {
            // Bytes `http` refuses in a header value are simply not sent.
            if let Some(value) = v.as_deref().and_then(|b| HeaderValue::from_bytes(b).ok()) {
                h.insert(name, value);
            }
        };
        put("content-type", &self.content_type);
        put("retry-after", &self.retry_after);
        put("date", &self.date);
        if self.location {
            h.insert("location", HeaderValue::from_static("/runs/run_1"));
        }
        h
    }

    fn response(&self) -> Response<WholeBody> {
        self.with_body(Bytes::from(self.body.clone()).into())
    }

    /// The same response with its body held as chunks cut at `cuts`.
    fn chunked(&self) -> Response<WholeBody> {
        let body = Bytes::from(self.body.clone());
        let mut at: Vec<usize> = self.cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        at.extend([0, body.len()]);
        at.sort_unstable();
        let chunks: Vec<Bytes> = at.windows(2).map(|w| body.slice(w[0]..w[1])).collect();
        self.with_body(chunks.into())
    }

    fn with_body(&self, body: WholeBody) -> Response<WholeBody> {
        let mut r = Response::new(body);
        *r.status_mut() = StatusCode::from_u16(self.status).unwrap();
        *r.headers_mut() = self.headers();
        r
    }
}

/// Header bytes: mostly plausible values, sometimes anything.
fn header_bytes() -> impl Strategy<Value = Option<Vec<u8>>> {
    let plausible = prop_oneof![
        Just(b"application/json".to_vec()),
        Just(b"text/event-stream; charset=utf-8".to_vec()),
        Just(b"text/plain; charset=UTF-8".to_vec()),
        Just(b"3600".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"Sat, 28 Nov 2026 20:08:43 GMT".to_vec()),
        Just(b"Thu, 01 Jan 1970 00:00:00 GMT".to_vec()),
        Just(b"Fri, 31 Dec 9999 23:59:59 GMT".to_vec()),
        "[ -~]{0,40}".prop_map(String::into_bytes),
    ];
    proptest::option::of(prop_oneof![
        3 => plausible,
        1 => proptest::collection::vec(any::<u8>(), 0..48),
    ])
}

/// Bodies: recorded JSON shapes, mutations of them, and raw bytes.
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    let samples = prop_oneof![
        Just(&br#"{"status":"ok","service":"agntz-worker"}"#[..]),
        Just(&br#"{"output":"hi","state":{},"runId":"run_1","status":"completed","model":"m","usage":{"inputTokens":1,"outputTokens":2,"totalTokens":3}}"#[..]),
        Just(&br#"{"id":"run_1","rootId":"run_1","agentId":"a","status":"running","input":"x","startedAt":1,"depth":0}"#[..]),
        Just(&br#"{"rows":[{"id":"r1","rootId":"r1","agentId":"a","status":"completed","input":"x","startedAt":1,"depth":0}],"cursor":"abc"}"#[..]),
        Just(&br#"{"summary":{"traceId":"t","ownerId":"u","rootName":"a","startedAt":"x","spanCount":0,"status":"ok","totalTokens":0},"spans":[]}"#[..]),
        Just(&br#"{"sessions":[{"sessionId":"s1","messageCount":2,"createdAt":"x","updatedAt":"y"}]}"#[..]),
        Just(&br#"{"sessionId":"s1","messages":[{"role":"user","content":"hi","timestamp":"t"}]}"#[..]),
        Just(&br#"{"dryRun":false,"results":[{"sessionId":"s1","action":"create","messageCount":1}],"counts":{"create":1}}"#[..]),
        Just(&br#"{"error":"rate limit exceeded","retryAfterSeconds":3600}"#[..]),
        Just(&br#"{"error":"x","retryAfterSeconds":1e308}"#[..]),
        Just(&br#"{"error":"x","retryAfterSeconds":-5}"#[..]),
        Just(&br#"{"error":"x","code":"NOT_FOUND","details":["a"]}"#[..]),
        Just(&br#"{"error":5,"code":[]}"#[..]),
        Just(&br#"{"startedAt":1e400,"depth":-1}"#[..]),
        Just(&br#"{"startedAt":-9223372036854775809}"#[..]),
        Just(&b"Internal Server Error"[..]),
        Just(&b""[..]),
        Just(&b"null"[..]),
        Just(&b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["[..]),
    ]
    .prop_map(<[u8]>::to_vec);
    let mutated = (samples.clone(), any::<Index>(), any::<u8>()).prop_map(|(mut b, i, byte)| {
        if !b.is_empty() {
            let at = i.index(b.len());
            b[at] = byte;
        }
        b
    });
    let truncated = (samples.clone(), any::<Index>()).prop_map(|(b, i)| {
        let at = i.index(b.len() + 1);
        b[..at].to_vec()
    });
    prop_oneof![
        2 => samples,
        2 => mutated,
        1 => truncated,
        2 => proptest::collection::vec(any::<u8>(), 0..256),
    ]
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        100u16..=599,
        header_bytes(),
        header_bytes(),
        header_bytes(),
        any::<bool>(),
        body_bytes(),
        proptest::collection::vec(any::<Index>(), 0..6),
    )
        .prop_map(
            |(status, content_type, retry_after, date, location, body, cuts)| Raw {
                status,
                content_type,
                retry_after,
                date,
                location,
                body,
                cuts,
            },
        )
}

/// Parses with `op` the response whole and in chunks: the same result
/// either way, and fine by [`check`].
fn both<O: Operation>(name: &str, raw: &Raw, op: O)
where
    O::Output: std::fmt::Debug,
{
    let whole = op.parse(raw.response());
    let chunked = op.parse(raw.chunked());
    assert_eq!(
        format!("{whole:?}"),
        format!("{chunked:?}"),
        "{name}: chunking changed the result"
    );
    check(name, raw, whole);
}

/// A parse result is fine if it is `Ok` or a typed error consistent with
/// the status.
fn check<T>(name: &str, raw: &Raw, result: Result<T, Error>) {
    let status = StatusCode::from_u16(raw.status).unwrap();
    // `410 Gone` is a success for a client-tool result (the request expired).
    let success = status.is_success() || (name == "SubmitToolResult" && raw.status == 410);
    match result {
        Err(e) => {
            // Displaying and debugging never panic either.
            let _ = (e.to_string(), format!("{e:?}"), e.code(), e.status());
            if !success {
                let api = e
                    .api()
                    .unwrap_or_else(|| panic!("{name}: non-2xx {status} gave {e:?}"));
                assert_eq!(api.status, status, "{name}");
            }
            if let Some(s) = e.status() {
                assert_eq!(s, status, "{name}");
            }
        }
        Ok(_) => assert!(success, "{name}: {status} parsed as success"),
    }
}

fn parse_everything(raw: &Raw) {
    let run = || RunRequest::new("a");
    both("GetHealth", raw, GetHealth::new());
    both("RunAgent", raw, RunAgent::new(run()));
    both("StartRun", raw, StartRun::new(run()));
    both("GetRun", raw, GetRun::new("r"));
    both("CancelRun", raw, CancelRun::new("r"));
    both("ListRuns", raw, ListRuns::new(RunFilter::new()));
    both("GetTrace", raw, GetTrace::new("t"));
    both("ListTraces", raw, ListTraces::new(TraceFilter::new()));
    both("DeleteTrace", raw, DeleteTrace::new("t"));
    both(
        "ImportSessions",
        raw,
        ImportSessions::new(SessionImport::new([SessionSnapshot::new("s")])),
    );
    both("ListSessions", raw, ListSessions::new());
    both("GetSession", raw, GetSession::new("s"));
    both("DeleteSession", raw, DeleteSession::new("s"));
    both("GetBatchResults", raw, GetBatchResults::new("b"));
    both("DownloadArtifact", raw, DownloadArtifact::new("a"));
    both(
        "SubmitToolResult",
        raw,
        SubmitToolResult::new("r", "c", ToolOutcome::Output(serde_json::json!(1))),
    );

    let status = StatusCode::from_u16(raw.status).unwrap();
    let headers = raw.headers();
    let err = api_error(status, &headers, &raw.body);
    let api = err.api().expect("api_error always gives an API variant");
    assert_eq!(api.status, status);
    let _ = (err.to_string(), format!("{err:?}"));
    for sse in [false, true] {
        let _ = classify(status, &headers, sse);
    }
    let _ = unexpected_content_type(&headers).to_string();
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn parsers_never_panic(raw in raw()) {
        parse_everything(&raw);
    }
}

// ---------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------

const EVENTS: &[&str] = &[
    "run-start",
    "run-complete",
    "run-error",
    "reply",
    "client-tool-request",
    "run-spawn",
    "text-delta",
    "tool-call-start",
    "tool-call-end",
    "step-complete",
    "draining",
    "run-cancelled",
    "snapshot",
    "stream-error",
    "span-start",
    "span-end",
    "trace-done",
    "heartbeat",
    "",
];

const DATA: &[&str] = &[
    r#"{"agentId":"a1","kind":"llm","sessionId":"s1","runId":"run_abc"}"#,
    r#"{"agentId":"a1","kind":"wizardry"}"#,
    r#"{"output":"hi","state":{"done":true},"sessionId":"s1"}"#,
    r#"{"error":"boom"}"#,
    r#"{"type":"reply","text":"t","ts":"x","sessionId":"s1","runId":"run_abc","seq":2}"#,
    r#"{"type":"client-tool-request","requestId":"ctr_1","rootRunId":"run_abc","runId":"run_c","toolCallId":"call_1","name":"get_selection","input":{},"deadlineAt":"2099-01-01T00:00:00.000Z","seq":3}"#,
    r#"{"type":"run-spawn","runId":"run_abc","agentId":"a1","seq":1}"#,
    r#"{"type":"run-complete","runId":"run_abc","seq":4}"#,
    r#"{"type":"run-complete","runId":"run_child","seq":5}"#,
    r#"{"type":"run-cancelled","runId":"run_abc","seq":1}"#,
    r#"{"type":"run-error","runId":"run_abc","error":"x","seq":18446744073709551615}"#,
    r#"{"id":"run_abc","rootId":"run_abc","agentId":"a","status":"completed","input":"x","startedAt":1,"depth":0}"#,
    r#"{"type":"span-start","span":{"spanId":"sp1","traceId":"t","name":"n","kind":"run"}}"#,
    r#"{"type":"span-end","spanId":"sp1","patch":{"status":"ok"}}"#,
    r#"{"type":"span-end"}"#,
    r#"{"type":"trace-done","summary":{"traceId":"t"}}"#,
    r#"{"summary":{"traceId":"t"},"spans":[]}"#,
    "not json",
    "",
    "null",
    "[]",
];

/// A piece of an SSE body: mostly well-formed frames, sometimes noise.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    let frame = (
        proptest::sample::select(EVENTS),
        proptest::sample::select(DATA),
        proptest::option::of(0u64..8),
        any::<bool>(),
    )
        .prop_map(|(event, data, id, crlf)| {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut s = String::new();
            if !event.is_empty() {
                s.push_str(&format!("event: {event}{nl}"));
            }
            s.push_str(&format!("data: {data}{nl}"));
            if let Some(id) = id {
                s.push_str(&format!("id: {id}{nl}"));
            }
            s.push_str(nl);
            s.into_bytes()
        });
    prop_oneof![
        6 => frame,
        1 => Just(b": heartbeat\n\n".to_vec()),
        1 => Just(b"retry: 10\n".to_vec()),
        1 => Just(b"data: split\n".to_vec()),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(piece(), 0..8).prop_map(|p| p.concat()),
        1 => proptest::collection::vec(any::<u8>(), 0..256),
    ]
}

/// Everything one decoding run observes: items and errors (errors compared
/// by their Debug form), then what `finish` said.
type Observed<I> = (Vec<Result<I, String>>, Option<String>);

fn decode<F: Frames>(frames: F, max: usize, input: &[u8], cuts: &[usize]) -> Observed<F::Item>
where
    F::Item: std::fmt::Debug,
{
    let mut dec = StreamDecoder::new(frames, max);
    let mut out: Vec<Result<F::Item, String>> = Vec::new();
    let mut failed = false;
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        dec.feed(&input[from..to]);
        from = to;
        while let Some(r) = dec.next() {
            assert!(!failed, "an item or error after an error: {r:?}");
            let terminal_or_error = r.is_err();
            out.push(r.map_err(|e| format!("{e:?}")));
            if terminal_or_error {
                failed = true;
                assert!(dec.is_done());
                assert!(dec.next().is_none(), "more after an error");
            }
        }
    }
    let end = dec.finish().map(|e| format!("{e:?}"));
    if failed {
        assert!(end.is_none(), "finish reported a second error: {end:?}");
    }
    // Once done, the decoder stays quiet whatever it is fed.
    assert!(dec.finish().is_none(), "finish reported twice");
    assert!(dec.is_done());
    dec.feed(b"event: run-complete\ndata: {}\n\n");
    assert!(dec.next().is_none(), "more after the end");
    (out, end)
}

fn cut_points(len: usize, idx: &[Index]) -> Vec<usize> {
    let mut cuts: Vec<usize> = idx.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// Decodes whole and cut into chunks; both must agree exactly.
fn invariant<F, M>(make: M, max: usize, input: &[u8], idx: &[Index]) -> Result<(), TestCaseError>
where
    F: Frames,
    F::Item: std::fmt::Debug + PartialEq,
    M: Fn() -> F,
{
    let whole = decode(make(), max, input, &[]);
    let cut = decode(make(), max, input, &cut_points(input.len(), idx));
    prop_assert_eq!(&cut, &whole);
    // Byte by byte too (bounded so debug runs stay fast).
    if input.len() <= 512 {
        let every: Vec<usize> = (1..input.len()).collect();
        let bytewise = decode(make(), max, input, &every);
        prop_assert_eq!(&bytewise, &whole);
    }
    Ok(())
}

fn max_event() -> impl Strategy<Value = usize> {
    prop_oneof![3 => Just(16 * 1024 * 1024), 1 => 1usize..256]
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn agent_frames_never_panic_and_ignore_chunking(
        input in body(),
        idx in proptest::collection::vec(any::<Index>(), 0..12),
        max in max_event(),
    ) {
        invariant(AgentFrames::new, max, &input, &idx)?;
    }

    #[test]
    fn run_frames_never_panic_and_ignore_chunking(
        input in body(),
        idx in proptest::collection::vec(any::<Index>(), 0..12),
        max in max_event(),
        resumed in any::<bool>(),
        last in proptest::option::of(0u64..6),
    ) {
        invariant(|| RunFrames::new("run_abc".to_owned(), resumed), max, &input, &idx)?;
        invariant(|| RunFrames::resuming_after("run_abc".to_owned(), last), max, &input, &idx)?;
        invariant(|| RunFrames::since("run_abc".to_owned(), last.unwrap_or(0)), max, &input, &idx)?;
    }

    #[test]
    fn trace_frames_never_panic_and_ignore_chunking(
        input in body(),
        idx in proptest::collection::vec(any::<Index>(), 0..12),
        max in max_event(),
    ) {
        invariant(TraceFrames::new, max, &input, &idx)?;
    }
}

/// The stream operations' own frame interpreters behave the same.
#[test]
fn stream_operations_frames_are_fresh() {
    let config = Config::builder()
        .base_url("https://worker.example.com")
        .api_key("k")
        .build()
        .unwrap();
    let body = b"event: run-start\ndata: {\"agentId\":\"a1\",\"kind\":\"llm\"}\n\n";
    let op = StreamAgent::new(RunRequest::new("a1"));
    op.build(&config).unwrap();
    let (items, end) = decode(op.frames(), 1 << 20, body, &[]);
    assert_eq!(items.len(), 1);
    assert!(end.unwrap().contains("Truncated"));

    let op = StreamRun::new("run_abc").since(3);
    let (items, end) = decode(op.frames(), 1 << 20, b"", &[]);
    assert!(items.is_empty());
    assert_eq!(end, None, "an empty resumed stream is a normal end");

    let op = StreamTrace::new("t");
    let (items, end) = decode(
        op.frames(),
        1 << 20,
        b"event: trace-done\ndata: {\"type\":\"trace-done\",\"summary\":{}}\n\n",
        &[],
    );
    assert_eq!(items.len(), 1);
    assert!(items[0].is_ok());
    assert_eq!(end, None);
}
