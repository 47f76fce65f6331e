//! Golden requests and responses for every operation in `agntz_proto::ops`.
//!
//! Each request is compared field by field against a hand-written golden:
//! method, full URI, the exact header set and the JSON body. Where an
//! official conformance case applies (wire reference §14) its number is
//! given. Response bodies are small samples recorded from the reference
//! worker.

use std::collections::BTreeMap;
use std::time::Duration;

use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::ops::*;
use agntz_proto::response::{api_error, classify, HeadKind};
use agntz_proto::types::*;
use agntz_proto::Error;
use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use serde_json::{json, Value};

const KEY: &str = "ar_test_abc";
const BEARER: &str = "Bearer ar_test_abc";
const UA: &str = concat!("agntz-rust/", env!("CARGO_PKG_VERSION"));

fn config() -> Config {
    Config::builder()
        .base_url("https://worker.example.com")
        .api_key(KEY)
        .build()
        .unwrap()
}

fn prefixed() -> Config {
    Config::builder()
        .base_url("https://proxy.example.com/agntz/")
        .api_key(KEY)
        .build()
        .unwrap()
}

/// What a built request must be, exactly.
struct Golden<'a> {
    method: &'a str,
    uri: &'a str,
    auth: bool,
    sse: bool,
    body: Option<Value>,
}

impl<'a> Golden<'a> {
    fn get(uri: &'a str) -> Self {
        Golden {
            method: "GET",
            uri,
            auth: true,
            sse: false,
            body: None,
        }
    }
    fn delete(uri: &'a str) -> Self {
        Golden {
            method: "DELETE",
            ..Golden::get(uri)
        }
    }
    fn post(uri: &'a str, body: Option<Value>) -> Self {
        Golden {
            method: "POST",
            body,
            ..Golden::get(uri)
        }
    }
    fn sse(mut self) -> Self {
        self.sse = true;
        self
    }
    fn public(mut self) -> Self {
        self.auth = false;
        self
    }
}

fn header_set(headers: &HeaderMap) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        out.entry(name.as_str().to_owned())
            .or_default()
            .push(value.to_str().unwrap().to_owned());
    }
    out
}

#[track_caller]
fn assert_golden(request: Result<Request<Bytes>, Error>, golden: Golden<'_>) {
    let request = request.unwrap_or_else(|e| panic!("{} {}: {e}", golden.method, golden.uri));
    assert_eq!(request.method().as_str(), golden.method, "{}", golden.uri);
    assert_eq!(request.uri().to_string(), golden.uri);

    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    want.insert("user-agent".into(), vec![UA.into()]);
    if golden.auth {
        want.insert("authorization".into(), vec![BEARER.into()]);
    }
    if golden.body.is_some() {
        want.insert("content-type".into(), vec!["application/json".into()]);
    }
    if golden.sse {
        want.insert("accept".into(), vec!["text/event-stream".into()]);
    }
    assert_eq!(header_set(request.headers()), want, "{}", golden.uri);
    if let Some(auth) = request.headers().get(http::header::AUTHORIZATION) {
        assert!(auth.is_sensitive(), "Authorization must be sensitive");
    }

    match golden.body {
        Some(body) => {
            let sent: Value = serde_json::from_slice(request.body())
                .unwrap_or_else(|e| panic!("{}: body is not JSON: {e}", golden.uri));
            assert_eq!(sent, body, "{}", golden.uri);
        }
        None => assert!(request.body().is_empty(), "{}: unexpected body", golden.uri),
    }
}

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

/// C1: health carries no Authorization header.
#[test]
fn health() {
    assert_golden(
        GetHealth::new().build(&config()),
        Golden::get("https://worker.example.com/health").public(),
    );
}

/// C2: a run with input, session and context grants.
#[test]
fn run_agent_basic() {
    let op = RunAgent::new(
        RunRequest::new("a1")
            .input(json!({"x": 1}))
            .session_id("s1")
            .context(["app/user/u_123"]),
    );
    assert_golden(
        op.build(&config()),
        Golden::post(
            "https://worker.example.com/run",
            Some(
                json!({"agentId":"a1","input":{"x":1},"sessionId":"s1","context":["app/user/u_123"]}),
            ),
        ),
    );
}

/// C3: only `agentId` when nothing else is set.
#[test]
fn run_agent_minimal() {
    assert_golden(
        RunAgent::new(RunRequest::new("a1")).build(&config()),
        Golden::post(
            "https://worker.example.com/run",
            Some(json!({"agentId":"a1"})),
        ),
    );
}

/// `POST /run` never carries `clientTools`, `callbackUrl` or
/// `webhookSecretName`.
#[test]
fn run_agent_drops_stream_and_durable_fields() {
    let req = RunRequest::new("a1")
        .input("hello")
        .retention(Retention::mode(RetentionMode::None).artifact_ttl_seconds(3600))
        .client_tools(["get_selection"])
        .callback_url("https://hooks.example.com/x")
        .webhook_secret_name("hook");
    assert_golden(
        RunAgent::new(req).build(&config()),
        Golden::post(
            "https://worker.example.com/run",
            Some(
                json!({"agentId":"a1","input":"hello","retention":{"mode":"none","artifactTtlSeconds":3600}}),
            ),
        ),
    );
}

/// C26 request 1: the attached run keeps `clientTools`, with the SSE accept.
#[test]
fn stream_agent_with_client_tools() {
    let req = RunRequest::new("a1")
        .client_tools(["get_selection"])
        .callback_url("https://hooks.example.com/x");
    assert_golden(
        StreamAgent::new(req).build(&config()),
        Golden::post(
            "https://worker.example.com/run/stream",
            Some(json!({"agentId":"a1","clientTools":["get_selection"]})),
        )
        .sse(),
    );
    assert_golden(
        StreamAgent::new(RunRequest::new("a1")).build(&config()),
        Golden::post(
            "https://worker.example.com/run/stream",
            Some(json!({"agentId":"a1"})),
        )
        .sse(),
    );
}

/// C30 / C31: durable runs; callback fields kept, `clientTools` dropped.
#[test]
fn start_run() {
    let op = StartRun::new(RunRequest::new("a1").input(json!({"x":1})).session_id("s"));
    assert_golden(
        op.build(&config()),
        Golden::post(
            "https://worker.example.com/runs",
            Some(json!({"agentId":"a1","input":{"x":1},"sessionId":"s"})),
        ),
    );
    assert_golden(
        StartRun::new(RunRequest::new("a1")).build(&config()),
        Golden::post(
            "https://worker.example.com/runs",
            Some(json!({"agentId":"a1"})),
        ),
    );
    let op = StartRun::new(
        RunRequest::new("a1")
            .callback_url("https://hooks.example.com/x")
            .webhook_secret_name("hook")
            .client_tools(["t"]),
    );
    assert_golden(
        op.build(&config()),
        Golden::post(
            "https://worker.example.com/runs",
            Some(
                json!({"agentId":"a1","callbackUrl":"https://hooks.example.com/x","webhookSecretName":"hook"}),
            ),
        ),
    );
}

/// C32 / C42: get a run.
#[test]
fn get_run() {
    assert_golden(
        GetRun::new("run_abc").build(&config()),
        Golden::get("https://worker.example.com/runs/run_abc"),
    );
}

/// C34: cancel has no body and therefore no Content-Type.
#[test]
fn cancel_run() {
    assert_golden(
        CancelRun::new("run_abc").build(&config()),
        Golden::post("https://worker.example.com/runs/run_abc/cancel", None),
    );
}

/// C39 / C40 / C42: list runs; absent filters give no `?`, present ones
/// come in the official order, form-encoded.
#[test]
fn list_runs() {
    assert_golden(
        ListRuns::new(RunFilter::new()).build(&config()),
        Golden::get("https://worker.example.com/runs"),
    );
    assert_golden(
        ListRuns::default().build(&config()),
        Golden::get("https://worker.example.com/runs"),
    );
    // C40
    let filter = RunFilter::new()
        .agent_id("alpha/beta")
        .status(RunStatus::Completed)
        .started_after("2026-01-01T00:00:00.000Z")
        .limit(25)
        .roots_only(false);
    assert_golden(
        ListRuns::new(filter).build(&config()),
        Golden::get(
            "https://worker.example.com/runs?rootsOnly=false&agentId=alpha%2Fbeta&status=completed&startedAfter=2026-01-01T00%3A00%3A00.000Z&limit=25",
        ),
    );
    // C42
    assert_golden(
        ListRuns::new(RunFilter::new().roots_only(true).limit(5)).build(&config()),
        Golden::get("https://worker.example.com/runs?rootsOnly=true&limit=5"),
    );
    // Every key, set in reverse order: the emitted order is still fixed.
    let filter = RunFilter::new()
        .cursor("eyJh+/=")
        .limit(200)
        .started_before("2026-02-01T00:00:00.000Z")
        .started_after("2026-01-01T00:00:00.000Z")
        .status("my status")
        .agent_id("support@latest")
        .roots_only(true);
    assert_golden(
        ListRuns::new(filter).build(&config()),
        Golden::get(
            "https://worker.example.com/runs?rootsOnly=true&agentId=support%40latest&status=my+status&startedAfter=2026-01-01T00%3A00%3A00.000Z&startedBefore=2026-02-01T00%3A00%3A00.000Z&limit=200&cursor=eyJh%2B%2F%3D",
        ),
    );
}

/// The next page carries the cursor last, the filters unchanged.
#[test]
fn list_runs_next_page() {
    let first = ListRuns::new(RunFilter::new().agent_id("a1").limit(2));
    let next = first.with_cursor("abc".to_owned());
    assert_golden(
        next.build(&config()),
        Golden::get("https://worker.example.com/runs?agentId=a1&limit=2&cursor=abc"),
    );
    let first = ListTraces::new(TraceFilter::new().agent_id("a1"));
    assert_golden(
        first.with_cursor("c d".to_owned()).build(&config()),
        Golden::get("https://worker.example.com/traces?agentId=a1&cursor=c+d"),
    );
}

/// C36: `since` is sent only when given.
#[test]
fn stream_run() {
    assert_golden(
        StreamRun::new("run_abc").build(&config()),
        Golden::get("https://worker.example.com/runs/run_abc/stream").sse(),
    );
    assert_golden(
        StreamRun::new("r").since(3).build(&config()),
        Golden::get("https://worker.example.com/runs/r/stream?since=3").sse(),
    );
    assert_golden(
        StreamRun::new("r").since(0).build(&config()),
        Golden::get("https://worker.example.com/runs/r/stream?since=0").sse(),
    );
}

/// C42 / C49: list traces.
#[test]
fn list_traces() {
    assert_golden(
        ListTraces::new(TraceFilter::new()).build(&config()),
        Golden::get("https://worker.example.com/traces"),
    );
    assert_golden(
        ListTraces::new(TraceFilter::new().agent_id("a1").limit(10)).build(&config()),
        Golden::get("https://worker.example.com/traces?agentId=a1&limit=10"),
    );
    assert_golden(
        ListTraces::new(TraceFilter::new().agent_id("support")).build(&config()),
        Golden::get("https://worker.example.com/traces?agentId=support"),
    );
    let filter = TraceFilter::new()
        .cursor("x")
        .limit(7)
        .started_before("b")
        .started_after("a")
        .status(SpanStatus::Error)
        .agent_id("alpha beta");
    assert_golden(
        ListTraces::new(filter).build(&config()),
        Golden::get(
            "https://worker.example.com/traces?agentId=alpha+beta&status=error&startedAfter=a&startedBefore=b&limit=7&cursor=x",
        ),
    );
}

/// C42 / C50: get a trace.
#[test]
fn get_trace() {
    assert_golden(
        GetTrace::new("tr_1").build(&config()),
        Golden::get("https://worker.example.com/traces/tr_1"),
    );
    assert_golden(
        GetTrace::new("tr/has slash").build(&config()),
        Golden::get("https://worker.example.com/traces/tr%2Fhas%20slash"),
    );
}

/// C51: delete a trace.
#[test]
fn delete_trace() {
    assert_golden(
        DeleteTrace::new("tr_1").build(&config()),
        Golden::delete("https://worker.example.com/traces/tr_1"),
    );
}

/// C43: trace stream.
#[test]
fn stream_trace() {
    assert_golden(
        StreamTrace::new("trace_abc").build(&config()),
        Golden::get("https://worker.example.com/traces/trace_abc/stream").sse(),
    );
}

/// C48: session import body; options only when set.
#[test]
fn import_sessions() {
    let import = SessionImport::new([
        SessionSnapshot::new("s1").message(Message::user("hello", "2026-01-01T00:00:00Z"))
    ]);
    assert_golden(
        ImportSessions::new(import).build(&config()),
        Golden::post(
            "https://worker.example.com/sessions/import",
            Some(
                json!({"sessions":[{"sessionId":"s1","messages":[{"role":"user","content":"hello","timestamp":"2026-01-01T00:00:00Z"}]}]}),
            ),
        ),
    );
    let import = SessionImport::new([SessionSnapshot::new("s2")
        .agent_id("a1")
        .created_at("2026-01-01T00:00:00.000Z")
        .updated_at("2026-01-02T00:00:00.000Z")])
    .on_conflict(OnConflict::Fail)
    .dry_run(true);
    assert_golden(
        ImportSessions::new(import).build(&config()),
        Golden::post(
            "https://worker.example.com/sessions/import",
            Some(json!({
                "sessions":[{"sessionId":"s2","agentId":"a1","createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-02T00:00:00.000Z","messages":[]}],
                "onConflict":"fail",
                "dryRun":true
            })),
        ),
    );
}

/// What the worker would reject with 400 is refused before anything is built.
#[test]
fn import_sessions_is_validated() {
    let bad = [
        SessionImport::new([]),
        SessionImport::new([SessionSnapshot::new("")]),
        SessionImport::new([SessionSnapshot::new("s").message(Message::user("x", ""))]),
    ];
    for import in bad {
        let err = ImportSessions::new(import.clone())
            .build(&config())
            .unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{import:?}: {err}");
    }
}

/// An empty agent id is refused on all three run endpoints.
#[test]
fn empty_agent_id_is_refused() {
    for id in ["", "  "] {
        let req = RunRequest::new(id);
        assert!(matches!(
            RunAgent::new(req.clone()).build(&config()),
            Err(Error::InvalidRequest(_))
        ));
        assert!(matches!(
            StreamAgent::new(req.clone()).build(&config()),
            Err(Error::InvalidRequest(_))
        ));
        assert!(matches!(
            StartRun::new(req).build(&config()),
            Err(Error::InvalidRequest(_))
        ));
    }
}

/// C44 / C45: list sessions.
#[test]
fn list_sessions() {
    assert_golden(
        ListSessions::new().build(&config()),
        Golden::get("https://worker.example.com/sessions"),
    );
    assert_golden(
        ListSessions::new().agent_id("a1").build(&config()),
        Golden::get("https://worker.example.com/sessions?agentId=a1"),
    );
    assert_golden(
        ListSessions::new().agent_id("a b/c").build(&config()),
        Golden::get("https://worker.example.com/sessions?agentId=a+b%2Fc"),
    );
}

/// C46: get a session.
#[test]
fn get_session() {
    assert_golden(
        GetSession::new("s1").build(&config()),
        Golden::get("https://worker.example.com/sessions/s1"),
    );
}

/// C47: delete a session (no body, no Content-Type).
#[test]
fn delete_session() {
    assert_golden(
        DeleteSession::new("s/has slash").build(&config()),
        Golden::delete("https://worker.example.com/sessions/s%2Fhas%20slash"),
    );
}

/// C26 request 2 / C28: the client-tool result POST.
#[test]
fn submit_tool_result() {
    let outcome =
        ToolOutcome::Output(json!({"selected":"chapter one","input":{"includeText":true}}));
    assert_golden(
        SubmitToolResult::new("run_1", "ctr_1", outcome).build(&config()),
        Golden::post(
            "https://worker.example.com/runs/run_1/client-tool-requests/ctr_1/result",
            Some(json!({"output":{"selected":"chapter one","input":{"includeText":true}}})),
        ),
    );
    assert_golden(
        SubmitToolResult::new("run_1", "ctr_1", ToolOutcome::Error("app exploded".into()))
            .build(&config()),
        Golden::post(
            "https://worker.example.com/runs/run_1/client-tool-requests/ctr_1/result",
            Some(json!({"error":"app exploded"})),
        ),
    );
    // `{"output":null}` is a valid first answer.
    assert_golden(
        SubmitToolResult::new("run_1", "ctr_1", ToolOutcome::Output(Value::Null)).build(&config()),
        Golden::post(
            "https://worker.example.com/runs/run_1/client-tool-requests/ctr_1/result",
            Some(json!({"output":null})),
        ),
    );
}

/// Every operation against a base URL with a path prefix (and a trailing
/// slash): the prefix is kept once, with no double slash.
#[test]
fn path_prefix_base_url() {
    let c = prefixed();
    let p = "https://proxy.example.com/agntz";
    let run = || RunRequest::new("a1");
    let import = SessionImport::new([SessionSnapshot::new("s1")]);
    let body_import = json!({"sessions":[{"sessionId":"s1","messages":[]}]});
    let cases: Vec<(Result<Request<Bytes>, Error>, Golden<'_>)> = vec![
        (GetHealth::new().build(&c), Golden::get("/health").public()),
        (
            RunAgent::new(run()).build(&c),
            Golden::post("/run", Some(json!({"agentId":"a1"}))),
        ),
        (
            StreamAgent::new(run()).build(&c),
            Golden::post("/run/stream", Some(json!({"agentId":"a1"}))).sse(),
        ),
        (
            StartRun::new(run()).build(&c),
            Golden::post("/runs", Some(json!({"agentId":"a1"}))),
        ),
        (GetRun::new("r1").build(&c), Golden::get("/runs/r1")),
        (
            CancelRun::new("r1").build(&c),
            Golden::post("/runs/r1/cancel", None),
        ),
        (
            ListRuns::new(RunFilter::new().limit(1)).build(&c),
            Golden::get("/runs?limit=1"),
        ),
        (
            StreamRun::new("r1").since(2).build(&c),
            Golden::get("/runs/r1/stream?since=2").sse(),
        ),
        (GetTrace::new("t1").build(&c), Golden::get("/traces/t1")),
        (
            ListTraces::new(TraceFilter::new()).build(&c),
            Golden::get("/traces"),
        ),
        (
            DeleteTrace::new("t1").build(&c),
            Golden::delete("/traces/t1"),
        ),
        (
            StreamTrace::new("t1").build(&c),
            Golden::get("/traces/t1/stream").sse(),
        ),
        (
            ImportSessions::new(import).build(&c),
            Golden::post("/sessions/import", Some(body_import)),
        ),
        (ListSessions::new().build(&c), Golden::get("/sessions")),
        (GetSession::new("s1").build(&c), Golden::get("/sessions/s1")),
        (
            DeleteSession::new("s1").build(&c),
            Golden::delete("/sessions/s1"),
        ),
        (
            SubmitToolResult::new("r1", "c1", ToolOutcome::Output(json!(1))).build(&c),
            Golden::post(
                "/runs/r1/client-tool-requests/c1/result",
                Some(json!({"output":1})),
            ),
        ),
    ];
    assert_eq!(cases.len(), 17, "one case per operation");
    for (request, golden) in cases {
        let uri = format!("{p}{}", golden.uri);
        assert_golden(
            request,
            Golden {
                uri: &uri,
                ..golden
            },
        );
    }
}

// ---------------------------------------------------------------------------
// Path parameters
// ---------------------------------------------------------------------------

type Build = Box<dyn Fn(&str) -> Result<Request<Bytes>, Error>>;
/// Name, builder, and the expected path for an encoded id.
type PathOp = (&'static str, Build, fn(&str) -> String);

/// Every operation with a path parameter, with the path it should produce for
/// an already-encoded id.
fn path_ops() -> Vec<PathOp> {
    vec![
        (
            "GetRun",
            Box::new(|id| GetRun::new(id).build(&config())),
            |e| format!("/runs/{e}"),
        ),
        (
            "CancelRun",
            Box::new(|id| CancelRun::new(id).build(&config())),
            |e| format!("/runs/{e}/cancel"),
        ),
        (
            "StreamRun",
            Box::new(|id| StreamRun::new(id).build(&config())),
            |e| format!("/runs/{e}/stream"),
        ),
        (
            "GetTrace",
            Box::new(|id| GetTrace::new(id).build(&config())),
            |e| format!("/traces/{e}"),
        ),
        (
            "DeleteTrace",
            Box::new(|id| DeleteTrace::new(id).build(&config())),
            |e| format!("/traces/{e}"),
        ),
        (
            "StreamTrace",
            Box::new(|id| StreamTrace::new(id).build(&config())),
            |e| format!("/traces/{e}/stream"),
        ),
        (
            "GetSession",
            Box::new(|id| GetSession::new(id).build(&config())),
            |e| format!("/sessions/{e}"),
        ),
        (
            "DeleteSession",
            Box::new(|id| DeleteSession::new(id).build(&config())),
            |e| format!("/sessions/{e}"),
        ),
        (
            "SubmitToolResult(root)",
            Box::new(|id| {
                SubmitToolResult::new(id, "ctr_1", ToolOutcome::Output(json!(1))).build(&config())
            }),
            |e| format!("/runs/{e}/client-tool-requests/ctr_1/result"),
        ),
        (
            "SubmitToolResult(request)",
            Box::new(|id| {
                SubmitToolResult::new("run_1", id, ToolOutcome::Output(json!(1))).build(&config())
            }),
            |e| format!("/runs/run_1/client-tool-requests/{e}/result"),
        ),
    ]
}

/// C33 / C47 / C50 and hostile ids: each id stays exactly one segment.
#[test]
fn ids_stay_one_segment() {
    let ids = [
        ("run_abc", "run_abc"),
        ("../admin", "..%2Fadmin"),
        ("a/b", "a%2Fb"),
        ("x?y#z", "x%3Fy%23z"),
        ("run/has slash", "run%2Fhas%20slash"),
        ("héllo", "h%C3%A9llo"),
        ("a%2Fb", "a%252Fb"),
        ("...", "..."),
        ("a+b&c=d", "a%2Bb%26c%3Dd"),
    ];
    for (name, build, path) in path_ops() {
        for (raw, encoded) in ids {
            let request = build(raw).unwrap_or_else(|e| panic!("{name}({raw:?}): {e}"));
            let want = path(encoded);
            assert_eq!(request.uri().path(), want, "{name}({raw:?})");
            assert_eq!(request.uri().query(), None, "{name}({raw:?})");
            assert_eq!(
                request.uri().to_string(),
                format!("https://worker.example.com{want}"),
                "{name}({raw:?})"
            );
        }
    }
}

/// `.`, `..` and the empty id are refused before anything is built.
#[test]
fn dot_segments_and_empty_ids_are_refused() {
    for (name, build, _) in path_ops() {
        for bad in [".", "..", ""] {
            match build(bad) {
                Err(Error::InvalidRequest(_)) => {}
                other => panic!("{name}({bad:?}) gave {other:?}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<WholeBody> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.to_owned().into()).unwrap()
}

fn json_ok(body: &str) -> Response<WholeBody> {
    response(200, &[("content-type", "application/json")], body)
}

// Recorded from the reference worker (worker-transcript §1, §7, §8, §11, §14,
// §15, §16, §22, §24, §44, §47).
const HEALTH: &str = r#"{"status":"ok","service":"agntz-worker"}"#;
const RUN_RESULT: &str = r#"{"output":"ECHO: hello world","state":{"userQuery":"hello world"},"retention":{"mode":"session"},"runId":"run_BZRUlk5Va1bl","traceId":"run_BZRUlk5Va1bl","status":"completed","resolvedAgentVersion":"2026-11-28T20:08:33.997Z","provider":"openai","model":"fake-model","usage":{"inputTokens":2,"outputTokens":3,"totalTokens":5},"finishReason":"stop","responseId":"resp_55e8b236b5c54e988a513325","sessionId":"sess_ri5_FHidLlHh"}"#;
const RUN_STARTED: &str = r#"{"id":"run_spiC2IDZoD1c","rootId":"run_spiC2IDZoD1c","agentId":"echo","agentVersion":"2026-11-28T20:08:33.997Z","userId":"user_ref_a","sessionId":"sess_YfDlVZliYKAa","retentionMode":"session","input":"durable hello","status":"running","startedAt":1795896514194,"depth":0}"#;
const RUN_CANCELLED: &str = r#"{"id":"run_vPha7v_6mNS6","rootId":"run_vPha7v_6mNS6","agentId":"echo","agentVersion":"2026-11-28T20:08:33.997Z","userId":"user_ref_a","sessionId":"sess_SD3OvrpvfSe9","retentionMode":"session","input":"SLOW:20 this one will be cancelled","status":"cancelled","startedAt":1795896514761,"depth":0,"error":"cancelled by user","endedAt":1795896515300}"#;
const RUN_COMPLETED: &str = r#"{"id":"run_spiC2IDZoD1c","rootId":"run_spiC2IDZoD1c","agentId":"echo","agentVersion":"2026-11-28T20:08:33.997Z","userId":"user_ref_a","sessionId":"sess_YfDlVZliYKAa","retentionMode":"session","input":"durable hello","status":"completed","startedAt":1795896514194,"depth":0,"result":{"output":"ECHO: durable hello","invocationId":"run_spiC2IDZoD1c","sessionId":"sess_YfDlVZliYKAa","toolCalls":[],"usage":{"promptTokens":2,"completionTokens":3,"totalTokens":5},"duration":7,"model":"fake-model","provider":"openai"},"endedAt":1795896514202}"#;
const TRACES_PAGE: &str = r#"{"rows":[{"traceId":"run_vPha7v_6mNS6","ownerId":"user_ref_a","rootName":"echo","agentId":"echo","startedAt":"2026-11-28T20:08:34.761Z","endedAt":"2026-11-28T20:08:35.300Z","durationMs":539,"spanCount":4,"status":"cancelled","totalTokens":0,"totalCostUsd":null}],"cursor":"eyJzdGFydGVkQXQiOiIyMDI2LTExLTI4VDIwOjA4OjM0LjE5NFoifQ"}"#;
const TRACE_DETAIL: &str = r#"{"summary":{"traceId":"run_spiC2IDZoD1c","ownerId":"user_ref_a","rootName":"echo","agentId":"echo","startedAt":"2026-11-28T20:08:34.194Z","endedAt":"2026-11-28T20:08:34.202Z","durationMs":8,"spanCount":1,"status":"ok","totalTokens":5,"totalCostUsd":null},"spans":[{"spanId":"sp_6lsv95whqrmx0ueyz6","traceId":"run_spiC2IDZoD1c","parentId":null,"ownerId":"user_ref_a","runId":"run_spiC2IDZoD1c","sessionId":"sess_YfDlVZliYKAa","name":"agent.run","kind":"run","startedAt":"2026-11-28T20:08:34.194Z","endedAt":"2026-11-28T20:08:34.202Z","durationMs":8,"status":"ok","error":null,"attributes":{"agent.id":"echo","agent.run.id":"run_spiC2IDZoD1c"},"events":[],"scores":{},"costUsd":null}]}"#;
const SESSIONS: &str = r#"{"sessions":[{"sessionId":"sess_ri5_FHidLlHh","messageCount":2,"createdAt":"2026-11-28T20:08:34.055Z","updatedAt":"2026-11-28T20:08:34.104Z"},{"sessionId":"sess_ref_demo","messageCount":4,"createdAt":"2026-11-28T20:08:35.946Z","updatedAt":"2026-11-28T20:08:36.014Z"}]}"#;
const SESSION: &str = r#"{"sessionId":"sess_ref_demo","messages":[{"role":"user","content":"my name is Ada","timestamp":"2026-11-28T20:08:35.946Z"},{"role":"assistant","content":"ECHO: my name is Ada","timestamp":"2026-11-28T20:08:35.946Z"}]}"#;
const IMPORTED: &str = r#"{"dryRun":false,"results":[{"sessionId":"s1","agentId":"a1","action":"create","messageCount":1},{"sessionId":"s2","action":"skip","messageCount":0}],"counts":{"create":1,"skip":1}}"#;
const ACCEPTED: &str = r#"{"status":"accepted"}"#;

#[test]
fn parse_health() {
    // C1
    let h = GetHealth::new().parse(json_ok(HEALTH)).unwrap();
    assert_eq!(h.status, "ok");
    assert_eq!(h.service, "agntz-worker");
}

#[test]
fn parse_run_result() {
    let op = RunAgent::new(RunRequest::new("echo"));
    let r = op.parse(json_ok(RUN_RESULT)).unwrap();
    assert_eq!(r.output, json!("ECHO: hello world"));
    assert_eq!(r.run_id, "run_BZRUlk5Va1bl");
    assert_eq!(r.trace_id.as_deref(), Some("run_BZRUlk5Va1bl"));
    assert_eq!(r.usage.total_tokens, 5);
    assert_eq!(r.session_id.as_deref(), Some("sess_ri5_FHidLlHh"));
    // C2 / C3: sparse bodies decode with defaults.
    let r = op
        .parse(json_ok(
            r#"{"output":"hi","state":{"done":true},"sessionId":"s1"}"#,
        ))
        .unwrap();
    assert_eq!(r.output, json!("hi"));
    assert_eq!(r.state, json!({"done":true}));
    assert_eq!(r.session_id.as_deref(), Some("s1"));
    let r = op.parse(json_ok(r#"{"output":null,"state":{}}"#)).unwrap();
    assert_eq!(r.output, Value::Null);
    assert_eq!(r.session_id, None);
}

#[test]
fn parse_start_run() {
    let op = StartRun::new(RunRequest::new("echo"));
    // C30: 201 + Location + Run.
    let run = op
        .parse(response(
            201,
            &[
                ("content-type", "application/json"),
                ("location", "/runs/run_spiC2IDZoD1c"),
            ],
            RUN_STARTED,
        ))
        .unwrap();
    assert_eq!(run.id, "run_spiC2IDZoD1c");
    assert_eq!(run.root_id, "run_spiC2IDZoD1c");
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(run.input, "durable hello");
    assert_eq!(run.started_at, 1_795_896_514_194);
    assert!(run.is_root());

    // A 201 without Location is a decode error that keeps the body.
    match op.parse(response(
        201,
        &[("content-type", "application/json")],
        RUN_STARTED,
    )) {
        Err(Error::Decode(e)) => {
            assert_eq!(e.status, StatusCode::CREATED);
            assert_eq!(e.body, RUN_STARTED.as_bytes());
        }
        other => panic!("{other:?}"),
    }
    // A 400 is an API error, Location or not.
    let err = op
        .parse(response(
            400,
            &[],
            r#"{"error":"webhookSecretName required with callbackUrl"}"#,
        ))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.status == 400 && e.message == "webhookSecretName required with callbackUrl")
    );
}

#[test]
fn parse_get_and_cancel_run() {
    let run = GetRun::new("run_spiC2IDZoD1c")
        .parse(json_ok(RUN_COMPLETED))
        .unwrap();
    assert_eq!(run.status, RunStatus::Completed);
    let result = run.result.as_ref().unwrap();
    assert_eq!(result.output, "ECHO: durable hello");
    assert_eq!(run.ended_at, Some(1_795_896_514_202));

    // C34
    let run = CancelRun::new("run_vPha7v_6mNS6")
        .parse(json_ok(RUN_CANCELLED))
        .unwrap();
    assert_eq!(run.status, RunStatus::Cancelled);
    assert_eq!(run.error.as_deref(), Some("cancelled by user"));
}

#[test]
fn parse_list_runs() {
    let op = ListRuns::new(RunFilter::new());
    // C39
    let page = op.parse(json_ok(r#"{"rows":[]}"#)).unwrap();
    assert!(page.rows.is_empty());
    assert_eq!(page.next_cursor, None);
    // C41
    let page = op
        .parse(json_ok(
            r#"{"rows":[{"id":"r1","rootId":"r1","agentId":"a","status":"completed","input":"x","startedAt":1,"depth":0}],"cursor":"abc"}"#,
        ))
        .unwrap();
    assert_eq!(page.rows[0].id, "r1");
    assert_eq!(page.next_cursor.as_deref(), Some("abc"));
    let page = op
        .parse(json_ok(&format!(
            r#"{{"rows":[{RUN_CANCELLED},{RUN_COMPLETED}]}}"#
        )))
        .unwrap();
    let (rows, cursor) = ListRuns::into_parts(page);
    assert_eq!(rows.len(), 2);
    assert_eq!(cursor, None);
}

#[test]
fn parse_traces() {
    let page = ListTraces::new(TraceFilter::new())
        .parse(json_ok(TRACES_PAGE))
        .unwrap();
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].status, SpanStatus::Cancelled);
    assert_eq!(page.rows[0].total_cost_usd, None);
    assert!(page.next_cursor.is_some());
    // C49
    let page = ListTraces::new(TraceFilter::new())
        .parse(json_ok(r#"{"rows":[]}"#))
        .unwrap();
    assert!(page.rows.is_empty());

    let detail = GetTrace::new("run_spiC2IDZoD1c")
        .parse(json_ok(TRACE_DETAIL))
        .unwrap();
    assert_eq!(detail.summary.trace_id, "run_spiC2IDZoD1c");
    assert_eq!(detail.spans.len(), 1);
    assert_eq!(detail.spans[0].kind, SpanKind::Run);
    assert_eq!(detail.spans[0].parent_id, None);
    // C42: nullable summary fields.
    let detail = GetTrace::new("trace_abc")
        .parse(json_ok(
            r#"{"summary":{"traceId":"trace_abc","ownerId":"u","rootName":"a","agentId":null,"startedAt":"2026-01-01T00:00:00.000Z","endedAt":null,"durationMs":null,"spanCount":0,"status":"running","totalTokens":0,"totalCostUsd":null},"spans":[]}"#,
        ))
        .unwrap();
    assert_eq!(detail.summary.trace_id, "trace_abc");
    assert_eq!(detail.summary.ended_at, None);
    assert_eq!(detail.summary.duration_ms, None);
}

#[test]
fn parse_sessions() {
    // C44 / §22
    let list = ListSessions::new().parse(json_ok(SESSIONS)).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1].session_id, "sess_ref_demo");
    assert_eq!(list[1].message_count, 4);
    assert_eq!(list[0].agent_id, None);
    // §23, and the bare array the Python client also accepts.
    assert!(ListSessions::new()
        .parse(json_ok(r#"{"sessions":[]}"#))
        .unwrap()
        .is_empty());
    let bare = ListSessions::new()
        .parse(json_ok(
            r#"[{"sessionId":"s1","agentId":"a1","messageCount":2,"createdAt":"x","updatedAt":"y"}]"#,
        ))
        .unwrap();
    assert_eq!(bare[0].agent_id.as_deref(), Some("a1"));

    // C46 / §24
    let detail = GetSession::new("sess_ref_demo")
        .parse(json_ok(SESSION))
        .unwrap();
    assert_eq!(detail.session_id, "sess_ref_demo");
    assert_eq!(detail.messages.len(), 2);
    assert_eq!(detail.messages[0].role, Role::User);
    assert_eq!(
        detail.messages[1].content.as_text(),
        Some("ECHO: my name is Ada")
    );
    // Unknown ids answer 200 with no messages (never 404).
    let empty = GetSession::new("nope")
        .parse(json_ok(r#"{"sessionId":"nope","messages":[]}"#))
        .unwrap();
    assert!(empty.messages.is_empty());

    // C48
    let import = SessionImport::new([SessionSnapshot::new("s1")]);
    let result = ImportSessions::new(import)
        .parse(json_ok(IMPORTED))
        .unwrap();
    assert!(!result.dry_run);
    assert_eq!(result.results[0].action, ImportAction::Create);
    assert_eq!(result.results[0].agent_id.as_deref(), Some("a1"));
    assert_eq!(result.results[1].action, ImportAction::Skip);
    assert_eq!(result.counts.get("create"), Some(&1));
}

#[test]
fn import_conflict_keeps_context() {
    let import = SessionImport::new([SessionSnapshot::new("s")]).on_conflict(OnConflict::Fail);
    let err = ImportSessions::new(import)
        .parse(response(
            409,
            &[("content-type", "application/json")],
            r#"{"error":"Session \"s\" already exists","sessionId":"s"}"#,
        ))
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 409);
    assert_eq!(api.message, "Session \"s\" already exists");
    assert_eq!(api.body.as_ref().unwrap()["sessionId"], "s");
}

/// C47 / C51: 204 with the worker's `text/plain` content type and no body.
#[test]
fn parse_deletes() {
    let no_content = || response(204, &[("content-type", "text/plain; charset=UTF-8")], "");
    DeleteSession::new("s1").parse(no_content()).unwrap();
    DeleteTrace::new("t1").parse(no_content()).unwrap();
    // Any 2xx is fine; the body is never read.
    DeleteTrace::new("t1").parse(json_ok("garbage")).unwrap();
    // §19
    let err = DeleteTrace::new("t1")
        .parse(response(404, &[], r#"{"error":"Trace not found"}"#))
        .unwrap_err();
    assert!(matches!(&err, Error::NotFound(e) if e.message == "Trace not found"));
}

/// §47 / §48 / §50 and §7.3.
#[test]
fn parse_submit_tool_result() {
    let op = SubmitToolResult::new("run_1", "ctr_1", ToolOutcome::Output(json!(1)));
    let ct = [("content-type", "application/json")];
    assert_eq!(
        op.parse(response(202, &ct, ACCEPTED)).unwrap(),
        ToolSubmission::Accepted
    );
    assert_eq!(
        op.parse(response(200, &ct, ACCEPTED)).unwrap(),
        ToolSubmission::AlreadyAnswered
    );
    assert_eq!(
        op.parse(response(
            410,
            &ct,
            r#"{"error":"Client tool request is no longer active"}"#
        ))
        .unwrap(),
        ToolSubmission::NoLongerActive
    );
    for msg in ["Run not found", "Client tool request not found"] {
        let err = op
            .parse(response(404, &ct, &format!(r#"{{"error":"{msg}"}}"#)))
            .unwrap_err();
        assert!(
            matches!(&err, Error::NotFound(e) if e.message == msg),
            "{err}"
        );
    }
    let err = op
        .parse(response(
            400,
            &ct,
            r#"{"error":"Provide exactly one of output or error"}"#,
        ))
        .unwrap_err();
    assert!(matches!(&err, Error::Api(e) if e.status == 400));
}

/// A 2xx body that is not the expected JSON is a decode error with the body.
#[test]
fn undecodable_success_bodies() {
    let err = RunAgent::new(RunRequest::new("a"))
        .parse(json_ok("not json"))
        .unwrap_err();
    match err {
        Error::Decode(e) => {
            assert_eq!(e.status, StatusCode::OK);
            assert_eq!(e.body, "not json");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        GetHealth::new().parse(json_ok("")),
        Err(Error::Decode(_))
    ));
    assert!(matches!(
        GetRun::new("r").parse(json_ok("[1,2]")),
        Err(Error::Decode(_))
    ));
}

/// The error matrix every request/response operation shares.
fn error_matrix<O: Operation>(name: &str, op: &O)
where
    O::Output: std::fmt::Debug,
{
    let ct = [("content-type", "application/json")];

    // C5 / §28 / §29
    for msg in ["missing authentication", "invalid or revoked API key"] {
        let err = op
            .parse(response(401, &ct, &format!(r#"{{"error":"{msg}"}}"#)))
            .unwrap_err();
        match &err {
            Error::Authentication(e) => {
                assert_eq!(e.status, 401, "{name}");
                assert_eq!(e.message, msg, "{name}");
                assert_eq!(e.code, None, "{name}");
            }
            other => panic!("{name}: 401 gave {other:?}"),
        }
        assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    }

    // §30: code kept.
    let err = op
        .parse(response(
            404,
            &ct,
            r#"{"error":"Agent \"no-such-agent\" not found","code":"NOT_FOUND"}"#,
        ))
        .unwrap_err();
    match &err {
        Error::NotFound(e) => {
            assert_eq!(e.message, "Agent \"no-such-agent\" not found", "{name}");
            assert_eq!(e.code.as_deref(), Some("NOT_FOUND"), "{name}");
        }
        other => panic!("{name}: 404 gave {other:?}"),
    }
    assert_eq!(err.code(), Some("NOT_FOUND"));

    // Unmatched route: Hono's plain-text 404.
    let err = op
        .parse(response(
            404,
            &[("content-type", "text/plain; charset=UTF-8")],
            "404 Not Found",
        ))
        .unwrap_err();
    assert!(
        matches!(&err, Error::NotFound(e) if e.message == "HTTP 404" && e.code.is_none()),
        "{name}: {err:?}"
    );

    // §44: Retry-After header and retryAfterSeconds.
    let err = op
        .parse(response(
            429,
            &[
                ("content-type", "application/json"),
                ("retry-after", "3600"),
            ],
            r#"{"error":"rate limit exceeded","retryAfterSeconds":3600}"#,
        ))
        .unwrap_err();
    match &err {
        Error::RateLimited(e) => {
            assert_eq!(e.message, "rate limit exceeded", "{name}");
            assert_eq!(e.retry_after, Some(Duration::from_secs(3600)), "{name}");
        }
        other => panic!("{name}: 429 gave {other:?}"),
    }
    let err = op
        .parse(response(429, &[("retry-after", "2")], ""))
        .unwrap_err();
    assert!(
        matches!(&err, Error::RateLimited(e) if e.retry_after == Some(Duration::from_secs(2)) && e.message == "HTTP 429"),
        "{name}: {err:?}"
    );

    // C8 / C15: structured code on a 500.
    let err = op
        .parse(response(
            500,
            &ct,
            r#"{"error":"Model output did not match the schema","code":"STRUCTURED_OUTPUT_INVALID"}"#,
        ))
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api(e) if e.status == 500 && e.code.as_deref() == Some("STRUCTURED_OUTPUT_INVALID") && e.message == "Model output did not match the schema"),
        "{name}: {err:?}"
    );

    // C7 / §1.6: plain-text 500s fall back to `HTTP <status>`.
    for body in ["Internal Server Error", "boom", ""] {
        let err = op
            .parse(response(
                500,
                &[("content-type", "text/plain; charset=UTF-8")],
                body,
            ))
            .unwrap_err();
        match &err {
            Error::Api(e) => {
                assert_eq!(e.status, 500, "{name}");
                assert_eq!(e.message, "HTTP 500", "{name}");
                assert_eq!(e.code, None, "{name}");
                assert_eq!(e.body, None, "{name}");
            }
            other => panic!("{name}: 500 {body:?} gave {other:?}"),
        }
    }
}

#[test]
fn error_responses_of_every_operation() {
    let run = || RunRequest::new("a1");
    error_matrix("GetHealth", &GetHealth::new());
    error_matrix("RunAgent", &RunAgent::new(run()));
    error_matrix("StartRun", &StartRun::new(run()));
    error_matrix("GetRun", &GetRun::new("r"));
    error_matrix("CancelRun", &CancelRun::new("r"));
    error_matrix("ListRuns", &ListRuns::new(RunFilter::new()));
    error_matrix("GetTrace", &GetTrace::new("t"));
    error_matrix("ListTraces", &ListTraces::new(TraceFilter::new()));
    error_matrix("DeleteTrace", &DeleteTrace::new("t"));
    error_matrix(
        "ImportSessions",
        &ImportSessions::new(SessionImport::new([SessionSnapshot::new("s")])),
    );
    error_matrix("ListSessions", &ListSessions::new());
    error_matrix("GetSession", &GetSession::new("s"));
    error_matrix("DeleteSession", &DeleteSession::new("s"));
    error_matrix(
        "SubmitToolResult",
        &SubmitToolResult::new("r", "c", ToolOutcome::Output(json!(1))),
    );
}

/// The three SSE operations have no `parse`: their heads are classified and
/// non-2xx bodies go through `api_error` (C21, §31).
#[test]
fn stream_operation_heads() {
    let mut json_ct = HeaderMap::new();
    json_ct.insert("content-type", "application/json".parse().unwrap());
    let mut sse_ct = HeaderMap::new();
    sse_ct.insert("content-type", "text/event-stream".parse().unwrap());

    assert_eq!(
        classify(StatusCode::OK, &sse_ct, true),
        HeadKind::EventStream
    );
    assert_eq!(
        classify(StatusCode::OK, &json_ct, true),
        HeadKind::UnexpectedContentType
    );
    assert_eq!(
        classify(StatusCode::NOT_FOUND, &json_ct, true),
        HeadKind::Error
    );
    assert_eq!(classify(StatusCode::OK, &json_ct, false), HeadKind::Success);

    let err = api_error(
        StatusCode::NOT_FOUND,
        &json_ct,
        br#"{"error":"Agent \"no-such-agent\" not found","code":"NOT_FOUND"}"#,
    );
    assert!(matches!(&err, Error::NotFound(e) if e.code.as_deref() == Some("NOT_FOUND")));
    let err = api_error(
        StatusCode::UNAUTHORIZED,
        &json_ct,
        br#"{"error":"bad key"}"#,
    );
    assert!(matches!(&err, Error::Authentication(e) if e.message == "bad key"));
    let err = api_error(
        StatusCode::BAD_REQUEST,
        &json_ct,
        br#"{"error":"Missing client tool handlers: get_selection","code":"MISSING_CLIENT_TOOLS","details":["get_selection"]}"#,
    );
    let api = err.api().unwrap();
    assert_eq!(api.code.as_deref(), Some("MISSING_CLIENT_TOOLS"));
    assert_eq!(api.details, Some(json!(["get_selection"])));
    let err = api_error(
        StatusCode::BAD_REQUEST,
        &json_ct,
        br#"{"error":"Invalid `since` query param"}"#,
    );
    assert!(matches!(&err, Error::Api(e) if e.status == 400 && e.code.is_none()));
}
