//! Golden requests and responses of the manifest tooling operations:
//! `POST /validate`, `/run/block`, `/run/block/stream`, `/build-agent`,
//! `/edit-agent`, and the system-agent checks (wire-extended §9). Response
//! bodies are the samples of §9.

use std::collections::BTreeMap;
use std::time::Duration;

use agntz_proto::body::WholeBody;
use agntz_proto::config::Config;
use agntz_proto::events::{AgentKind, BlockEvent};
use agntz_proto::ops::*;
use agntz_proto::stream::{BlockFrame, BlockFrames, StreamDecoder};
use agntz_proto::types::*;
use agntz_proto::Error;
use bytes::Bytes;
use http::{Request, Response};
use serde_json::{json, Value};

const BEARER: &str = "Bearer ar_test_abc";
const UA: &str = concat!("agntz-rust/", env!("CARGO_PKG_VERSION"));

fn config() -> Config {
    Config::builder()
        .base_url("https://worker.example.com")
        .api_key("ar_test_abc")
        .build()
        .unwrap()
}

fn keyless() -> Config {
    Config::builder()
        .base_url("https://worker.example.com")
        .build()
        .unwrap()
}

/// Method, URI, the exact header set and the JSON body of a request.
#[track_caller]
fn assert_request(
    request: Result<Request<Bytes>, Error>,
    uri: &str,
    auth: bool,
    sse: bool,
    body: Value,
) {
    let request = request.unwrap_or_else(|e| panic!("{uri}: {e}"));
    assert_eq!(request.method(), "POST");
    assert_eq!(request.uri().to_string(), uri);
    let mut want = BTreeMap::from([
        ("user-agent".to_owned(), UA.to_owned()),
        ("content-type".to_owned(), "application/json".to_owned()),
    ]);
    if auth {
        want.insert("authorization".into(), BEARER.into());
    }
    if sse {
        want.insert("accept".into(), "text/event-stream".into());
    }
    let got: BTreeMap<String, String> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    assert_eq!(got, want, "{uri}");
    let sent: Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(sent, body, "{uri}");
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<WholeBody> {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.to_owned().into()).unwrap()
}

// ---------------------------------------------------------------------------
// POST /validate
// ---------------------------------------------------------------------------

#[test]
fn validate_request() {
    let c = config();
    assert_request(
        ValidateManifest::new(ValidationRequest::new("id: a\n")).build(&c),
        "https://worker.example.com/validate",
        true,
        false,
        json!({"manifest": "id: a\n"}),
    );
    assert_request(
        ValidateManifest::new(
            ValidationRequest::new("id: a\n")
                .strict(true)
                .mcp_timeout(Duration::from_secs(2)),
        )
        .build(&c),
        "https://worker.example.com/validate",
        true,
        false,
        json!({"manifest": "id: a\n", "strict": true, "mcpTimeoutMs": 2000}),
    );
    // An empty manifest is the worker's 400: refused before sending.
    for empty in ["", " \n"] {
        assert!(matches!(
            ValidateManifest::new(ValidationRequest::new(empty)).build(&c),
            Err(Error::InvalidRequest(_))
        ));
    }
}

#[test]
fn validate_report_from_the_worker() {
    let op = ValidateManifest::new(ValidationRequest::new("x"));
    let report = op
        .parse(response(
            200,
            &[],
            r#"{"valid":false,
                "errors":[{"level":"external","path":"steps[0].ref","message":"Referenced agent 'nope-agent' not found"}],
                "warnings":[{"path":"tools[0]","message":"Could not connect to MCP server 'x': refused"}],
                "manifest":{"id":"v4","kind":"sequential","steps":[{"ref":"nope-agent"}]},
                "durationMs":12}"#,
        ))
        .unwrap();
    assert!(!report.is_valid());
    assert_eq!(report.errors[0].level, ValidationLevel::External);
    assert_eq!(report.errors[0].path, "steps[0].ref");
    assert_eq!(
        report.warnings[0].to_string(),
        "tools[0]: Could not connect to MCP server 'x': refused"
    );
    assert_eq!(report.manifest.as_ref().unwrap()["id"], "v4");
    assert_eq!(report.extra["durationMs"], 12);
    assert!(!report.is_unparseable());

    // A level this SDK does not know, a structural error for the document,
    // and a report that says valid but lists an error.
    let report = op
        .parse(response(
            200,
            &[],
            r#"{"valid":true,"errors":[{"level":"semantic","path":"","message":"m"},{"level":"structural","path":"","message":"YAML must be an object"}],"warnings":null}"#,
        ))
        .unwrap();
    assert_eq!(report.errors[0].level, ValidationLevel::Unknown);
    assert_eq!(
        report.errors[1].to_string(),
        "[structural] YAML must be an object"
    );
    assert!(report.is_unparseable());
    assert!(!report.is_valid(), "errors win over `valid`");
    assert!(report.warnings.is_empty());

    let err = op
        .parse(response(
            400,
            &[],
            r#"{"error":"Missing required field: manifest (string)"}"#,
        ))
        .unwrap_err();
    assert!(matches!(err, Error::Api(ref e) if e.status == 400 && e.code.is_none()));
}

// ---------------------------------------------------------------------------
// Block runs
// ---------------------------------------------------------------------------

#[test]
fn block_run_requests() {
    let c = config();
    let run = RunRequest::new("wxblk")
        .input("hi")
        .session_id("s1")
        .client_tools(["get_selection"])
        .callback_url("https://hooks.example.com/x");
    // `clientTools` on the stream only; never the durable-run fields.
    assert_request(
        RunBlock::new(run.clone(), BlockSelection::root().step(1)).build(&c),
        "https://worker.example.com/run/block",
        true,
        false,
        json!({"agentId": "wxblk", "input": "hi", "sessionId": "s1",
               "selection": {"agentPath": ["steps", 1, "agent"], "stepPath": ["steps", 1]}}),
    );
    assert_request(
        StreamBlock::new(run, BlockSelection::root()).build(&c),
        "https://worker.example.com/run/block/stream",
        true,
        true,
        json!({"agentId": "wxblk", "input": "hi", "sessionId": "s1",
               "clientTools": ["get_selection"], "selection": {"agentPath": []}}),
    );
    assert!(matches!(
        RunBlock::new(RunRequest::new(" "), BlockSelection::root()).build(&c),
        Err(Error::InvalidRequest(_))
    ));
}

#[test]
fn block_selections() {
    let nested = BlockSelection::root().step(1).branch(0);
    assert_eq!(
        serde_json::to_value(&nested).unwrap(),
        json!({"agentPath": ["steps", 1, "agent", "branches", 0, "agent"],
               "stepPath": ["steps", 1, "agent", "branches", 0]})
    );
    assert_eq!(nested.to_string(), "steps[1].branches[0]");
    for text in [
        "steps[1].branches[0]",
        "steps[1].agent.branches[0]",
        " steps[1].branches[0] ",
    ] {
        assert_eq!(text.parse::<BlockSelection>().unwrap(), nested, "{text}");
    }
    assert!("root".parse::<BlockSelection>().unwrap().is_root());
    assert!("".parse::<BlockSelection>().unwrap().is_root());
    assert_eq!(BlockSelection::root().to_string(), "root");
    for bad in [
        "steps",
        "steps[x]",
        "steps[-1]",
        "tools[0]",
        "steps[1]x",
        "steps[1].",
    ] {
        assert!(
            matches!(bad.parse::<BlockSelection>(), Err(Error::InvalidRequest(_))),
            "{bad}"
        );
    }
    let raw = BlockSelection::from_paths(
        [PathSegment::from("steps"), PathSegment::from(0usize)],
        None,
    );
    assert_eq!(
        serde_json::to_string(&raw).unwrap(),
        r#"{"agentPath":["steps",0]}"#
    );
    assert_eq!(raw.step_path(), None);
}

/// The `/run/block` sample of §9.2.
const BLOCK_RESULT: &str = r#"{"output":"ECHO: two hi","state":{"userQuery":"hi"},"retention":{"mode":"session"},
 "runId":"run_EkPiX-x1k8Cc","traceId":"run_EkPiX-x1k8Cc","status":"completed",
 "resolvedAgentVersion":"2026-12-06T07:56:12.106Z","provider":"openai","model":"fake-model",
 "usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5},"finishReason":"stop",
 "responseId":"resp_fake_7","sessionId":"sess_5AHMMQgxXATF",
 "target":"block","blockId":"wxblk-second","blockKind":"llm"}"#;

#[test]
fn block_run_result() {
    let op = RunBlock::new(RunRequest::new("wxblk"), BlockSelection::root().step(1));
    let done = op.parse(response(200, &[], BLOCK_RESULT)).unwrap();
    assert_eq!(done.block_id, "wxblk-second");
    assert_eq!(done.block_kind, AgentKind::Llm);
    assert_eq!(done.result.output, "ECHO: two hi");
    assert_eq!(done.result.usage.total_tokens, 5);
    assert_eq!(done.result.session_id.as_deref(), Some("sess_5AHMMQgxXATF"));
    assert!(done.result.extra.is_empty(), "{:?}", done.result.extra);

    // A kind this SDK does not know, and a key a newer worker adds.
    let body = BLOCK_RESULT.replace(
        r#""blockKind":"llm""#,
        r#""blockKind":"router","blockPath":"steps[1]""#,
    );
    let done = op.parse(response(200, &[], &body)).unwrap();
    assert_eq!(done.block_kind, AgentKind::Unknown);
    assert_eq!(done.result.extra["blockPath"], "steps[1]");

    let err = op
        .parse(response(
            400,
            &[],
            r#"{"error":"selected block path was not found in the agent manifest","code":"BAD_REQUEST"}"#,
        ))
        .unwrap_err();
    assert_eq!(err.code(), Some("BAD_REQUEST"));
}

#[test]
fn block_stream_frames() {
    let stream = format!(
        "event: run-start\ndata: {}\n\nevent: run-complete\ndata: {}\n\n",
        r#"{"agentId":"wxblk","kind":"llm","target":"block","blockId":"wxblk-second","runId":"run_ltWeMkEoUINj","retention":{"mode":"session"},"traceId":"run_ltWeMkEoUINj","sessionId":"sess_XNxjieeT9Vy_"}"#,
        BLOCK_RESULT.replace('\n', "")
    );
    let mut decoder = StreamDecoder::new(BlockFrames::new(), 1 << 20);
    decoder.feed(stream.as_bytes());
    let Some(Ok(BlockFrame::Event(BlockEvent::Start(start)))) = decoder.next() else {
        panic!("run-start")
    };
    assert_eq!(start.agent_id, "wxblk");
    assert_eq!(start.kind, AgentKind::Llm);
    assert_eq!(start.block_id, "wxblk-second");
    assert_eq!(start.run_id.as_deref(), Some("run_ltWeMkEoUINj"));
    assert_eq!(start.extra["target"], "block");
    let Some(Ok(BlockFrame::Event(done))) = decoder.next() else {
        panic!("run-complete")
    };
    assert!(done.is_terminal());
    let BlockEvent::Complete(done) = done else {
        panic!("complete")
    };
    assert_eq!(done.block_id, "wxblk-second");
    assert!(decoder.next().is_none());

    // Cut before the terminal event: truncated, after the start.
    let mut decoder = StreamDecoder::new(BlockFrames::new(), 1 << 20);
    decoder.feed(
        stream
            .split("event: run-complete")
            .next()
            .unwrap()
            .as_bytes(),
    );
    assert!(matches!(decoder.next(), Some(Ok(_))));
    let e = decoder.finish().expect("truncated");
    assert_eq!(e.code(), Some("STREAM_TRUNCATED"));

    let e = BlockEvent::from_frame(
        "run-error",
        br#"{"error":"Failed after 3 attempts. Last error: AI_APICallError: fake LLM failure (FAIL_LLM)"}"#,
    )
    .unwrap();
    assert!(e.is_terminal());
    assert_eq!(e.event_name(), "run-error");
    assert!(BlockEvent::from_frame("run-start", b"[").is_err());
    assert!(matches!(
        BlockEvent::from_frame("text-delta", b"{}").unwrap(),
        BlockEvent::Unknown(_)
    ));
}

// ---------------------------------------------------------------------------
// The agent builder and editor
// ---------------------------------------------------------------------------

#[test]
fn build_agent_request_is_public() {
    // No Authorization header even with a key configured.
    assert_request(
        BuildAgent::new(BuildAgentRequest::new("Greet the user")).build(&config()),
        "https://worker.example.com/build-agent",
        false,
        false,
        json!({"description": "Greet the user"}),
    );
    assert_request(
        BuildAgent::new(BuildAgentRequest::new("Shorter").current_manifest("id: a\n"))
            .build(&keyless()),
        "https://worker.example.com/build-agent",
        false,
        false,
        json!({"description": "Shorter", "currentManifest": "id: a\n"}),
    );
}

#[test]
fn builder_and_editor_lengths_count_utf16_units() {
    let c = config();
    let build = |d: String| BuildAgent::new(BuildAgentRequest::new(d)).build(&c);
    assert!(build("a".repeat(4096)).is_ok());
    assert!(build("a".repeat(4097)).is_err());
    // 2,048 emoji are 4,096 units (8,192 bytes): accepted; one more is not.
    assert!(build("😀".repeat(2048)).is_ok());
    assert!(matches!(
        build("😀".repeat(2049)),
        Err(Error::InvalidRequest(_))
    ));
    assert!(build(String::new()).is_err());
    let draft =
        |m: String| BuildAgent::new(BuildAgentRequest::new("x").current_manifest(m)).build(&c);
    assert!(draft("a".repeat(16_384)).is_ok());
    assert!(draft("a".repeat(16_385)).is_err());
    let edit = |m: String, d: String| EditAgent::new(EditAgentRequest::new(m, d)).build(&c);
    assert!(edit("a".repeat(64_000), "x".into()).is_ok());
    assert!(edit("a".repeat(64_001), "x".into()).is_err());
    assert!(edit("a".into(), "é".repeat(4096)).is_ok());
    assert!(edit("a".into(), "é".repeat(4097)).is_err());
    assert!(edit(String::new(), "x".into()).is_err());
    assert!(edit("a".into(), String::new()).is_err());
}

#[test]
fn edit_agent_request_needs_the_key() {
    assert_request(
        EditAgent::new(
            EditAgentRequest::new("id: a\n", "Answer in French")
                .selection(BlockSelection::root().step(0)),
        )
        .build(&config()),
        "https://worker.example.com/edit-agent",
        true,
        false,
        json!({"currentManifest": "id: a\n", "changeDescription": "Answer in French",
               "selection": {"agentPath": ["steps", 0, "agent"], "stepPath": ["steps", 0]}}),
    );
    let err = EditAgent::new(EditAgentRequest::new("id: a\n", "x"))
        .build(&keyless())
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(ref m) if m.contains("API key")));
}

#[test]
fn drafts_and_the_rate_limit() {
    let op = BuildAgent::new(BuildAgentRequest::new("x"));
    let draft = op
        .parse(response(
            200,
            &[],
            r#"{"yaml":"id: greeter\nname: Greeter\nkind: llm\nmodel:\n  provider: openai\n  name: gpt-5.6-sol\ninstruction: Greet the user by name.\n",
                "explanation":"A single llm agent, as planned.",
                "validation":{"valid":true,"errors":[],"warnings":[]}}"#,
        ))
        .unwrap();
    assert!(draft.is_usable());
    assert!(draft.yaml.as_deref().unwrap().starts_with("id: greeter\n"));
    assert!(draft.plan.is_none());

    // A 200 without a usable manifest: three rounds failed.
    let draft = op
        .parse(response(
            200,
            &[],
            r#"{"yaml":null,"explanation":null,"validation":{"valid":false,"errors":[{"level":"structural","path":"","message":"LLM agent must have a 'model' field"}],"warnings":[]}}"#,
        ))
        .unwrap();
    assert!(!draft.is_usable());
    assert!(draft.validation.unwrap().is_unparseable());

    // The system agent's output has the plan too.
    let result: RunResult = serde_json::from_value(json!({
        "output": {"plan": {"overview": "Greets", "topLevelKind": "llm", "inputSchema": "",
                            "steps": "", "branching": "", "dataFlow": "", "integrations": "",
                            "output": "text"},
                   "yaml": "id: g\n", "explanation": "ok",
                   "validation": {"valid": true, "errors": [], "warnings": []}}
    }))
    .unwrap();
    let draft: AgentDraft = result.output_as().unwrap();
    assert_eq!(draft.plan.unwrap().top_level_kind, "llm");

    // The per-client limit: RateLimited with the header's wait.
    let err = op
        .parse(response(
            429,
            &[("retry-after", "3595")],
            r#"{"error":"rate limit exceeded","retryAfterSeconds":3595}"#,
        ))
        .unwrap_err();
    let Error::RateLimited(e) = err else {
        panic!("RateLimited")
    };
    assert_eq!(e.retry_after, Some(Duration::from_secs(3595)));
    assert_eq!(e.message, "rate limit exceeded");
}

// ---------------------------------------------------------------------------
// System agents
// ---------------------------------------------------------------------------

#[test]
fn system_agent_ids_and_inputs() {
    assert_eq!(SystemAgent::AgentBuilder.id(), "system:agent-builder");
    assert_eq!(SystemAgent::AgentEditor.to_string(), "system:agent-editor");
    assert_eq!(
        SystemAgent::from_id("system:agent-editor"),
        Some(SystemAgent::AgentEditor)
    );
    assert_eq!(SystemAgent::from_id("agent-editor"), None);
    let c = config();
    let body = |r: RunRequest| -> Value {
        serde_json::from_slice(RunAgent::new(r).build(&c).unwrap().body()).unwrap()
    };
    assert_eq!(
        body(SystemAgent::builder_run("Greet")),
        json!({"agentId": "system:agent-builder", "input": {"description": "Greet"}})
    );
    assert_eq!(
        body(SystemAgent::editor_run(
            "id: a\n",
            "The whole manifest.",
            "Be brief"
        )),
        json!({"agentId": "system:agent-editor", "input": {"currentManifest": "id: a\n",
               "selectedContext": "The whole manifest.", "changeDescription": "Be brief"}})
    );
}

#[test]
fn system_agent_pins_are_refused_by_every_run_operation() {
    let c = config();
    for pinned in [
        SystemAgent::builder_run("x").version("latest"),
        RunRequest::new("system:agent-editor@2026-01-01T00:00:00.000Z"),
        RunRequest::new("system:whatever@1"),
    ] {
        let refused = |r: Result<Request<Bytes>, Error>| matches!(r, Err(Error::InvalidRequest(ref m)) if m.contains("cannot be version-pinned"));
        assert!(refused(RunAgent::new(pinned.clone()).build(&c)));
        assert!(refused(StreamAgent::new(pinned.clone()).build(&c)));
        assert!(refused(StartRun::new(pinned.clone()).build(&c)));
        assert!(refused(
            RunBlock::new(pinned.clone(), BlockSelection::root()).build(&c)
        ));
        assert!(refused(
            StreamBlock::new(pinned, BlockSelection::root()).build(&c)
        ));
    }
    // Unpinned system agents and pinned ordinary agents go out.
    assert!(RunAgent::new(SystemAgent::builder_run("x"))
        .build(&c)
        .is_ok());
    assert!(RunAgent::new(RunRequest::new("echo@latest"))
        .build(&c)
        .is_ok());
}

proptest::proptest! {
    /// No byte sequence from the network panics the block-run decoders.
    #[test]
    fn block_decoding_never_panics(
        name in proptest::sample::select(vec!["run-start", "reply", "run-complete", "run-error", "x"]),
        data in proptest::collection::vec(proptest::num::u8::ANY, 0..256),
    ) {
        let _ = BlockEvent::from_frame(name, &data);
        let _ = serde_json::from_slice::<BlockRunResult>(&data);
        let _ = serde_json::from_slice::<ValidationReport>(&data);
        let _ = serde_json::from_slice::<AgentDraft>(&data);
    }
}
