//! Decoding of recorded SSE frames into typed events.

use agntz_proto::events::*;
use agntz_proto::types::*;
use agntz_proto::StreamErrorCode;
use serde_json::json;

/// Minimal splitter for the worker's framing (`event:` / `data:` / `id:`
/// lines, LF, blank line between frames). Test-only; the crate's SSE
/// decoder is tested elsewhere.
fn frames(body: &str) -> Vec<(String, String)> {
    body.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|f| {
            let mut event = String::new();
            let mut data = String::new();
            for line in f.lines() {
                if let Some(v) = line.strip_prefix("event: ") {
                    event = v.to_owned();
                } else if let Some(v) = line.strip_prefix("data: ") {
                    data = v.to_owned();
                }
            }
            (event, data)
        })
        .collect()
}

fn stream_events(body: &str) -> Vec<StreamEvent> {
    frames(body)
        .iter()
        .map(|(e, d)| StreamEvent::from_frame(e, d.as_bytes()).unwrap())
        .collect()
}

fn run_events(body: &str) -> Vec<RunEvent> {
    frames(body)
        .iter()
        .map(|(e, d)| RunEvent::from_frame(e, d.as_bytes()).unwrap())
        .collect()
}

#[test]
fn run_stream_start_and_complete() {
    let ev = stream_events(include_str!("data/run_stream.sse"));
    assert_eq!(ev.len(), 2);
    let StreamEvent::Start(s) = &ev[0] else {
        panic!("{:?}", ev[0])
    };
    assert_eq!(s.agent_id, "echo");
    assert_eq!(s.kind, AgentKind::Llm);
    assert_eq!(s.run_id.as_deref(), Some("run_RbO5hHdQP-2m"));
    assert_eq!(s.trace_id.as_deref(), Some("run_RbO5hHdQP-2m"));
    assert_eq!(s.session_id.as_deref(), Some("sess_dbVKcr0La7r6"));
    assert_eq!(s.retention, Some(Retention::mode(RetentionMode::Session)));
    assert!(!ev[0].is_terminal());

    let StreamEvent::Complete(r) = &ev[1] else {
        panic!("{:?}", ev[1])
    };
    assert!(ev[1].is_terminal());
    // The whole payload is kept.
    assert_eq!(r.output_text(), Some("ECHO: stream me please"));
    assert_eq!(r.state, json!({"userQuery": "stream me please"}));
    assert_eq!(r.run_id, "run_RbO5hHdQP-2m");
    assert_eq!(r.usage.total_tokens, 7);
    assert_eq!(r.model, "fake-model");
    assert_eq!(r.provider.as_deref(), Some("openai"));
    assert_eq!(
        r.response_id.as_deref(),
        Some("resp_5e66af33f35246d7b3255f1f")
    );
    assert_eq!(r.session_id.as_deref(), Some("sess_dbVKcr0La7r6"));
}

#[test]
fn run_stream_error() {
    let ev = stream_events(include_str!("data/run_stream_error.sse"));
    assert_eq!(ev.len(), 2);
    assert_eq!(
        ev[1],
        StreamEvent::Error(
            serde_json::from_value(json!({"error": "fake LLM forced failure (FAIL_LLM)"})).unwrap()
        )
    );
    let StreamEvent::Error(f) = &ev[1] else {
        unreachable!()
    };
    assert_eq!(f.error, "fake LLM forced failure (FAIL_LLM)");
    assert!(ev[1].is_terminal());
    // A payload without `error` still terminates with a message.
    let StreamEvent::Error(f) = StreamEvent::from_frame("run-error", b"{}").unwrap() else {
        panic!()
    };
    assert_eq!(f.error, "Run failed");
}

#[test]
fn run_stream_client_tool_frame() {
    let fr = frames(include_str!("data/run_stream_client_tool.sse"));
    assert_eq!(fr[1].0, "client-tool-request");
    // The caller intercepts client-tool-request before StreamEvent; here it
    // decodes as a ClientToolRequest and, via StreamEvent, as Unknown.
    let req: ClientToolRequest = serde_json::from_str(&fr[1].1).unwrap();
    assert_eq!(req.name, "get_selection");
    assert_eq!(req.root_run_id, "run_vkY8Jao-4Nic");
    assert_eq!(req.seq, Some(4));
    let ev = StreamEvent::from_frame(&fr[1].0, fr[1].1.as_bytes()).unwrap();
    assert_eq!(
        ev,
        StreamEvent::Unknown(UnknownEvent::new("client-tool-request", fr[1].1.clone()))
    );
    let StreamEvent::Complete(r) = StreamEvent::from_frame(&fr[2].0, fr[2].1.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(
        r.output_text(),
        Some(r#"TOOL_RESULT: {"selected":"chapter one"}"#)
    );

    let fr = frames(include_str!("data/run_stream_client_tool_timeout.sse"));
    let StreamEvent::Complete(r) = StreamEvent::from_frame(&fr[2].0, fr[2].1.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert!(r.output_text().unwrap().contains("timed out after 1000ms"));
}

#[test]
fn stream_event_normalizer_cases_c54() {
    // (b) sessionless, hosted kind
    let StreamEvent::Start(s) = StreamEvent::from_frame(
        "run-start",
        br#"{"agentId":"transcribe","kind":"transcription","runId":"run_1","retention":{"mode":"result"}}"#,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(s.kind, AgentKind::Transcription);
    assert_eq!(s.session_id, None);
    assert_eq!(s.retention.unwrap().mode, Some(RetentionMode::Result));
    let StreamEvent::Start(s) =
        StreamEvent::from_frame("run-start", br#"{"agentId":"a","kind":"image"}"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(s.kind, AgentKind::Image);
    // (c) unknown kinds do not fail here
    let StreamEvent::Start(s) =
        StreamEvent::from_frame("run-start", br#"{"agentId":"a","kind":"wizardry"}"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(s.kind, AgentKind::Unknown);
    // agentId is required
    let err = StreamEvent::from_frame("run-start", br#"{"kind":"llm"}"#).unwrap_err();
    assert_eq!(err.code, StreamErrorCode::InvalidPayload);
    // (d) missing state -> {}
    let StreamEvent::Complete(r) =
        StreamEvent::from_frame("run-complete", br#"{"output":1,"sessionId":"s"}"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(r.output, json!(1));
    assert_eq!(r.state, json!({}));
    // (g) reply with and without seq
    let StreamEvent::Reply(rp) = StreamEvent::from_frame(
        "reply",
        br#"{"type":"reply","text":"still thinking...","ts":"2026-05-16T12:00:00.000Z","sessionId":"s1","runId":"r1","seq":2}"#,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(rp.text, "still thinking...");
    assert_eq!(rp.ts, "2026-05-16T12:00:00.000Z");
    assert_eq!(rp.session_id, "s1");
    assert_eq!(rp.run_id, "r1");
    assert_eq!(rp.seq, Some(2));
    let StreamEvent::Reply(rp) = StreamEvent::from_frame(
        "reply",
        br#"{"text":"x","ts":"t","sessionId":"s","runId":"r"}"#,
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(rp.seq, None);
    // (h) unknown names are kept raw, not parsed
    let ev = StreamEvent::from_frame("heartbeat", b"not json at all").unwrap();
    assert_eq!(
        ev,
        StreamEvent::Unknown(UnknownEvent::new("heartbeat", "not json at all"))
    );
    assert!(!ev.is_terminal());
    assert_eq!(ev.event_name(), "heartbeat");
}

#[test]
fn invalid_json_is_invalid_payload() {
    for name in ["run-start", "reply", "run-complete", "run-error"] {
        let err = StreamEvent::from_frame(name, b"not json").unwrap_err();
        assert_eq!(err.code, StreamErrorCode::InvalidPayload);
        assert!(
            err.message
                .starts_with(&format!("Invalid JSON in \"{name}\" event data: ")),
            "{}",
            err.message
        );
        assert!(std::error::Error::source(&err).is_some());
    }
    for name in [
        "run-spawn",
        "text-delta",
        "tool-call-start",
        "tool-call-end",
        "step-complete",
        "draining",
        "reply",
        "client-tool-request",
        "run-complete",
        "run-error",
        "run-cancelled",
        "snapshot",
    ] {
        let err = RunEvent::from_frame(name, b"{").unwrap_err();
        assert_eq!(err.code, StreamErrorCode::InvalidPayload, "{name}");
    }
    for name in ["span-start", "span-end", "trace-done", "snapshot"] {
        let err = TraceEvent::from_frame(name, b"[1,").unwrap_err();
        assert_eq!(err.code, StreamErrorCode::InvalidPayload, "{name}");
    }
    // Wrong shape, valid JSON.
    let err = RunEvent::from_frame("run-spawn", br#"{"runId":5}"#).unwrap_err();
    assert_eq!(err.code, StreamErrorCode::InvalidPayload);
    let err = TraceEvent::from_frame("span-end", br#"{"patch":{}}"#).unwrap_err();
    assert_eq!(err.code, StreamErrorCode::InvalidPayload);
}

#[test]
fn run_events_replay() {
    let ev = run_events(include_str!("data/run_events.sse"));
    assert_eq!(ev.len(), 4);
    let RunEvent::Spawn(s) = &ev[0] else {
        panic!("{:?}", ev[0])
    };
    assert_eq!(s.run_id, "run_spiC2IDZoD1c");
    assert_eq!(s.parent_id, None);
    assert_eq!(s.agent_id, "echo");
    assert_eq!(s.seq, Some(1));
    let RunEvent::Spawn(child) = &ev[1] else {
        panic!()
    };
    assert_eq!(child.parent_id.as_deref(), Some("run_spiC2IDZoD1c"));
    assert_eq!(child.agent_id, "__manifest_step_echo_mx0ueyz6_3");

    let RunEvent::Complete(c) = &ev[2] else {
        panic!()
    };
    assert_eq!(c.run_id, "run_1DSO_s1d7GmG");
    assert_eq!(c.result.invocation_id, "inv_V1jUZobrwBIp");
    assert_eq!(c.result.usage.prompt_tokens, 2);
    assert_eq!(c.result.usage.reasoning_tokens, Some(0));
    assert_eq!(c.result.usage.cached_input_tokens, Some(0));
    assert_eq!(
        c.result.usage.input_token_details,
        Some(json!({"noCacheTokens": 2, "cacheReadTokens": 0}))
    );
    assert_eq!(
        c.result.usage.output_token_details,
        Some(json!({"textTokens": 3, "reasoningTokens": 0}))
    );
    assert_eq!(c.result.duration, Some(7));

    let seqs: Vec<Option<u64>> = ev.iter().map(RunEvent::seq).collect();
    assert_eq!(seqs, [Some(1), Some(2), Some(3), Some(4)]);
    // The child's completion does not end a stream opened on the root; the
    // root's does. A stream opened on the child ends at the child's.
    let root = "run_spiC2IDZoD1c";
    let ends: Vec<bool> = ev.iter().map(|e| e.is_terminal_for(root)).collect();
    assert_eq!(ends, [false, false, false, true]);
    assert!(ev[2].is_terminal_for("run_1DSO_s1d7GmG"));
    assert!(!ev[0].is_terminal_for(root));
    assert_eq!(ev[3].run_id(), Some(root));
    assert_eq!(ev[3].event_name(), "run-complete");
}

#[test]
fn run_events_with_tools_c52() {
    let ev = run_events(include_str!("data/run_events_tools.sse"));
    assert_eq!(ev.len(), 5);
    let RunEvent::ToolCallStart(s) = &ev[0] else {
        panic!("{:?}", ev[0])
    };
    assert_eq!(s.run_id, "run_PB_4X6YqjzpV");
    assert_eq!(s.tool_call.id, "call_d0a24e366ad249fa84c01db1");
    assert_eq!(s.tool_call.name, "validate_manifest");
    assert_eq!(s.seq, Some(3));

    let RunEvent::ToolCallEnd(e) = &ev[1] else {
        panic!()
    };
    assert_eq!(e.tool_call.name, "validate_manifest");
    assert_eq!(e.tool_call.input, json!({"yaml": "id: x\nkind: llm"}));
    assert_eq!(e.tool_call.output["valid"], json!(false));
    assert_eq!(e.tool_call.duration, Some(1.0));
    assert_eq!(e.tool_call.error, None);

    let RunEvent::StepComplete(sc) = &ev[2] else {
        panic!()
    };
    assert_eq!(sc.step, 1);
    assert_eq!(sc.tool_calls.len(), 1);
    assert_eq!(sc.tool_calls[0], e.tool_call);
    assert_eq!(sc.seq, Some(5));

    let RunEvent::Complete(c) = &ev[4] else {
        panic!()
    };
    assert_eq!(c.run_id, "run_vExVc6rPRvgo");
    assert_eq!(c.result.tool_calls.len(), 1);
    assert_eq!(c.result.usage.completion_tokens, 11);
    assert_eq!(c.result.duration, Some(19));
    assert!(c.result.output.starts_with("TOOL_RESULT: "));
    assert!(ev[4].is_terminal_for("run_vExVc6rPRvgo"));
    assert!(!ev[3].is_terminal_for("run_vExVc6rPRvgo"));
}

#[test]
fn run_events_other_kinds() {
    // C35 text-delta, C36 run-cancelled, C43 run-complete without result.
    let e =
        RunEvent::from_frame("text-delta", br#"{"runId":"run_abc","text":"hi","seq":2}"#).unwrap();
    assert_eq!(
        e,
        RunEvent::TextDelta(
            serde_json::from_value(json!({"runId":"run_abc","text":"hi","seq":2})).unwrap()
        )
    );
    let RunEvent::TextDelta(t) = &e else { panic!() };
    assert_eq!(t.text, "hi");
    assert_eq!(e.seq(), Some(2));

    let e = RunEvent::from_frame(
        "run-cancelled",
        br#"{"type":"run-cancelled","runId":"r","seq":5}"#,
    )
    .unwrap();
    assert!(e.is_terminal_for("r"));
    assert!(!e.is_terminal_for("other"));
    assert_eq!(e.seq(), Some(5));

    let e = RunEvent::from_frame(
        "run-complete",
        br#"{"type":"run-complete","runId":"run_abc","seq":1}"#,
    )
    .unwrap();
    assert!(e.is_terminal_for("run_abc"));

    let e = RunEvent::from_frame(
        "run-error",
        br#"{"type":"run-error","runId":"c","error":"boom","seq":9}"#,
    )
    .unwrap();
    let RunEvent::Error(er) = &e else { panic!() };
    assert_eq!(er.error, "boom");
    assert!(!e.is_terminal_for("root"));
    assert!(e.is_terminal_for("c"));

    let e = RunEvent::from_frame(
        "draining",
        br#"{"type":"draining","runId":"r","pendingChildren":["c1","c2"],"seq":7}"#,
    )
    .unwrap();
    let RunEvent::Draining(d) = &e else { panic!() };
    assert_eq!(d.pending_children, ["c1", "c2"]);

    let e = RunEvent::from_frame(
        "reply",
        br#"{"type":"reply","runId":"run_abc","sessionId":"s1","text":"almost there","ts":"t","seq":3}"#,
    )
    .unwrap();
    assert_eq!(e.run_id(), Some("run_abc"));
    assert_eq!(e.seq(), Some(3));

    let e = RunEvent::from_frame(
        "client-tool-request",
        br#"{"type":"client-tool-request","runId":"c","rootRunId":"r","requestId":"ctr_1","toolCallId":"call_1","name":"n","input":{},"deadlineAt":"d","seq":2}"#,
    )
    .unwrap();
    let RunEvent::ClientToolRequest(c) = &e else {
        panic!()
    };
    assert_eq!(c.request_id, "ctr_1");
    assert_eq!(e.seq(), Some(2));
    assert!(!e.is_terminal_for("r"));

    let e = RunEvent::from_frame("usage-update", b"{\"x\":1}").unwrap();
    assert_eq!(
        e,
        RunEvent::Unknown(UnknownEvent::new("usage-update", "{\"x\":1}"))
    );
    assert_eq!(e.seq(), None);
    assert_eq!(e.run_id(), None);
    assert!(!e.is_terminal_for("r"));
}

#[test]
fn run_snapshot() {
    let e = RunEvent::from_frame("snapshot", include_bytes!("data/run_completed.json")).unwrap();
    let RunEvent::Snapshot(run) = &e else {
        panic!()
    };
    assert_eq!(run.id, "run_spiC2IDZoD1c");
    assert_eq!(run.status, RunStatus::Completed);
    assert!(e.is_terminal_for("anything"));
    assert_eq!(e.seq(), None);
    assert_eq!(e.run_id(), Some("run_spiC2IDZoD1c"));
}

#[test]
fn stream_error_frames() {
    let err = RunEvent::from_frame("stream-error", br#"{"error":"store exploded"}"#).unwrap_err();
    assert_eq!(err.code, StreamErrorCode::ServerError);
    assert_eq!(err.message, "store exploded");
    let err =
        TraceEvent::from_frame("stream-error", br#"{"error":"trace store down"}"#).unwrap_err();
    assert_eq!(err.code, StreamErrorCode::ServerError);
    assert_eq!(err.message, "trace store down");
    // Garbage stream-error data still yields a server error.
    let err = RunEvent::from_frame("stream-error", b"oops").unwrap_err();
    assert_eq!(err.code, StreamErrorCode::ServerError);
    assert!(err.message.contains("oops"));
}

#[test]
fn trace_snapshot_frame() {
    let fr = frames(include_str!("data/trace_snapshot.sse"));
    assert_eq!(fr.len(), 1);
    let e = TraceEvent::from_frame(&fr[0].0, fr[0].1.as_bytes()).unwrap();
    assert!(e.is_terminal());
    let TraceEvent::Snapshot(d) = &e else {
        panic!()
    };
    assert_eq!(d.summary.trace_id, "run_spiC2IDZoD1c");
    assert_eq!(d.summary.status, SpanStatus::Ok);
    assert_eq!(d.spans.len(), 4);
    assert_eq!(d.spans[2].kind, SpanKind::Invoke);
    // spans default to [].
    let TraceEvent::Snapshot(d) = TraceEvent::from_frame(
        "snapshot",
        br#"{"summary":{"traceId":"t","status":"error"}}"#,
    )
    .unwrap() else {
        panic!()
    };
    assert!(d.spans.is_empty());
    assert_eq!(d.summary.status, SpanStatus::Error);
}

#[test]
fn trace_live_frames_c53() {
    let e = TraceEvent::from_frame(
        "span-start",
        br#"{"type":"span-start","span":{"spanId":"sp1","traceId":"t","parentId":null,"ownerId":"o","runId":"r","sessionId":null,"name":"agent.run","kind":"run","startedAt":"s","endedAt":null,"durationMs":null,"status":"running","error":null,"attributes":{},"events":[],"scores":{},"costUsd":null}}"#,
    )
    .unwrap();
    let TraceEvent::SpanStart(span) = &e else {
        panic!()
    };
    assert_eq!(span.span_id, "sp1");
    assert_eq!(span.status, SpanStatus::Running);
    assert!(!e.is_terminal());

    let e = TraceEvent::from_frame(
        "span-end",
        br#"{"type":"span-end","spanId":"sp1","patch":{"status":"ok","durationMs":3}}"#,
    )
    .unwrap();
    let TraceEvent::SpanEnd(end) = &e else {
        panic!()
    };
    assert_eq!(end.span_id, "sp1");
    assert_eq!(end.patch, json!({"status":"ok","durationMs":3}));
    let TraceEvent::SpanEnd(end) =
        TraceEvent::from_frame("span-end", br#"{"spanId":"sp2"}"#).unwrap()
    else {
        panic!()
    };
    assert_eq!(end.patch, json!({}));

    let e = TraceEvent::from_frame(
        "trace-done",
        br#"{"type":"trace-done","summary":{"traceId":"t","spanCount":4,"status":"ok","totalTokens":5}}"#,
    )
    .unwrap();
    assert!(e.is_terminal());
    let TraceEvent::TraceDone(s) = &e else {
        panic!()
    };
    assert_eq!(s.span_count, 4);
    assert_eq!(e.event_name(), "trace-done");

    let e = TraceEvent::from_frame("what", b"").unwrap();
    assert_eq!(e, TraceEvent::Unknown(UnknownEvent::new("what", "")));
}

/// Every streamed event is moved through several layers (decoder, stream,
/// the user's loop): large, rare payloads are boxed so the common small
/// events stay cheap to move.
#[test]
fn stream_events_stay_small() {
    use std::mem::size_of;
    assert!(size_of::<RunEvent>() <= 128, "{}", size_of::<RunEvent>());
    assert!(size_of::<agntz_proto::events::TraceEvent>() <= 64);
    assert!(size_of::<agntz_proto::events::StreamEvent>() <= 128);
}
